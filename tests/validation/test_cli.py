"""`ailz validate nccl`: render-only, parse, runs against the fake cluster, exit codes, lazy imports."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
import yaml
from typer.testing import CliRunner

from ailz.cli import validate_cmd
from ailz.cli.app import app
from tests.conftest import EXAMPLES
from tests.k8s_schema import validate_manifest
from tests.validation.fake_cluster import FakeClock, FakeCluster

FIXTURES = EXAMPLES.parent / "tests" / "validation" / "fixtures"
runner = CliRunner()
AWS = ["--spec", str(EXAMPLES / "aws-p5-training.yaml"), "--target", "aws-train", "--pool", "h100"]


def test_render_only_writes_valid_manifests(tmp_path):
    result = runner.invoke(app, ["validate", "nccl", *AWS, "--render-only", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    files = sorted(tmp_path.glob("*.yaml"))
    assert [f.name.split("-")[1] for f in files] == ["configmap", "mpijob"]
    for file in files:
        validate_manifest(yaml.safe_load(file.read_text()), "1.33")


def test_parse_exit_codes_and_json():
    ok = runner.invoke(
        app, ["validate", "nccl", "parse", str(FIXTURES / "allreduce_2node_v2_16.log"), "--output", "json"]
    )
    assert ok.exit_code == 0
    document = json.loads(ok.stdout)
    assert document["ok"] is True and document["rows"][-1]["in_place"]["bus_bw"] == 369.02
    failed = runner.invoke(app, ["validate", "nccl", "parse", str(FIXTURES / "failure_nccl_mpirun.log")])
    assert failed.exit_code == 1 and "NCCL failure" in failed.stdout
    missing = runner.invoke(app, ["validate", "nccl", "parse", "no-such.log"])
    assert missing.exit_code == 2


def test_parse_fails_a_run_spoiled_by_a_classic_mistake():
    result = runner.invoke(app, ["validate", "nccl", "parse", str(FIXTURES / "ranks_alone.log")])
    assert result.exit_code == 1 and "ranks-alone" in result.output and "FAILED" in result.output


def test_parse_of_a_file_that_is_not_nccl_output_is_an_input_error(tmp_path):
    wrong = tmp_path / "notes.txt"
    wrong.write_text("release notes\nnothing to see\n")
    result = runner.invoke(app, ["validate", "nccl", "parse", str(wrong)])
    assert result.exit_code == 2 and "does not look like nccl-tests output" in result.output


def test_usage_errors_exit_2(tmp_path):
    assert runner.invoke(app, ["validate", "nccl", "--target", "x"]).exit_code == 2
    bad_pool = runner.invoke(
        app, ["validate", "nccl", *AWS[:-1], "nope", "--render-only", "--out", str(tmp_path)]
    )
    assert bad_pool.exit_code == 2 and "pools: h100, a100-dev" in bad_pool.output
    bad = runner.invoke(
        app, ["validate", "nccl", *AWS, "--collective", "all_sum", "--render-only", "--out", "x"]
    )
    assert bad.exit_code == 2
    too_many = runner.invoke(app, ["validate", "nccl", *AWS, "--render-only", "--nodes", "99"])
    assert too_many.exit_code == 2 and "pool 'h100' has at most 4 nodes" in too_many.output
    assert runner.invoke(app, ["validate", "nccl", *AWS, "--render-only", "-o", "junit"]).exit_code == 2
    assert runner.invoke(app, ["validate", "nccl", *AWS, "--out", str(tmp_path)]).exit_code == 2


def test_render_only_is_deterministic_on_stdout_and_in_files(tmp_path):
    first = runner.invoke(app, ["validate", "nccl", *AWS, "--render-only", "-o", "yaml"])
    second = runner.invoke(app, ["validate", "nccl", *AWS, "--render-only"])
    assert first.exit_code == 0 and first.stdout == second.stdout
    documents = list(yaml.safe_load_all(first.stdout))
    assert [d["kind"] for d in documents] == ["ConfigMap", "MPIJob"]
    for out_dir in (tmp_path / "a", tmp_path / "b"):
        assert (
            runner.invoke(app, ["validate", "nccl", *AWS, "--render-only", "--out", str(out_dir)]).exit_code
            == 0
        )
    a, b = sorted((tmp_path / "a").iterdir()), sorted((tmp_path / "b").iterdir())
    assert [f.name for f in a] == [f.name for f in b] and [f.read_bytes() for f in a] == [
        f.read_bytes() for f in b
    ]
    other = runner.invoke(app, ["validate", "nccl", *AWS, "--render-only", "--collective", "all_gather"])
    assert other.stdout != first.stdout  # another input, another name


def test_render_only_jobset_carries_no_private_key(tmp_path):
    document = yaml.safe_load((EXAMPLES / "aws-p5-training.yaml").read_text())
    document.setdefault("validation", {}).setdefault("nccl", {})["job"] = "jobset"
    spec = tmp_path / "zone.yaml"
    spec.write_text(yaml.safe_dump(document))
    args = [
        "validate",
        "nccl",
        "--spec",
        str(spec),
        "--target",
        "aws-train",
        "--pool",
        "h100",
        "--render-only",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    kinds = [d["kind"] for d in yaml.safe_load_all(result.stdout)]
    assert kinds == ["ConfigMap", "JobSet"] and "PRIVATE KEY" not in result.stdout
    assert "kubectl -n ailz-validation create secret generic" in result.stderr
    assert runner.invoke(app, args).stdout == result.stdout


@pytest.fixture
def fake_cluster(monkeypatch):
    cluster = FakeCluster(nodes=["n0", "n1", "n2", "n3"], bad={"n2"})
    clock = FakeClock()

    import ailz.validation.kubernetes_api as runner_module
    import ailz.validation.session as session_module

    monkeypatch.setattr(runner_module, "KubernetesApi", lambda kubeconfig, context: cluster)
    monkeypatch.setenv("KUBECONFIG", "/dev/null")  # the cluster is the fake, not the stack's kubeconfig
    original = session_module.run_jobs
    monkeypatch.setattr(
        session_module,
        "run_jobs",
        lambda *a, **k: original(*a, **{**k, "clock": clock, "sleep": clock.sleep}),
    )
    return cluster


def test_pairwise_run_reports_in_every_format(fake_cluster, tmp_path):
    plot = tmp_path / "busbw.svg"
    text = runner.invoke(app, ["validate", "nccl", *AWS, "--pairwise", "--plot", str(plot)])
    assert text.exit_code == 1, text.output
    assert "bad        1  n2" in text.stdout and "FAILED" in text.stdout
    svg = ET.fromstring(plot.read_text())
    assert svg.tag.endswith("svg") and "expected 360" in plot.read_text()
    junit = runner.invoke(app, ["validate", "nccl", *AWS, "--pairwise", "--output", "junit"])
    suite = ET.fromstring(junit.stdout)
    node_cases = {
        c.get("name"): c.find("failure") is not None for c in suite if c.get("classname") == "nccl.node"
    }
    assert node_cases == {"n0": False, "n1": False, "n2": True, "n3": False}
    document = json.loads(
        runner.invoke(app, ["validate", "nccl", *AWS, "--pairwise", "--output", "json"]).stdout
    )
    assert document["nodes"]["n2"] == "bad" and document["passed"] is False
    assert fake_cluster.objects == {}


def test_two_node_run_passes(monkeypatch, fake_cluster):
    fake_cluster.bad = set()
    result = runner.invoke(app, ["validate", "nccl", *AWS, "--output", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["runs"][0]["verdict"]["worst_busbw_gbps"] == 355.69


def test_help_imports_no_cluster_client_or_sdk():
    code = (
        "import sys; from typer.testing import CliRunner; from ailz.cli.app import app;"
        "CliRunner().invoke(app, ['--help']); CliRunner().invoke(app, ['validate', 'nccl', '--help']);"
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "('kubernetes', 'pulumi_aws', 'pulumi_gcp', 'pulumi_kubernetes', 'jinja2')];"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == ""
    assert validate_cmd.validate_app is not None


def parse_cli(*args: str):
    return runner.invoke(app, ["validate", "nccl", "parse", *args])


def test_parse_with_machine_judges_like_a_run(tmp_path):
    from tests.validation.fake_cluster import slow_log

    good = parse_cli(str(FIXTURES / "allreduce_2node_v2_16.log"), "--machine", "p5.48xlarge", "-o", "json")
    assert good.exit_code == 0, good.output
    document = json.loads(good.stdout)
    assert document["nodes"] == 2 and document["expected_figure"] == "two_node_busbw_gbps"
    assert document["verdict"]["worst_busbw_gbps"] == 355.69 and document["passed"] is True
    slow = tmp_path / "slow.log"
    slow.write_text(slow_log())
    failed = parse_cli(str(slow), "--machine", "p5.48xlarge")
    assert failed.exit_code == 1 and "FAILED" in failed.stdout and "worst 88.92 GB/s at 1G" in failed.stdout
    # the same log judged against a machine with a lower figure passes
    assert parse_cli(str(slow), "--machine", "p4d.24xlarge").exit_code == 0


def test_parse_with_machine_input_errors_exit_2():
    log = str(FIXTURES / "allreduce_2node_v2_16.log")
    unknown = parse_cli(log, "--machine", "p5.48xlarg")
    assert unknown.exit_code == 2 and "did you mean p5.48xlarge" in unknown.output
    mismatch = parse_cli(log, "--machine", "p5.48xlarge", "--collective", "sendrecv")
    assert mismatch.exit_code == 2 and "ran all_reduce, not sendrecv" in mismatch.output
    no_nodes = parse_cli(str(FIXTURES / "sendrecv_broadcast_reduce.log"), "--machine", "p5.48xlarge")
    assert no_nodes.exit_code == 2 and "--nodes" in no_nodes.output
    assert parse_cli(log, "--nodes", "2").exit_code == 2  # judging options need --machine


def test_parse_with_machine_reports_unjudged_collectives():
    result = parse_cli(str(FIXTURES / "alltoall_overflow_midline.log"), "--machine", "p5.48xlarge")
    assert result.exit_code == 0 and "not judged" in result.stdout


def test_parse_with_machine_single_node_uses_the_intra_node_figure(tmp_path):
    log = (FIXTURES / "allreduce_2node_v2_16.log").read_text().replace("h100-node-b", "h100-node-a")
    one = tmp_path / "one.log"
    one.write_text(log.replace("all_reduce_perf", "all_gather_perf"))
    result = parse_cli(str(one), "--machine", "p5.48xlarge", "-o", "json", "--expected-ranks", "16")
    assert result.exit_code == 2  # --expected-ranks is for parsing alone; with --machine it is nodes x GPUs
    result = parse_cli(str(one), "--machine", "p5.48xlarge", "-o", "json")
    document = json.loads(result.stdout)
    assert document["nodes"] == 1 and document["expected_figure"] == "intra_node_collective_busbw_gbps"
    assert document["verdict"]["expected_busbw_gbps"] == 370 and result.exit_code == 0  # 355.69 >= 333


def test_pairing_without_pairwise_is_a_usage_error():
    result = runner.invoke(app, ["validate", "nccl", *AWS, "--pairing", "intra-rack"])
    assert result.exit_code == 2 and "add --pairwise" in result.output


def test_an_unreachable_cluster_is_exit_2_without_a_traceback(monkeypatch):
    from ailz.validation.cluster import ApiError

    class Refusing(FakeCluster):
        def list_nodes(self, label_selector):
            raise ApiError(0, "no answer from the API server", "Connection refused")

    monkeypatch.setattr(validate_cmd, "_connect", lambda *args: Refusing())
    result = runner.invoke(app, ["validate", "nccl", *AWS])
    assert result.exit_code == 2 and "no answer from the Kubernetes API server" in result.output
    assert "Traceback" not in result.output


def test_health_status_reads_the_contract_from_the_nodes(monkeypatch):
    from ailz.validation.cluster import NodeInfo

    class Nodes(FakeCluster):
        def list_nodes(self, label_selector):
            if label_selector != "ailz.io/pool=h100":
                return []
            return [
                NodeInfo("gpu-1", True, 8, {"ailz.io/health": "good"}, [], {
                    "ailz.io/health-checked-at": "2026-12-03T06:00:00Z", "ailz.io/health-busbw": "461.2",
                    "ailz.io/health-history": "PPP", "ailz.io/health-reason": "all checks passed"}),
                NodeInfo("gpu-2", True, 8, {"ailz.io/health": "bad"}, ["ailz.io/health-bad"], {
                    "ailz.io/health-history": "PFF",
                    "ailz.io/health-reason": "dcgm: dcgmi diag -r 1 exit 226"}),
            ]  # fmt: skip

    monkeypatch.setattr(validate_cmd, "_connect", lambda *args: Nodes())
    spec = str(EXAMPLES / "aws-p5-training.yaml")
    text = runner.invoke(app, ["validate", "health", "status", spec, "--target", "aws-train"])
    assert text.exit_code == 1 and "bad T" in text.stdout and "dcgmi diag -r 1 exit 226" in text.stdout
    metrics = runner.invoke(
        app, ["validate", "health", "status", spec, "--target", "aws-train", "-o", "prometheus"]
    )
    assert 'ailz_node_health_state{node="gpu-2",pool="h100",state="bad"} 1' in metrics.stdout
    assert (
        'ailz_node_health_last_check_timestamp_seconds{node="gpu-1",pool="h100"} 1796277600' in metrics.stdout
    )
    assert 'ailz_node_health_recent_failures{node="gpu-2",pool="h100"} 2' in metrics.stdout
    document = json.loads(
        runner.invoke(
            app, ["validate", "health", "status", spec, "--target", "aws-train", "-o", "json"]
        ).stdout
    )
    assert [n["state"] for n in document["nodes"]] == ["good", "bad"]
    assert (
        runner.invoke(
            app, ["validate", "health", "status", spec, "--target", "aws-train", "--pool", "x"]
        ).exit_code
        == 2
    )


def test_the_scheduled_fabric_health_workflow_uses_real_options():
    import re
    import shlex

    text = (EXAMPLES / "ci" / "fabric-health.yml").read_text()
    steps = [s["run"] for job in yaml.safe_load(text)["jobs"].values() for s in job["steps"] if "run" in s]
    commands = [" ".join(run.split()) for run in steps if run.lstrip().startswith("ailz ")]
    assert len(commands) == 2
    for command in commands:
        command = re.sub(r"\$\{\{[^}]*\}\}", "h100", command).replace("$SPEC", "zone.yaml")
        args = shlex.split(command.split(" > ")[0].split(" || ")[0])[1:]
        result = runner.invoke(app, [*args, "--help"])
        assert result.exit_code == 0, (args, result.output)


def test_the_only_target_and_pool_are_taken_when_not_given():
    onprem = str(EXAMPLES / "onprem-sovereign.yaml")
    implicit = runner.invoke(app, ["validate", "nccl", "--spec", onprem, "--render-only"])
    explicit = runner.invoke(
        app, ["validate", "nccl", "--spec", onprem, "--target", "fra-dgx", "--pool", "dgx", "--render-only"]
    )
    assert implicit.exit_code == 0 and implicit.stdout == explicit.stdout
    several = runner.invoke(
        app, ["validate", "nccl", "--spec", str(EXAMPLES / "aws-p5-training.yaml"), "--render-only"]
    )
    assert several.exit_code == 2 and "pools: h100, a100-dev" in several.output
    hybrid = runner.invoke(
        app, ["validate", "nccl", "--spec", str(EXAMPLES / "hybrid-sovereign.yaml"), "--render-only"]
    )
    assert hybrid.exit_code == 2 and "targets: aws-train, gcp-train, fra-dgx" in hybrid.output


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.startswith("ailz ")
