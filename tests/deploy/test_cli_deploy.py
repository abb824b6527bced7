"""`ailz preview|up|destroy|outputs` end to end, with the engine and the gate faked."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from ailz.cli import deploy_cmd
from ailz.cli.app import app
from ailz.deploy.engine import StackOutput
from ailz.deploy.flow import OVERRIDE_TAG
from tests.conftest import EXAMPLES
from tests.deploy.fakes import FakeEngine, FakeGate, FakeOpener, Finding, command_error

SPEC = str(EXAMPLES / "aws-p5-training.yaml")
STACK = "acme-ai-aws-train"


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def env(monkeypatch, tmp_path):
    """A machine with the Pulumi CLI and a passphrase; state under a temporary ailz home."""
    monkeypatch.setenv("AILZ_HOME", str(tmp_path / "ailz"))
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "test-passphrase")
    monkeypatch.setenv("CI", "true")
    for name in (
        "AILZ_BACKEND_URL",
        "PULUMI_BACKEND_URL",
        "AILZ_SECRETS_PROVIDER",
        "PULUMI_CONFIG_PASSPHRASE_FILE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("ailz.deploy.engine.pulumi_cli_path", lambda: "/usr/local/bin/pulumi")
    return tmp_path


@pytest.fixture
def engine(monkeypatch, env):
    fake = FakeEngine(
        STACK,
        events={
            "preview": "preview_aws_train.jsonl",
            "up": "up_aws_train.jsonl",
            "destroy": "up_aws_train.jsonl",
        },
        stack_outputs={
            "clusterName": StackOutput("aws-train-eks"),
            "clusterEndpoint": StackOutput("https://ABC.gr7.eu-west-1.eks.amazonaws.com"),
            "kubeconfig": StackOutput("apiVersion: v1\nkind: Config\n", secret=True),
        },
    )
    opener = FakeOpener(fake)
    monkeypatch.setattr(deploy_cmd, "open_stack_factory", lambda: opener)
    fake.opener = opener
    return fake


@pytest.fixture
def gate(monkeypatch, example_plan):
    fake = FakeGate()
    monkeypatch.setattr(deploy_cmd, "gate_factory", lambda: fake)
    plan = example_plan("aws-p5-training")

    def synthesize(loaded, targets=None):
        assert targets == ["aws-train"]
        return plan

    monkeypatch.setattr("ailz.stacks.synth.synthesize", synthesize)
    return fake


def test_preview_prints_steps_and_summary(runner, engine):
    result = runner.invoke(app, ["preview", SPEC, "--target", "aws-train"])
    assert result.exit_code == 0, result.output
    assert "~ update  aws:eks/nodeGroup:NodeGroup  aws-train-h100" in result.output
    assert f"{STACK}: 1 create, 1 replace, 8 unchanged, 1 update" in result.output
    request = engine.opener.requests[0]
    assert request.stack == STACK
    assert request.settings.backend_url.startswith("file://") and request.settings.backend_url.endswith(
        "/state"
    )
    assert request.settings.secrets_provider == "passphrase"


def test_single_target_spec_needs_no_target_flag(runner, engine):
    assert runner.invoke(app, ["preview", SPEC]).exit_code == 0


def test_unknown_target_lists_the_targets(runner, engine):
    result = runner.invoke(app, ["preview", SPEC, "--target", "gcp-train"])
    assert result.exit_code == 2
    assert "no target named 'gcp-train'" in result.output and "aws-train" in result.output


def test_backend_flag_and_kms_secrets(runner, engine):
    result = runner.invoke(
        app,
        ["preview", SPEC, "--backend", "s3://acme-state/ailz", "--secrets-provider", "awskms://alias/ailz"],
    )
    assert result.exit_code == 0, result.output
    settings = engine.opener.requests[0].settings
    assert settings.backend_url == "s3://acme-state/ailz"
    assert settings.secrets_provider == "awskms://alias/ailz"


def test_up_with_yes_gates_then_applies(runner, engine, gate):
    result = runner.invoke(app, ["up", SPEC, "--target", "aws-train", "--yes"])
    assert result.exit_code == 0, result.output
    assert "policy gate: passed" in result.output
    assert f"{STACK}: 10 created in 842s" in result.output
    assert "aws:eks/cluster:Cluster" in result.output  # changes by type
    # the infrastructure stack, its outputs, then the platform stack built from them
    assert [c[0] for c in engine.calls] == ["up", "outputs"]
    assert [c[0] for c in engine.opener.platform.calls] == ["up"]
    assert f"{STACK}-platform: 10 created in 842s" in result.output


def test_up_blocked_by_the_gate_exits_1_and_applies_nothing(runner, engine, gate):
    gate.blocking.append(Finding("aws-eks-public-endpoint", "cluster endpoint is public"))
    result = runner.invoke(app, ["up", SPEC, "--target", "aws-train", "--yes"])
    assert result.exit_code == 1
    assert "aws-eks-public-endpoint" in result.output
    assert "the policy gate blocks aws-train" in result.output and "--override" in result.output
    assert engine.calls == []


def test_up_with_override_records_the_reason(runner, engine, gate):
    gate.blocking.append(Finding("aws-eks-public-endpoint", "cluster endpoint is public"))
    reason = "bootstrap window, SEC-7"
    result = runner.invoke(app, ["up", SPEC, "--target", "aws-train", "--yes", "--override", reason])
    assert result.exit_code == 0, result.output
    assert engine.tags == engine.opener.platform.tags == {OVERRIDE_TAG: reason}
    assert f"policy override recorded on {STACK}, {STACK}-platform: {reason}" in result.output
    assert reason in engine.calls[-2][1]


def test_empty_override_reason_is_refused(runner, engine, gate):
    result = runner.invoke(app, ["up", SPEC, "--yes", "--override", "  "])
    assert result.exit_code == 2 and "--override needs a reason" in result.output


def test_up_without_yes_needs_a_terminal(runner, engine, gate):
    result = runner.invoke(app, ["up", SPEC])
    assert result.exit_code == 2 and "pass --yes" in result.output


def test_up_on_a_terminal_previews_and_asks(runner, engine, gate, monkeypatch):
    monkeypatch.setattr(deploy_cmd, "_interactive", lambda: True)
    result = runner.invoke(app, ["up", SPEC], input="n\n")
    assert result.exit_code == 1 and "confirmation declined for the infra stage" in result.output
    assert [c[0] for c in engine.calls] == ["preview"]
    result = runner.invoke(app, ["up", SPEC], input="y\ny\n")  # each stage is confirmed
    assert result.exit_code == 0, result.output
    assert [c[0] for c in engine.calls] == ["preview", "preview", "up", "outputs"]
    assert [c[0] for c in engine.opener.platform.calls] == ["preview", "up"]


def test_up_fails_with_a_clear_message_when_credentials_are_missing(runner, engine, gate):
    engine.events["up"] = "up_aws_train_no_credentials.jsonl"
    engine.fail["up"] = command_error("error: update failed")
    result = runner.invoke(app, ["up", SPEC, "--yes"])
    assert result.exit_code == 2
    assert "no usable AWS credentials" in result.output
    assert "Traceback" not in result.output


def test_up_failure_without_known_cause_exits_1(runner, engine, gate):
    engine.fail["up"] = command_error("error: 1 error occurred: weird provider failure")
    result = runner.invoke(app, ["up", SPEC, "--yes"])
    assert result.exit_code == 1 and "weird provider failure" in result.output


def test_engine_text_with_brackets_is_shown_verbatim(runner, engine, gate):
    engine.fail["up"] = command_error("error: [bold]weird[/bold] provider said [secret] no")
    result = runner.invoke(app, ["up", SPEC, "--yes"])
    assert result.exit_code == 1 and "[bold]weird[/bold] provider said [secret] no" in result.output


def test_interrupted_up_exits_130(runner, engine, gate, monkeypatch):
    from ailz.deploy import flow as deploy

    def interrupted(engine_, operation, on_event, backend_url, message=None):
        result = deploy.RunResult(engine_.name, operation, on_event.tally, interrupted=True)
        return result

    monkeypatch.setattr(deploy, "run_operation", interrupted)
    result = runner.invoke(app, ["up", SPEC, "--yes"])
    assert result.exit_code == 130 and "interrupted" in result.output


def test_missing_gate_package_refuses_to_apply(runner, engine, monkeypatch):
    from ailz.deploy.engine import DeployError

    def missing():
        raise DeployError("the policy gate (ailz.policies.gate) cannot be imported: boom", "reinstall", 2)

    monkeypatch.setattr(deploy_cmd, "gate_factory", missing)
    result = runner.invoke(app, ["up", SPEC, "--yes"])
    assert result.exit_code == 2 and "policy gate" in result.output
    assert engine.calls == []


def test_missing_pulumi_cli(runner, env, monkeypatch):
    monkeypatch.setattr("ailz.deploy.engine.pulumi_cli_path", lambda: None)
    for command in (["preview", SPEC], ["up", SPEC, "--yes"], ["destroy", SPEC, "--yes"], ["outputs", SPEC]):
        result = runner.invoke(app, command)
        assert result.exit_code == 2, command
        assert "Pulumi CLI is not installed" in result.output
        assert "https://www.pulumi.com/docs/install/" in result.output
        assert "get.pulumi.com" in result.output


def test_missing_passphrase(runner, engine, monkeypatch):
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE")
    result = runner.invoke(app, ["preview", SPEC])
    assert result.exit_code == 2
    assert "needs a passphrase" in result.output and "PULUMI_CONFIG_PASSPHRASE" in result.output
    assert engine.calls == []
    # Pulumi Cloud keeps its own keys: no passphrase needed
    result = runner.invoke(app, ["preview", SPEC, "--backend", "https://api.pulumi.com"])
    assert result.exit_code == 0, result.output


def test_destroy(runner, engine):
    result = runner.invoke(app, ["destroy", SPEC, "--yes"])
    assert result.exit_code == 0, result.output
    assert engine.opener.requests[0].create is False
    assert runner.invoke(app, ["destroy", SPEC]).exit_code == 2  # no terminal, no --yes


def test_outputs_text_and_json(runner, engine):
    result = runner.invoke(app, ["outputs", SPEC, "--target", "aws-train"])
    assert result.exit_code == 0, result.output
    assert "clusterEndpoint" in result.output and "[secret]" in result.output
    assert "kind: Config" not in result.output

    result = runner.invoke(app, ["outputs", SPEC, "--output", "json"])
    document = json.loads(result.output)
    assert document["stack"] == STACK and document["target"] == "aws-train"
    assert document["outputs"]["kubeconfig"] == "[secret]"

    result = runner.invoke(app, ["outputs", SPEC, "--output", "json", "--show-secrets"])
    assert json.loads(result.output)["outputs"]["kubeconfig"].startswith("apiVersion: v1")


def test_outputs_of_a_stack_not_deployed(runner, engine):
    engine.fail["outputs"] = command_error("error: no stack named 'acme-ai-aws-train' found")
    result = runner.invoke(app, ["outputs", SPEC])
    assert result.exit_code == 2 and "ailz up" in result.output


@pytest.mark.parametrize("argv", [["--help"], ["up", "--help"], ["outputs", "--help"]])
def test_help_imports_no_provider_sdk_and_no_automation_api(argv):
    code = (
        "import sys\n"
        "from ailz.cli.app import app\n"
        f"try:\n    app({argv!r})\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in ('pulumi_aws', 'pulumi_gcp', "
        "'pulumi_kubernetes') or m.startswith('pulumi.automation')]\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "HEAVY []" in out


def test_multi_target_spec_needs_target(runner, engine):
    result = runner.invoke(app, ["preview", str(EXAMPLES / "hybrid-sovereign.yaml")])
    assert result.exit_code == 2 and "choose one with --target" in result.output


def test_plain_lines_in_ci_live_view_on_a_terminal(monkeypatch):
    from ailz.cli.common import out
    from ailz.cli.deploy_progress import LiveProgress, PlainProgress, make_progress

    monkeypatch.setattr(type(out), "is_terminal", property(lambda self: True))
    monkeypatch.setenv("CI", "true")
    assert deploy_cmd._live_display() is False
    monkeypatch.delenv("CI")
    assert deploy_cmd._live_display() is True
    assert type(make_progress(out, "up", STACK, live=False)) is PlainProgress
    assert type(make_progress(out, "up", STACK, live=True)) is LiveProgress
