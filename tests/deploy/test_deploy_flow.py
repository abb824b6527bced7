"""The deploy orchestration around the engine interface, with a fake engine and a fake gate."""

from __future__ import annotations

import io
import signal
from pathlib import Path

import pytest
from rich.console import Console

from ailz.cli.deploy_progress import PlainProgress
from ailz.components.kinds import load_spec
from ailz.deploy.backend import DeploySettings
from ailz.deploy.engine import DeployError, StackOutput, explain_failure
from ailz.deploy.flow import (
    OVERRIDE_TAG,
    SECRET_MASK,
    Session,
    destroy_target,
    load_gate,
    preview_target,
    stack_config,
    target_outputs,
    up_target,
)
from ailz.stacks.program import INFRA, PLATFORM, PROJECT
from tests.conftest import EXAMPLES
from tests.deploy.fakes import FakeEngine, FakeGate, FakeOpener, Finding, command_error

STACK = "acme-ai-aws-train"
SETTINGS = DeploySettings("file://./state", "passphrase", Path("workspace"))  # never touched: fake engine


@pytest.fixture(scope="module")
def loaded():
    return load_spec(EXAMPLES / "aws-p5-training.yaml")


class FakePlan:
    def __init__(self, targets):
        self.targets = targets


def fake_synthesize(log):
    def synthesize(loaded, targets=None):
        log.append("synthesize")
        return FakePlan(targets)

    return synthesize


def up_infra(*args, **kwargs):
    """`ailz up --stage infra`: what these tests of one stack's gate, preview, override and Ctrl-C
    handling need (both stages in order are tested below)."""
    return up_target(*args, stages=(INFRA,), **kwargs)


def make_session(loaded, engine, log=None, console=None):
    console = console or Console(file=io.StringIO(), width=160, color_system=None)
    return Session(
        loaded=loaded,
        target="aws-train",
        settings=SETTINGS,
        open_stack=FakeOpener(engine, log=log),
        progress=lambda operation, stack: PlainProgress(console, operation, stack),
    )


def test_stack_request_runs_the_composition_program_in_the_target_stack(loaded):
    engine = FakeEngine(STACK)
    session = make_session(loaded, engine)
    request = session.request()
    assert request.stack == STACK == f"{loaded.zone.name}-aws-train"
    assert PROJECT == "ailz"
    assert request.program.__module__ == "ailz.stacks.program"
    assert request.program.__qualname__ == "target_program.<locals>.program"
    assert request.config == {"aws:region": "eu-west-1"}
    assert request.settings is SETTINGS


def test_stack_config_per_target_kind():
    gcp = load_spec(EXAMPLES / "gcp-a3-ultra.yaml").zone.targets[0]
    config = stack_config(gcp)
    assert config["gcp:project"] == gcp.project and config["gcp:region"] == gcp.region
    onprem = load_spec(EXAMPLES / "onprem-sovereign.yaml").zone.targets[0]
    assert stack_config(onprem) == {}  # the kubernetes provider is explicit, from the spec


def test_each_target_is_its_own_stack():
    zone = load_spec(EXAMPLES / "hybrid-sovereign.yaml").zone
    from ailz.stacks.program import stack_name

    names = {stack_name(zone, t.name) for t in zone.targets}
    assert len(names) == len(zone.targets) > 1


def test_gate_runs_on_the_target_plan_before_the_stack_is_touched(loaded):
    log: list[str] = []
    engine = FakeEngine(STACK, events={"up": "up_aws_train.jsonl"})
    gate = FakeGate(log=log)
    report = up_infra(
        make_session(loaded, engine, log),
        gate,
        gate_options={"profile": "prod", "config": None, "waivers": "waivers.yaml"},
        synthesize=fake_synthesize(log),
    )
    assert log == ["synthesize", "gate", f"open {STACK}"]
    assert gate.seen[0]["plan"].targets == ["aws-train"]
    assert gate.seen[0]["profile"] == "prod" and gate.seen[0]["waivers"] == "waivers.yaml"
    assert report.ok and not report.blocked
    assert engine.calls[0][0] == "up"
    assert report.result.tally.totals() == {"create": 10}
    assert not engine.tags


def test_mandatory_violation_blocks_up_and_never_opens_the_stack(loaded):
    log: list[str] = []
    engine = FakeEngine(STACK)
    gate = FakeGate(blocking=[Finding("aws-s3-cmk", "bucket not encrypted with a CMK")], log=log)
    report = up_infra(make_session(loaded, engine, log), gate, synthesize=fake_synthesize(log))
    assert report.blocked and report.result is None
    assert log == ["synthesize", "gate"]
    assert engine.calls == []


def test_override_applies_and_records_the_reason(loaded):
    engine = FakeEngine(STACK, events={"up": "up_aws_train.jsonl"})
    gate = FakeGate(blocking=[Finding("aws-s3-cmk", "bucket not encrypted with a CMK")])
    reason = "CMK rollout tracked in SEC-42; expires 2026-12-01"
    report = up_infra(
        make_session(loaded, engine), gate, override=f"  {reason} ", synthesize=fake_synthesize([])
    )
    assert report.decision.overridden and report.ok
    assert engine.tags == {OVERRIDE_TAG: reason}
    message = engine.calls[-1][1]
    assert "policy gate overridden (1 blocking: aws-s3-cmk)" in message and reason in message
    assert [c[0] for c in engine.calls] == ["set_tag", "up"]


def test_override_without_violations_records_nothing(loaded):
    engine = FakeEngine(STACK, events={"up": "up_aws_train.jsonl"})
    report = up_infra(
        make_session(loaded, engine), FakeGate(), override="just in case", synthesize=fake_synthesize([])
    )
    assert report.ok and not report.decision.overridden
    assert engine.tags == {}


def test_backend_without_tags_still_records_the_override_in_the_update_message(loaded):
    engine = FakeEngine(STACK, events={"up": "up_aws_train.jsonl"}, refuse_tags=True)
    gate = FakeGate(blocking=[Finding("residency", "region outside allowed list")])
    report = up_infra(make_session(loaded, engine), gate, override="DR drill", synthesize=fake_synthesize([]))
    assert report.ok
    assert "could not tag the stack" in report.warnings[0]
    assert "DR drill" in engine.calls[-1][1]


def test_without_yes_preview_then_confirm(loaded):
    engine = FakeEngine(STACK, events={"preview": "preview_aws_train.jsonl", "up": "up_aws_train.jsonl"})
    asked = []

    def decline(preview):
        asked.append(preview.tally.totals())
        return False

    report = up_infra(
        make_session(loaded, engine), FakeGate(), confirm=decline, synthesize=fake_synthesize([])
    )
    assert asked == [{"same": 8, "update": 1, "replace": 1, "create": 1}]
    assert report.declined and report.result is None
    assert [c[0] for c in engine.calls] == ["preview"]

    engine.calls.clear()
    report = up_infra(
        make_session(loaded, engine), FakeGate(), confirm=lambda p: True, synthesize=fake_synthesize([])
    )
    assert [c[0] for c in engine.calls] == ["preview", "up"] and report.ok


def test_failed_up_is_explained_from_the_engine_events(loaded):
    error = command_error("error: update failed", stdout="Updating (acme-ai-aws-train)")
    engine = FakeEngine(STACK, events={"up": "up_aws_train_no_credentials.jsonl"}, fail={"up": error})
    report = up_infra(make_session(loaded, engine), FakeGate(), synthesize=fake_synthesize([]))
    assert not report.ok
    assert report.result.error.code == 2
    assert "no usable AWS credentials" in str(report.result.error)
    assert "aws sts get-caller-identity" in report.result.error.hint
    assert list(report.result.tally.failed.values()) == ["aws:ec2/vpc:Vpc"]


def test_ctrl_c_asks_the_engine_to_cancel_and_reports_interrupted(loaded):
    engine = FakeEngine(STACK, events={"up": "up_aws_train.jsonl"})
    engine.during["up"] = lambda: signal.raise_signal(signal.SIGINT)
    engine.fail["up"] = command_error("error: update canceled")
    previous = signal.getsignal(signal.SIGINT)
    report = up_infra(make_session(loaded, engine), FakeGate(), synthesize=fake_synthesize([]))
    assert report.result.interrupted and not report.ok
    for _ in range(50):  # cancel runs on a helper thread
        if ("cancel",) in engine.calls:
            break
        import time

        time.sleep(0.01)
    assert ("cancel",) in engine.calls
    assert signal.getsignal(signal.SIGINT) is previous


def test_preview_and_destroy(loaded):
    engine = FakeEngine(STACK, events={"preview": "preview_aws_train.jsonl", "destroy": "up_aws_train.jsonl"})
    session = make_session(loaded, engine)
    (result,), notes = preview_target(session, stages=(INFRA,))
    assert result.ok and result.operation == "preview" and notes == []
    assert session.open_stack.requests[-1].create is True

    assert destroy_target(session, confirm=lambda stack: False, stages=(INFRA,)) is None
    assert session.open_stack.requests[-1].create is False  # destroy never creates a stack
    (result,) = destroy_target(session, stages=(INFRA,))
    assert result.ok and engine.calls[-1][0] == "destroy"


def test_outputs_are_masked_unless_asked(loaded):
    engine = FakeEngine(
        STACK,
        stack_outputs={
            "clusterEndpoint": StackOutput("https://ABC.gr7.eu-west-1.eks.amazonaws.com"),
            "kubeconfig": StackOutput("apiVersion: v1\nkind: Config\n", secret=True),
            "gpuPools": StackOutput(["h100", "a100-dev"]),
        },
    )
    session = make_session(loaded, engine)
    masked = target_outputs(session)
    assert masked["kubeconfig"] == SECRET_MASK
    assert masked["gpuPools"] == ["h100", "a100-dev"]
    assert list(masked) == sorted(masked)
    assert target_outputs(session, show_secrets=True)["kubeconfig"].startswith("apiVersion: v1")


def test_outputs_of_a_stack_never_deployed(loaded):
    engine = FakeEngine(
        STACK, fail={"outputs": command_error("error: no stack named 'acme-ai-aws-train' found")}
    )
    with pytest.raises(DeployError) as error:
        target_outputs(make_session(loaded, engine))
    assert error.value.code == 2 and "does not exist in this backend" in str(error.value)


@pytest.mark.parametrize(
    "text, expected, code",
    [
        (
            "error: getting secrets manager: passphrase must be set with PULUMI_CONFIG_PASSPHRASE or "
            "PULUMI_CONFIG_PASSPHRASE_FILE environment variables",
            "none is set",
            2,
        ),
        (
            "error: decrypting secret value: failed to decrypt: incorrect passphrase, please set "
            "PULUMI_CONFIG_PASSPHRASE to the correct passphrase",
            "does not decrypt",
            2,
        ),
        (
            "error: unable to validate AWS credentials.\nDetails: No valid credential sources found",
            "AWS credentials",
            2,
        ),
        ("error: ExpiredToken: The security token included in the request is expired", "expired", 2),
        (
            "google: could not find default credentials. See https://cloud.google.com/docs/authentication",
            "Google Cloud",
            2,
        ),
        ('error: context "dgx-site" does not exist', "kubeconfig", 2),
        ("error: the stack is currently locked by 1 lock(s)", "in progress", 1),
        ("error: no resource plugin 'pulumi-resource-aws' found in the workspace", "plugin", 2),
        ("error: NoSuchBucket: The specified bucket does not exist", "bucket does not exist", 2),
        ("panic: something unexpected\nline two", "the Pulumi engine failed", 1),
    ],
)
def test_engine_failures_map_to_clear_messages(text, expected, code):
    error = explain_failure(text, STACK, "s3://state")
    assert expected in str(error)
    assert error.code == code
    assert STACK in str(error)


def test_missing_gate_package_is_a_clear_error(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_policies(name, *args, **kwargs):
        if name.startswith("ailz.policies"):
            raise ImportError("No module named 'ailz.policies.gate'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_policies)
    with pytest.raises(DeployError) as error:
        load_gate()
    assert error.value.code == 2 and "never applies without the gate" in error.value.hint


def test_second_ctrl_c_stops_waiting(loaded):
    engine = FakeEngine(STACK, events={"up": "up_aws_train.jsonl"})

    def twice():
        signal.raise_signal(signal.SIGINT)
        signal.raise_signal(signal.SIGINT)

    engine.during["up"] = twice
    report = up_infra(make_session(loaded, engine), FakeGate(), synthesize=fake_synthesize([]))
    assert report.result.interrupted and report.result.error is None
    assert report.result.tally.summary_changes is None  # the replay stopped half way


def test_unknown_failure_shows_the_engine_errors_not_the_whole_log():
    text = (
        "\n code: 255\n stdout: Updating (s)\n  ... 400 lines of progress ...\n stderr: error: update failed"
    )
    error = explain_failure(text, STACK, "s3://state", detail="creating FSx Lustre: InvalidNetworkSettings")
    assert "InvalidNetworkSettings" in str(error) and "400 lines" not in str(error)
    error = explain_failure(text, STACK, "s3://state")
    assert str(error).endswith("error: update failed") and error.code == 1


def test_plan_that_does_not_synthesize_is_not_gated_nor_applied(loaded):
    from ailz.stacks.synth import SynthesisError

    def broken(loaded, targets=None):
        try:
            raise KeyError("p5.48xlarge")
        except KeyError as cause:
            raise SynthesisError("synthesis of target 'aws-train' failed: 'p5.48xlarge'") from cause

    engine = FakeEngine(STACK)
    with pytest.raises(DeployError) as error:
        up_infra(make_session(loaded, engine), FakeGate(), synthesize=broken)
    assert error.value.code == 1 and "KeyError" in str(error.value) and "ailz plan" in error.value.hint
    assert engine.calls == []


def test_gate_that_cannot_run_stops_the_apply(loaded):
    def bad_waivers(plan, profile=None, config=None, waivers=None):
        raise FileNotFoundError(2, "No such file or directory", waivers)

    engine = FakeEngine(STACK)
    with pytest.raises(DeployError) as error:
        up_infra(
            make_session(loaded, engine),
            bad_waivers,
            gate_options={"waivers": "missing.yaml"},
            synthesize=fake_synthesize([]),
        )
    assert error.value.code == 2 and "missing.yaml" in str(error.value)
    assert engine.calls == []


KUBECONFIG = StackOutput("apiVersion: v1\nkind: Config\n", secret=True)


def test_up_applies_the_infrastructure_then_the_platform_built_from_its_outputs(loaded):
    log: list[str] = []
    engine = FakeEngine(STACK, events={"up": "up_aws_train.jsonl"}, stack_outputs={"kubeconfig": KUBECONFIG})
    session = make_session(loaded, engine, log)
    report = up_target(session, FakeGate(log=log), synthesize=fake_synthesize(log))
    assert report.ok and [run.stage for run in report.runs] == [INFRA, PLATFORM]
    # one gate over both stacks, then infra up, its outputs, then the platform stack
    assert log == ["synthesize", "gate", f"open {STACK}", f"open {STACK}", f"open {STACK}-platform"]
    assert [c[0] for c in engine.calls] == ["up", "outputs"]
    assert [c[0] for c in session.open_stack.platform.calls] == ["up"]
    platform_request = session.open_stack.requests[-1]
    assert platform_request.stack == f"{STACK}-platform" and platform_request.config == {}
    assert "--stage platform" in session.open_stack.platform.calls[0][1]


def test_a_failed_infrastructure_stage_never_touches_the_platform(loaded):
    error = command_error("error: update failed", stdout="Updating (acme-ai-aws-train)")
    engine = FakeEngine(STACK, events={"up": "up_aws_train_no_credentials.jsonl"}, fail={"up": error})
    session = make_session(loaded, engine)
    report = up_target(session, FakeGate(), synthesize=fake_synthesize([]))
    assert not report.ok and [run.stage for run in report.runs] == [INFRA]
    assert session.open_stack.platform is None


def test_platform_stage_alone_needs_the_infrastructure_deployed(loaded):
    engine = FakeEngine(STACK)  # no outputs: never deployed
    session = make_session(loaded, engine)
    with pytest.raises(DeployError) as error:
        up_target(session, FakeGate(), synthesize=fake_synthesize([]), stages=(PLATFORM,))
    assert "not deployed" in str(error.value) and "--stage infra" in error.value.hint
    assert session.open_stack.platform is None


def test_destroy_removes_the_platform_before_the_infrastructure(loaded):
    engine = FakeEngine(STACK, events={"destroy": "up_aws_train.jsonl"})
    session = make_session(loaded, engine)
    results = destroy_target(session)
    assert [r.stack for r in results] == [f"{STACK}-platform", STACK]
    assert [r.operation for r in results] == ["destroy", "destroy"]
    assert [req.create for req in session.open_stack.requests] == [False, False]


def test_preview_of_a_target_not_yet_deployed_shows_the_infrastructure_and_says_why_not_more(loaded):
    engine = FakeEngine(STACK, events={"preview": "preview_aws_train.jsonl"})
    session = make_session(loaded, engine)
    results, notes = preview_target(session)
    assert [r.stack for r in results] == [STACK]
    assert len(notes) == 1 and "platform stage not previewed" in notes[0] and "not deployed" in notes[0]
    engine.stack_outputs = {"kubeconfig": KUBECONFIG}
    results, notes = preview_target(session)
    assert [r.stack for r in results] == [STACK, f"{STACK}-platform"] and notes == []


def _kubeconfig(server: str) -> StackOutput:
    text = (
        "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
        f"clusters: [{{name: c, cluster: {{server: '{server}'}}}}]\n"
        "contexts: [{name: c, context: {cluster: c, user: u}}]\n"
    )
    return StackOutput(text, secret=True)


def _engine_with_api_on(port: int) -> FakeEngine:
    """An infrastructure stack whose kubeconfig points at this loopback port."""
    return FakeEngine(
        STACK,
        events={"up": "up_aws_train.jsonl"},
        stack_outputs={"kubeconfig": _kubeconfig(f"https://127.0.0.1:{port}")},
    )


def test_an_unreachable_api_stops_before_the_platform_stack_is_touched(loaded, monkeypatch):
    import socket

    for name in ("HTTPS_PROXY", "https_proxy"):
        monkeypatch.delenv(name, raising=False)

    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    session = make_session(loaded, _engine_with_api_on(port))
    with pytest.raises(DeployError) as error:
        up_target(session, FakeGate(), synthesize=fake_synthesize([]), stages=(PLATFORM,))
    assert f"127.0.0.1:{port}" in str(error.value) and "not reachable from here" in str(error.value)
    assert "nothing in the platform stack was touched" in str(error.value)
    assert "kubernetes.connected_cidrs" in error.value.hint  # the AWS access paths
    assert session.open_stack.platform is None


def test_a_reachable_api_lets_the_platform_stage_run(loaded, monkeypatch):
    import socket

    for name in ("HTTPS_PROXY", "https_proxy"):
        monkeypatch.delenv(name, raising=False)

    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        session = make_session(loaded, _engine_with_api_on(port))
        report = up_target(session, FakeGate(), synthesize=fake_synthesize([]), stages=(PLATFORM,))
    assert report.ok and [c[0] for c in session.open_stack.platform.calls] == ["up"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "clusters: [{name: a, cluster: {server: 'https://abc.eks.amazonaws.com'}}]",
            ("abc.eks.amazonaws.com", 443),
        ),
        ('{"clusters": [{"name": "g", "cluster": {"server": "https://10.0.0.2:8443"}}]}', ("10.0.0.2", 8443)),
        ("not: [a kubeconfig", None),
        ("clusters: []", None),
    ],
)
def test_api_server_of_a_kubeconfig(text, expected):
    from ailz.deploy.flow import api_server

    assert api_server(text) == expected


def test_destroying_only_the_infrastructure_refuses_to_orphan_a_live_platform(loaded):
    engine = FakeEngine(STACK, events={"destroy": "up_aws_train.jsonl"})
    session = make_session(loaded, engine)
    session.open_stack.platform = FakeEngine(
        f"{STACK}-platform", resources=["kubernetes:core/v1:Namespace"] * 12
    )
    with pytest.raises(DeployError) as error:
        destroy_target(session, stages=(INFRA,))
    assert "still holds 12 resources" in str(error.value) and "--stage platform" in error.value.hint
    assert engine.calls == []  # the infrastructure was not touched
    session.open_stack.platform.resources = []  # after `ailz destroy --stage platform`
    (result,) = destroy_target(session, stages=(INFRA,))
    assert result.ok and result.stack == STACK


def test_behind_an_https_proxy_the_reachability_check_steps_aside(loaded, monkeypatch):
    """The Kubernetes client honours HTTPS_PROXY; a direct connection would wrongly say no."""
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    engine = FakeEngine(
        STACK,
        events={"up": "up_aws_train.jsonl"},
        stack_outputs={"kubeconfig": _kubeconfig("https://abc.gr7.eu-west-1.eks.amazonaws.com")},
    )
    session = make_session(loaded, engine)
    session.reach = lambda host, port: pytest.fail("no direct connection behind a proxy")
    report = up_target(session, FakeGate(), synthesize=fake_synthesize([]), stages=(PLATFORM,))
    assert report.ok


def test_a_stack_from_before_the_split_is_not_emptied_of_its_cluster_objects_unasked(loaded):
    engine = FakeEngine(
        STACK,
        events={"up": "up_aws_train.jsonl"},
        stack_outputs={"kubeconfig": KUBECONFIG},
        resources=[
            "aws:eks/cluster:Cluster",
            "kubernetes:core/v1:Namespace",
            "kubernetes:helm.sh/v3:Release",
        ],
    )
    session = make_session(loaded, engine)
    with pytest.raises(DeployError) as error:
        up_target(session, FakeGate(), synthesize=fake_synthesize([]))
    assert (
        "still holds 2 Kubernetes resources" in str(error.value)
        and "--recreate-in-cluster" in error.value.hint
    )
    assert engine.calls == []  # nothing applied
    report = up_target(session, FakeGate(), synthesize=fake_synthesize([]), recreate_in_cluster=True)
    assert report.ok
