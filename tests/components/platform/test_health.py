"""Recurring node health checks: the contract's lifecycle, the manifests, and the real check script
run with bash against a loopback API (suspect, confirmed bad, repaired and cleared, flaky)."""

from __future__ import annotations

import json
import os
import stat
import subprocess

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ailz.catalog import load_catalog
from ailz.components.common.health import (
    HISTORY,
    next_history,
    state_of,
    tainted,
    transition_table,
)
from ailz.components.kinds import load_spec
from ailz.components.platform.health_manifests import (
    check_script,
    gpu_minutes_per_node_per_day,
    health_cronjob,
    health_rbac,
    setup_script,
    transitions_text,
)
from ailz.spec.zone import HealthChecks
from tests.components.platform.fake_node_api import FakeNodeApi
from tests.conftest import EXAMPLES
from tests.k8s_schema import validate_manifest

results = st.lists(st.booleans(), max_size=12)


def history_of(outcomes: list[bool]) -> str:
    history = ""
    for passed in outcomes:
        history = next_history(history, passed)
    return history


def walk(outcomes: list[bool]) -> tuple[str, str]:
    """History and state after the results, the state carried from check to check as the node does."""
    history, state = "", "good"
    for passed in outcomes:
        history = next_history(history, passed)
        state = state_of(history, state == "bad")
    return history, state


@given(results)
def test_lifecycle_rules(outcomes):
    history, state = walk(outcomes)
    assert len(history) <= HISTORY
    window = outcomes[-HISTORY:]
    if outcomes[-2:] == [False, False] or window.count(False) >= 3 and window[-2:] != [True, True]:
        assert state == "bad"  # confirmed: two failures in a row, or three of the last five
    assert tainted(state) == (state == "bad")
    if outcomes[-2:] == [True, True]:
        assert state in ("good", "flaky")  # two passing re-checks in a row clear the taint
    if outcomes[-1:] == [False] and state != "bad":
        assert state == "suspect"
    if state == "bad" and outcomes[-1]:
        assert outcomes[-2:] != [True, True]  # one pass alone does not clear a confirmed failure
    for i in range(1, len(outcomes)):  # once bad, bad until two passes in a row
        if walk(outcomes[:i])[1] == "bad" and not (outcomes[i - 1] and outcomes[i]):
            assert walk(outcomes[: i + 1])[1] == "bad"


def test_transition_table_is_the_rules():
    table = transition_table()
    assert len(table) == 4 * sum(2**n for n in range(HISTORY + 1))
    for (before, result, was_bad), (after, state) in table.items():
        assert after == next_history(before, result == "P") and state == state_of(after, was_bad)
    assert transitions_text().splitlines()[0] == "- F 0 F suspect"


def test_a_bad_node_stays_bad_until_two_passes_in_a_row_even_as_failures_leave_the_window():
    table = transition_table()
    assert table[("FFPPF", "P", True)] == ("FPPFP", "bad")  # one pass: still bad
    assert table[("FPPFP", "P", True)] == ("PPFPP", "good")  # two in a row: cleared
    assert table[("FFPPF", "P", False)] == ("FPPFP", "flaky")  # a node that was not bad is not made bad


def test_cost_of_a_schedule():
    assert gpu_minutes_per_node_per_day("0 */6 * * *", 5, 8) == 160
    assert gpu_minutes_per_node_per_day("30 2 * * *", 5, 8) == 40
    assert gpu_minutes_per_node_per_day("0 3 * * 1", 5, 8) is None


def manifests(example: str, target: str, pool: str, **settings):
    zone = load_spec(EXAMPLES / f"{example}.yaml").zone
    chosen = zone.target(target)
    gpu_pool = next(p for p in chosen.gpu_pools if p.name == pool)
    machine = load_catalog().machine(gpu_pool.machine)
    objects = health_cronjob(gpu_pool, machine, chosen, HealthChecks(**settings), 0.9, {"app": "x"})
    return objects + health_rbac(pool, {"app": "x"})


CASES = [("aws-p5-training", "aws-train", "h100"), ("gcp-a3-ultra", "gcp-train", "h200"),
         ("gcp-a3-mega", "gcp-ft", "h100-mega"), ("onprem-sovereign", "fra-dgx", "dgx")]  # fmt: skip


@pytest.mark.parametrize(("example", "target", "pool"), CASES)
def test_manifests_pass_the_api_schemas_and_are_hardened(example, target, pool):
    objects = manifests(example, target, pool)
    for obj in objects:
        validate_manifest(obj, "1.33")
    cronjob = next(o for o in objects if o["kind"] == "CronJob")
    job = cronjob["spec"]["jobTemplate"]
    assert job["metadata"]["labels"]["kueue.x-k8s.io/queue-name"] == "default"
    pods = job["spec"]["parallelism"]
    assert job["spec"]["suspend"] is True and job["spec"]["completionMode"] == "Indexed"
    assert job["spec"]["completions"] == pods
    if pods >= 2:  # Kueue lowers completions with parallelism only when asked, for Indexed Jobs
        assert job["metadata"]["annotations"] == {
            "kueue.x-k8s.io/job-min-parallelism": "1",
            "kueue.x-k8s.io/job-completions-equal-parallelism": "true",
        }
    else:  # Kueue refuses partial admission for a single pod
        assert job["metadata"]["annotations"] == {}
    pod = job["spec"]["template"]["spec"]
    assert pod["priorityClassName"] == "ailz-health" and pod["automountServiceAccountToken"] is False
    token = [
        m
        for c in pod["initContainers"] + pod["containers"]
        for m in c["volumeMounts"]
        if m["name"] == "token"
    ]
    assert token == [
        {"name": "token", "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "readOnly": True}
    ]
    assert all(m["name"] != "token" for m in pod["initContainers"][0]["volumeMounts"])
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert {t["key"] for t in pod["tolerations"]} == {"nvidia.com/gpu", "ailz.io/health-bad"}
    for container in pod["initContainers"] + pod["containers"]:
        context = container["securityContext"]
        assert context["allowPrivilegeEscalation"] is False and context["capabilities"]["drop"] == ["ALL"]
        assert set(context["capabilities"].get("add", [])) <= {"IPC_LOCK"}
        machine = load_catalog().machine(
            load_spec(EXAMPLES / f"{example}.yaml").zone.target(target).gpu_pools[0].machine
        )
        assert container["resources"]["limits"]["nvidia.com/gpu"] == str(
            machine.gpus
        )  # whole node: idle only
    assert "@sha256:" in pod["initContainers"][0]["image"]  # DCGM by the GPU Operator release's digest


def test_the_priority_class_never_preempts_and_stays_below_the_autoscaler_cutoff():
    from ailz.components.platform.health_manifests import priority_class

    cls = priority_class({})
    validate_manifest(cls, "1.33")
    facts = load_catalog().health_check
    assert cls["value"] == facts.priority < facts.autoscaler_expendable_cutoff
    assert cls["preemptionPolicy"] == "Never" and cls["globalDefault"] is False


def test_the_checker_may_touch_only_health_keys_of_its_own_pool():
    policy = next(o for o in manifests(*CASES[0]) if o["kind"] == "ValidatingAdmissionPolicy")
    spec = policy["spec"]
    assert spec["matchConditions"][0]["expression"] == (
        "request.userInfo.username == 'system:serviceaccount:ailz-validation:ailz-health-h100'"
    )
    expressions = " ".join(v["expression"] for v in spec["validations"])
    assert "startsWith('ailz.io/health-')" in expressions
    assert "oldObject.metadata.labels['ailz.io/pool'] == 'h100'" in expressions


# ---- the real script against a loopback API -------------------------------------------------------

ROW = "  {size}  268435456  float  sum  -1  5660.2  189.70  {busbw}  0  5648.9  190.08  {busbw}  0"
TABLE = (
    "\n".join(
        ["#  size  count  type  redop  root  time  algbw  busbw #wrong  time  algbw  busbw #wrong"]
        + [ROW.format(size=size, busbw="{busbw}") for size in (1073741824, 2147483648)]
    )
    + "\n"
)


@pytest.fixture
def bench(tmp_path):
    api = FakeNodeApi(
        {
            "gpu-1": {
                "metadata": {"name": "gpu-1", "labels": {"ailz.io/pool": "h100"}, "annotations": {}},
                "spec": {"taints": [{"key": "nvidia.com/gpu", "value": "true", "effect": "NoSchedule"}]},
            }
        }
    )
    scripts = tmp_path / "ailz"
    scripts.mkdir()
    (scripts / "check.sh").write_text(check_script())
    (scripts / "transitions.txt").write_text(transitions_text())
    (scripts / "setup.sh").write_text("\n")
    tests = tmp_path / "tests"
    tests.mkdir()
    fake = tests / "all_reduce_perf"
    fake.write_text(f'#!/bin/bash\ncat "{tmp_path}/table.txt"\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    (tmp_path / "results").mkdir()
    (tmp_path / "token").write_text("t")
    for i in range(2):
        port = tmp_path / "sys" / "class" / "infiniband" / f"mlx5_{i}" / "ports" / "1"
        port.mkdir(parents=True)
        (port / "state").write_text("4: ACTIVE\n")

    def run(
        busbw: float = 460.0, dcgm: int | str = 0, port_down: bool = False
    ) -> subprocess.CompletedProcess:
        (tmp_path / "table.txt").write_text(TABLE.format(busbw=f"{busbw:.2f}"))
        (tmp_path / "results" / "dcgm.rc").write_text(f"{dcgm}\n")
        (tmp_path / "sys/class/infiniband/mlx5_1/ports/1/state").write_text(
            "1: DOWN\n" if port_down else "4: ACTIVE\n"
        )
        env = {
            "PATH": os.environ["PATH"], "NODE_NAME": "gpu-1", "GPUS": "8", "TESTS_DIR": str(tests),
            "NVLINK_LINE": "405.0", "MIN_BYTES": "1073741824", "MAX_BYTES": "8G", "LOOPBACK": "0",
            "RDMA_DEVICES": "2", "DCGM_LEVEL": "1", "AILZ_API": api.url,
            "AILZ_TOKEN_FILE": str(tmp_path / "token"),
            "AILZ_CA_FILE": str(tmp_path / "none"), "AILZ_SYSFS": str(tmp_path / "sys"),
            "AILZ_RESULTS": str(tmp_path / "results"),
        }  # fmt: skip
        done = subprocess.run(
            ["bash", str(scripts / "check.sh")], env=env, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done

    yield api, run
    api.close()


def node_state(api):
    node = api.nodes["gpu-1"]
    meta = node["metadata"]
    taints = [t["key"] for t in node["spec"].get("taints", [])]
    return meta["labels"].get("ailz.io/health"), meta["annotations"].get("ailz.io/health-history"), taints


def test_suspect_then_confirmed_bad_then_repaired_and_cleared(bench):
    api, run = bench
    run()
    assert node_state(api) == ("good", "P", ["nvidia.com/gpu"])
    run(busbw=300.0)  # NVLink below 405 GB/s
    assert node_state(api) == ("suspect", "PF", ["nvidia.com/gpu"])
    assert "nvlink: worst busbw 300 GB/s below 405.0 GB/s" in api.nodes["gpu-1"]["metadata"]["annotations"][
        "ailz.io/health-reason"]  # fmt: skip
    run(dcgm=226)
    assert node_state(api) == ("bad", "PFF", ["nvidia.com/gpu", "ailz.io/health-bad"])
    run(dcgm=226)  # still bad: the taint is not added twice
    assert node_state(api) == ("bad", "PFFF", ["nvidia.com/gpu", "ailz.io/health-bad"])
    run()  # repaired: one passing re-check is not enough
    assert node_state(api) == ("bad", "PFFFP", ["nvidia.com/gpu", "ailz.io/health-bad"])
    run()  # two in a row: the taint goes, the GPU taint stays; the failures are still in the window
    assert node_state(api) == ("flaky", "FFFPP", ["nvidia.com/gpu"])
    for _ in range(2):
        run()
    assert node_state(api) == ("good", "FPPPP", ["nvidia.com/gpu"])
    reasons = [e["reason"] for e in api.events]
    assert reasons == [
        "AilzHealthGood",
        "AilzHealthSuspect",
        "AilzHealthBad",
        "AilzHealthFlaky",
        "AilzHealthGood",
    ]
    involved = {"kind": "Node", "name": "gpu-1", "uid": "uid-gpu-1", "apiVersion": "v1"}
    assert all(e["involvedObject"] == involved for e in api.events)  # kubectl describe node finds them
    assert set(api.agents) == {"ailz-health/1"}


def test_a_flaky_node_is_labelled_flaky_and_tainted_once_failures_pile_up(bench):
    api, run = bench
    for busbw in (460, 300, 460, 300, 460):
        run(busbw=busbw)
        assert "ailz.io/health-bad" not in node_state(api)[2]
    assert node_state(api) == ("flaky", "PFPFP", ["nvidia.com/gpu"])
    run(busbw=300)  # three failures of the last five: confirmed
    assert node_state(api) == ("bad", "FPFPF", ["nvidia.com/gpu", "ailz.io/health-bad"])


def test_pretty_printed_replies_are_read_as_well(bench):
    api, run = bench
    api.pretty = True
    run(busbw=300)
    run(busbw=300)
    assert node_state(api) == ("bad", "FF", ["nvidia.com/gpu", "ailz.io/health-bad"])
    run()
    run()
    assert node_state(api) == ("flaky", "FFPP", ["nvidia.com/gpu"])


def test_a_lost_race_is_retried_on_a_fresh_read_and_other_writes_survive(bench):
    api, run = bench
    run(busbw=300)
    api.races = 1
    out = run(busbw=300)
    assert "changed while recording (attempt 1)" in out.stdout
    assert node_state(api) == ("bad", "FF", ["nvidia.com/gpu", "ailz.io/health-bad"])


def test_a_check_that_could_not_run_changes_nothing(bench):
    api, run = bench
    run(busbw=300)
    before = node_state(api)
    out = run(dcgm="setup")
    assert node_state(api) == before and "not tested" in out.stdout
    assert api.nodes["gpu-1"]["metadata"]["annotations"]["ailz.io/health-reason"].startswith(
        "not tested: dcgm"
    )


def test_a_history_from_elsewhere_is_cut_to_the_window(bench):
    api, run = bench
    api.nodes["gpu-1"]["metadata"]["annotations"]["ailz.io/health-history"] = "FFFFFFx"
    api.nodes["gpu-1"]["spec"]["taints"].append(
        {"key": "ailz.io/health-bad", "value": "true", "effect": "NoSchedule"}
    )
    run(busbw=300)
    assert node_state(api) == ("bad", "FFFFF", ["nvidia.com/gpu", "ailz.io/health-bad"])


def test_a_port_down_fails_the_check(bench):
    api, run = bench
    out = run(port_down=True)
    assert node_state(api)[0] == "suspect" and "rdma: 1 of 2 ports ACTIVE" in out.stdout
    assert api.nodes["gpu-1"]["metadata"]["annotations"]["ailz.io/health-busbw"] == "460"


def test_the_script_only_writes_health_keys(bench):
    api, run = bench
    run(busbw=1.0)
    run(busbw=1.0)
    for kind, body in api.patches:
        if kind == "application/merge-patch+json":
            assert set(body["metadata"]) == {"labels", "annotations"}
            keys = [*body["metadata"]["labels"], *body["metadata"]["annotations"]]
            assert all(k.startswith("ailz.io/health") for k in keys)
        else:  # JSON patches touch the taint list only, and only ailz's own taint, on the node as read
            assert body[0]["op"] == "test" and body[0]["path"] == "/metadata/resourceVersion"
            assert all(op["path"].startswith("/spec/taints") for op in body[1:])
            assert all(
                "ailz.io/health-bad" in json.dumps(op.get("value")) for op in body[1:] if op["op"] != "remove"
            )


def test_setup_script_exports_the_fabric_environment():
    catalog = load_catalog()
    text = setup_script(catalog.nccl_pods["efa"], catalog.fabric_profiles["efa"])
    assert "export LD_LIBRARY_PATH=" in text and "FI_EFA_USE_DEVICE_RDMA" not in text


def refused(policy: dict, old: dict, new: dict, user: str, extra: dict | None = None) -> list[str]:
    """The policy's CEL evaluated as the API server would: the messages of the failed validations."""
    import celpy

    env = celpy.Environment()
    activation = {
        "object": celpy.json_to_cel(new),
        "oldObject": celpy.json_to_cel(old),
        "request": celpy.json_to_cel(
            {"userInfo": {"username": user, "groups": [], **({"extra": extra} if extra else {})}}
        ),
    }
    for condition in policy["spec"]["matchConditions"]:
        if not bool(env.program(env.compile(condition["expression"])).evaluate(activation)):
            return []
    variables = {
        celpy.celtypes.StringType(v["name"]): env.program(env.compile(v["expression"])).evaluate(activation)
        for v in policy["spec"]["variables"]
    }
    activation["variables"] = celpy.celtypes.MapType(variables)
    return [
        rule["message"]
        for rule in policy["spec"]["validations"]
        if not bool(env.program(env.compile(rule["expression"])).evaluate(activation))
    ]


def test_the_health_policy_evaluated():
    import copy

    policy = health_rbac("h100", {})[3]
    checker = "system:serviceaccount:ailz-validation:ailz-health-h100"
    node = {
        "metadata": {"name": "n1", "labels": {"ailz.io/pool": "h100"}, "annotations": {}},
        "spec": {"taints": [{"key": "nvidia.com/gpu", "value": "true", "effect": "NoSchedule"}]},
    }
    marked = copy.deepcopy(node)
    marked["metadata"]["labels"]["ailz.io/health"] = "bad"
    marked["metadata"]["annotations"]["ailz.io/health-history"] = "FF"
    marked["spec"]["taints"].append({"key": "ailz.io/health-bad", "value": "true", "effect": "NoSchedule"})
    assert refused(policy, node, marked, checker) == []
    other_pool = copy.deepcopy(node)
    other_pool["metadata"]["labels"]["ailz.io/pool"] = "a100"
    other_marked = copy.deepcopy(marked)
    other_marked["metadata"]["labels"]["ailz.io/pool"] = "a100"
    assert refused(policy, other_pool, other_marked, checker) == ["only nodes of pool h100 may be changed"]
    sneaky = copy.deepcopy(marked)
    sneaky["metadata"]["labels"]["ailz.io/healthz"] = "x"
    sneaky["metadata"]["ownerReferences"] = [{"apiVersion": "v1", "kind": "Pod", "name": "gone", "uid": "u"}]
    sneaky["spec"]["taints"] = sneaky["spec"]["taints"][1:]  # drops the GPU taint
    assert refused(policy, node, sneaky, checker) == [
        "only ailz.io/health* labels may change",
        "only ailz.io/health* taints may change",
        "owner references and finalizers may not change",
    ]
    assert refused(policy, node, sneaky, "system:serviceaccount:other:x") == []  # not the checker's business
    own = {"authentication.kubernetes.io/node-name": ["n1"]}
    assert refused(policy, node, marked, checker, own) == []
    other = {"authentication.kubernetes.io/node-name": ["n2"]}
    assert refused(policy, node, marked, checker, other) == [
        "a check pod may change only the node it runs on"
    ]
    noexec = copy.deepcopy(marked)
    noexec["spec"]["taints"][-1]["effect"] = "NoExecute"
    assert refused(policy, node, noexec, checker) == [
        "the only health taint is ailz.io/health-bad:NoSchedule"
    ]


@pytest.mark.parametrize(
    ("hostengine", "dcgmi", "expected"),
    [
        ("exit 0", "echo '| Memory | Pass |'; exit 0", "0"),
        ("exit 0", "echo '| Diagnostic | Fail - GPU 3 |'; exit 226", "226"),
        ("exit 0", "echo 'Error: insufficient permissions'; exit 1", "setup"),  # could not run: no result
        ("exit 1", "exit 0", "setup"),
    ],
)
def test_the_dcgm_step_tells_a_failing_gpu_from_a_diag_that_could_not_run(
    tmp_path, hostengine, dcgmi, expected
):
    pod = manifests(*CASES[0])[1]["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    command = pod["initContainers"][0]["args"][0].replace("/results", str(tmp_path))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, body in (("nv-hostengine", hostengine), ("dcgmi", dcgmi)):
        tool = bin_dir / name
        tool.write_text(f"#!/bin/bash\n{body}\n")
        tool.chmod(0o755)
    env = {"PATH": f"{bin_dir}:{os.environ['PATH']}"}
    done = subprocess.run(["bash", "-c", command], env=env, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0 and (tmp_path / "dcgm.rc").read_text().strip() == expected
