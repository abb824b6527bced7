"""The runner against a fake API: success, failure, timeout, Ctrl-C, SIGTERM, missing CRD, 403, empty pool."""

from __future__ import annotations

import os
import signal

import pytest

from ailz.components.kinds import load_spec
from ailz.validation.cluster import ApiError, RunError
from ailz.validation.job_plan import plan_job
from ailz.validation.render import render
from ailz.validation.runner import check_pool, run_jobs
from ailz.validation.session import validate
from tests.conftest import EXAMPLES
from tests.validation.fake_cluster import FakeClock, FakeCluster

FIXTURES = EXAMPLES.parent / "tests" / "validation" / "fixtures"


@pytest.fixture(scope="module")
def spec():
    return load_spec(EXAMPLES / "aws-p5-training.yaml").zone


def objects(spec, name="nccl-run"):
    return render(plan_job(spec, "aws-train", "h100", name=name))


def run(cluster, objs, clock=None, timeout=600):
    clock = clock or FakeClock()
    return run_jobs(cluster, [objs], timeout, poll_seconds=5, clock=clock, sleep=clock.sleep)[0]


def test_success_collects_log_and_cleans_up(spec):
    cluster = FakeCluster()
    progress = []
    clock = FakeClock()
    outcome = run_jobs(
        cluster, [objects(spec)], 600, clock=clock, sleep=clock.sleep, on_progress=progress.append
    )[0]
    assert outcome.state == "succeeded" and "Avg bus bandwidth" in outcome.log
    assert outcome.nodes == ["node-a", "node-b"]
    assert cluster.created == [("ConfigMap", "nccl-run-scripts"), ("MPIJob", "nccl-run")]
    assert cluster.deleted == [("MPIJob", "nccl-run"), ("ConfigMap", "nccl-run-scripts")]
    assert cluster.objects == {}
    assert progress == ["nccl-run: 3/3 pods running, 0s of 600s"]


def test_failed_job_is_reported_and_deleted(spec):
    cluster = FakeCluster(outcome="Failed")
    outcome = run(cluster, objects(spec))
    assert outcome.state == "failed" and "NCCL failure" in outcome.log
    assert cluster.objects == {}


def test_timeout_says_why_pods_are_pending(spec):
    cluster = FakeCluster()
    cluster.unschedulable = True
    cluster.pending_event = (
        "FailedScheduling",
        "0/4 nodes are available: 4 Insufficient vpc.amazonaws.com/efa.",
    )
    outcome = run(cluster, objects(spec), timeout=60)
    assert outcome.state == "unscheduled" and not outcome.tested
    assert "not scheduled within 60s" in outcome.message
    assert "Insufficient vpc.amazonaws.com/efa" in outcome.message
    assert outcome.workload == [
        "QuotaReserved=False (Pending): couldn't assign flavors to pod set worker: insufficient unused quota"
    ]
    assert cluster.objects == {}


def test_ctrl_c_deletes_the_job(spec):
    cluster = FakeCluster(polls_to_finish=100)

    def interrupt(now):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run(cluster, objects(spec), clock=FakeClock(on_sleep=interrupt))
    assert cluster.objects == {} and ("MPIJob", "nccl-run") in cluster.deleted


def test_sigterm_takes_the_same_path(spec):
    cluster = FakeCluster(polls_to_finish=100)
    previous = signal.getsignal(signal.SIGTERM)

    def terminate(now):
        os.kill(os.getpid(), signal.SIGTERM)

    with pytest.raises(KeyboardInterrupt):
        run(cluster, objects(spec), clock=FakeClock(on_sleep=terminate))
    assert cluster.objects == {}
    assert signal.getsignal(signal.SIGTERM) == previous


def test_missing_crd_says_install_the_operator(spec):
    cluster = FakeCluster()
    cluster.fail_create["MPIJob"] = ApiError(
        404, "Not Found", "the server could not find the requested resource"
    )
    with pytest.raises(RunError, match="install the Kubeflow MPI operator"):
        run(cluster, objects(spec))
    assert cluster.objects == {}  # the ConfigMap made before the refusal is gone too


def test_forbidden_explains_rbac(spec):
    cluster = FakeCluster()
    cluster.fail_create["ConfigMap"] = ApiError(403, "Forbidden", 'configmaps is forbidden: User "dev"')
    with pytest.raises(
        RunError,
        match=r"not allowed to create ConfigMap in namespace ailz-validation.*ailz-validator.*runner_group",
    ):
        run(cluster, objects(spec))


def test_empty_pool():
    cluster = FakeCluster(nodes=())
    with pytest.raises(RunError, match="no node carries the label ailz.io/pool=h100"):
        check_pool(cluster, "h100", 2)
    with pytest.raises(RunError, match="1 ready nodes of 1, the test needs 2"):
        check_pool(FakeCluster(nodes=("a",)), "h100", 2)


def test_validate_two_nodes_passes_against_the_catalog(spec):
    clock = FakeClock()
    report = validate(spec, "aws-train", "h100", FakeCluster(), run_id="t1", clock=clock, sleep=clock.sleep)
    assert report.passed
    assert report.runs[0].verdict.measured_gbps == 355.69 and report.expected_gbps == 360
    assert report.node_status == {"node-a": "good", "node-b": "good"}


def test_validate_slow_fabric_fails(spec):
    clock = FakeClock()
    cluster = FakeCluster(bad={"node-b"})
    report = validate(spec, "aws-train", "h100", cluster, run_id="t2", clock=clock, sleep=clock.sleep)
    assert not report.passed
    assert "the line is 90% of the expected 360 GB/s" in report.runs[0].verdict.reasons[0]
    assert set(report.node_status.values()) == {"suspect"}


def test_pairwise_isolates_and_labels_the_bad_node(spec):
    nodes = [f"ip-10-0-0-{i}" for i in range(6)]
    cluster = FakeCluster(nodes=nodes, bad={"ip-10-0-0-3"})
    clock = FakeClock()
    report = validate(
        spec, "aws-train", "h100", cluster, pairwise=True, label_bad_nodes=True, run_id="t3",
        clock=clock, sleep=clock.sleep,
    )  # fmt: skip
    assert report.node_status["ip-10-0-0-3"] == "bad"
    assert sum(s == "good" for s in report.node_status.values()) == 5
    assert report.rounds == 2 and len(report.runs) == 3 + 2  # both suspects retested with a good node
    assert cluster.labels == {"ip-10-0-0-3": {"ailz.io/nccl": "bad"}}
    assert cluster.taints == {"ip-10-0-0-3": ("ailz.io/nccl-bad", "true", "NoSchedule")}
    assert cluster.objects == {}
    assert not report.passed


def test_a_second_interrupt_does_not_stop_the_cleanup(spec):
    cluster = FakeCluster(polls_to_finish=100)
    delete = cluster.delete

    def delete_then_sigint(obj):
        os.kill(os.getpid(), signal.SIGINT)  # ignored while cleaning up
        delete(obj)

    cluster.delete = delete_then_sigint

    def interrupt(now):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run(cluster, objects(spec), clock=FakeClock(on_sleep=interrupt))
    assert cluster.objects == {}
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def pairwise(spec, cluster, **kwargs):
    clock = FakeClock()
    return validate(
        spec, "aws-train", "h100", cluster, pairwise=True, run_id="p", clock=clock, sleep=clock.sleep, seed=1,
        **kwargs,
    )  # fmt: skip


def created_images(cluster):
    return {
        obj["spec"]["mpiReplicaSpecs"]["Worker"]["template"]["spec"]["containers"][0]["image"]
        for (kind, _), obj in cluster.objects_seen.items()
        if kind == "MPIJob"
    }


def test_pairwise_honours_the_image(spec):
    cluster = FakeCluster(nodes=[f"n{i}" for i in range(4)])
    seen = {}
    create = cluster.create
    cluster.create = lambda obj: (seen.setdefault((obj["kind"], obj["metadata"]["name"]), obj), create(obj))
    cluster.objects_seen = seen
    pairwise(spec, cluster, image="mirror.example/nccl-tests:1")
    assert created_images(cluster) == {"mirror.example/nccl-tests:1"}


def test_a_pair_that_cannot_be_scheduled_is_not_tested_and_blames_nobody(spec):
    cluster = FakeCluster(nodes=[f"n{i}" for i in range(6)])
    cluster.unschedulable_nodes = {"n2"}
    report = pairwise(spec, cluster, label_bad_nodes=True)
    assert report.node_status["n2"] == "untested"
    assert "bad" not in report.node_status.values() and "flaky" not in report.node_status.values()
    assert not report.passed  # a node that was never tested is not proven good
    stuck = [r for r in report.runs if r.state == "unscheduled"]
    assert stuck and "Kueue: QuotaReserved=False (Pending)" in stuck[0].message
    assert cluster.taints == {} and cluster.objects == {}


def test_nodes_with_ailz_taint_are_left_out(spec):
    cluster = FakeCluster(nodes=[f"n{i}" for i in range(5)])
    cluster.node_taints["n4"] = ["ailz.io/nccl-bad"]
    report = pairwise(spec, cluster)
    assert "n4" not in report.node_status and report.passed


def test_flaky_node_is_reported_and_tainted_never_its_partners(spec):
    cluster = FakeCluster(nodes=[f"n{i}" for i in range(8)], flaky={"n5": 0.6})
    report = pairwise(spec, cluster, label_bad_nodes=True)
    healthy = {n for n in report.node_status if n != "n5"}
    assert all(report.node_status[n] in ("good", "suspect") for n in healthy)
    assert set(cluster.taints) <= {"n5"}


def test_a_spine_fault_fails_the_run_without_blaming_nodes(spec):
    racks = {f"n{i}": ("rack-a" if i < 4 else "rack-b") for i in range(8)}
    cluster = FakeCluster(nodes=list(racks), racks=racks)
    cluster.spine_down = True
    report = pairwise(spec, cluster, label_bad_nodes=True)
    assert report.racks == racks
    assert report.failing_links and report.failing_links[0][:2] == ("rack-a", "rack-b")
    assert not report.passed and cluster.taints == {}


def test_clear_untaints_only_nodes_that_pass_a_re_test(spec):
    from ailz.validation.session import clear

    cluster = FakeCluster(nodes=["n0", "n1", "n2", "n3"], bad={"n3"})
    for node in ("n2", "n3"):
        cluster.label_node(node, {"ailz.io/nccl": "bad"})
        cluster.taint_node(node, "ailz.io/nccl-bad", "true", "NoSchedule")
    clock = FakeClock()
    report = clear(
        spec, "aws-train", "h100", cluster, ["n2", "n3"], run_id="c", clock=clock, sleep=clock.sleep
    )
    assert report.cleared == ["n2"] and list(report.kept) == ["n3"]
    assert "n2" not in cluster.labels and "n2" not in cluster.taints
    assert cluster.labels["n3"] == {"ailz.io/nccl": "bad"} and cluster.taints["n3"][0] == "ailz.io/nccl-bad"
    partners = {tuple(r.nodes) for r in report.runs}
    assert partners == {("n2", "n0"), ("n3", "n1")}  # known-good partners, one test each
    with pytest.raises(RunError, match="not nodes of pool h100: n9"):
        clear(spec, "aws-train", "h100", cluster, ["n9"])


def test_rack_comes_from_the_closest_topology_label():
    from ailz.validation.session import rack_of

    ec2 = {f"topology.k8s.aws/network-node-layer-{i}": f"nn-{i}" for i in (1, 2, 3, 4)}
    assert rack_of(ec2) == "nn-4"  # p6-b200 has four layers; the last is the closest
    assert rack_of({k: v for k, v in ec2.items() if not k.endswith("4")}) == "nn-3"
    gke = {"cloud.google.com/gce-topology-block": "b1", "cloud.google.com/gce-topology-subblock": "sb7"}
    assert rack_of(gke) == "sb7"
    assert rack_of({"example.com/rack": "r12", **gke}, rack_label="example.com/rack") == "r12"
    assert rack_of({"kubernetes.io/hostname": "x"}) is None


def test_pairwise_refuses_collectives_that_cannot_convict(spec):
    from ailz.validation.job_plan import RenderError

    for collective, why in (("sendrecv", "judged per GPU pair"), ("alltoall", "not judged")):
        with pytest.raises(RenderError, match=why):
            pairwise(spec, FakeCluster(nodes=[f"n{i}" for i in range(4)]), collective=collective)


def test_launcher_giving_up_on_a_worker_is_not_tested():
    from ailz.validation.parser import parse
    from ailz.validation.runner import RunOutcome
    from ailz.validation.session import RunReport, fabric_outcome
    from ailz.validation.thresholds import judge

    log = "ailz-launcher: no sshd on worker nccl-x-worker-1.nccl-x.ailz-validation.svc\n"
    result = parse(log)
    run = RunReport("nccl-x", ["a", "b"], "failed", "", result, judge(result, 360, 0.9, 2**30))
    assert fabric_outcome(RunOutcome("nccl-x", "failed", log), run) == "untested"
    nccl = (FIXTURES / "failure_nccl_mpirun.log").read_text()
    failed = RunReport("nccl-x", ["a", "b"], "failed", "", parse(nccl), judge(parse(nccl), 360, 0.9, 2**30))
    assert fabric_outcome(RunOutcome("nccl-x", "failed", nccl), failed) == "fail"


def test_an_unjudged_collective_proves_no_node_good(spec):
    from tests.validation.fake_cluster import GOOD_LOG

    cluster = FakeCluster()
    alltoall = GOOD_LOG.replace("all_reduce_perf", "alltoall_perf")
    cluster.read_log = lambda namespace, pod, container=None: alltoall
    clock = FakeClock()
    report = validate(
        spec, "aws-train", "h100", cluster, collective="alltoall", run_id="u", clock=clock, sleep=clock.sleep
    )
    assert report.expected_gbps is None and not report.judged and report.passed
    assert report.node_status == {}


def test_all_rack_pairs_crosses_every_pair_and_uncrossed_pairs_fail_the_report(spec):
    from ailz.validation import reports
    from ailz.validation.session import ValidationReport

    racks = {f"n{i}": f"rack-{i % 3}" for i in range(9)}
    cluster = FakeCluster(nodes=list(racks), racks=racks)
    report = pairwise(spec, cluster, all_rack_pairs=True)
    crossed = {
        frozenset((racks[a], racks[b])) for r in report.runs for a, b in [r.nodes] if racks[a] != racks[b]
    }
    assert len(crossed) == 3 and report.passed and report.uncrossed == []
    left = ValidationReport("z", "t", "p", "m", "all_reduce", 360, 0.9, runs=report.runs, rounds=8)
    left.node_status = dict(report.node_status)
    left.uncrossed = [("rack-0", "rack-1")]
    assert not left.passed
    assert "rack pairs no test crossed before the round limit: rack-0-rack-1" in reports.text_report(left)
    assert 'name="rack-0-rack-1"' in reports.junit_report(left)
