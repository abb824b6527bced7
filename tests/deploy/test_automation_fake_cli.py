"""The real pulumi.automation code path, end to end, against a stand-in `pulumi` executable.

Everything ailz and the Automation API do is real here: workspace files, stack select/init,
config, the inline-program server, the event log, error classes. Only the engine is replaced by
tests/deploy/fake_cli/pulumi_cli.py, which replays recorded engine events.
"""

from __future__ import annotations

import io
import json
import os
import stat
import sys
from pathlib import Path

import pytest
import yaml
from rich.console import Console
from typer.testing import CliRunner

from ailz.cli import deploy_cmd
from ailz.cli.app import app
from ailz.cli.deploy_progress import PlainProgress
from ailz.deploy.backend import resolve_settings
from ailz.deploy.engine import StackRequest, open_automation_stack
from ailz.deploy.flow import OVERRIDE_TAG, run_operation
from tests.conftest import EXAMPLES
from tests.deploy.fakes import FakeGate, Finding

FAKE_CLI = Path(__file__).parent / "fake_cli" / "pulumi_cli.py"
SPEC = str(EXAMPLES / "aws-p5-training.yaml")
STACK = "acme-ai-aws-train"


class FakePulumi:
    def __init__(self, root: Path) -> None:
        self.state_file = root / "fake-pulumi.json"
        self.state_file.write_text(json.dumps({}))

    @property
    def state(self) -> dict:
        return json.loads(self.state_file.read_text())

    def scenario(self, **changes) -> None:
        state = self.state
        state.update(changes)
        self.state_file.write_text(json.dumps(state))

    def calls(self) -> list[dict]:
        path = self.state_file.with_suffix(".calls.jsonl")
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []

    def call(self, command: str) -> dict:
        return next(c for c in self.calls() if c["args"][: len(command.split())] == command.split())


@pytest.fixture
def fake_pulumi(tmp_path, monkeypatch) -> FakePulumi:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "pulumi"
    script.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{FAKE_CLI}" "$@"\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    fake = FakePulumi(tmp_path)
    monkeypatch.setenv("FAKE_PULUMI_STATE", str(fake.state_file))
    monkeypatch.setenv("AILZ_HOME", str(tmp_path / "ailz"))
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "test-passphrase")
    monkeypatch.setenv("CI", "true")
    for name in ("AILZ_BACKEND_URL", "PULUMI_BACKEND_URL", "AILZ_SECRETS_PROVIDER"):
        monkeypatch.delenv(name, raising=False)
    return fake


def _program() -> None:  # never run: the stand-in engine does not call back into the program
    raise AssertionError("unreachable")


def test_create_select_configure_and_up_through_the_automation_api(fake_pulumi, tmp_path):
    fake_pulumi.scenario(events={"up": "up_aws_train.jsonl"})
    settings = resolve_settings(None)
    request = StackRequest(STACK, _program, settings, {"aws:region": "eu-west-1"})
    engine = open_automation_stack(request)

    stack = fake_pulumi.state["stacks"][STACK]
    assert stack["secrets_provider"] == "passphrase"  # select failed, so init with our provider
    assert stack["config"] == {"aws:region": "eu-west-1"}
    project = yaml.safe_load((settings.work_dir / "Pulumi.yaml").read_text())
    assert project["name"] == "ailz" and project["runtime"] == "python"
    assert project["backend"]["url"] == settings.backend_url

    console = Console(file=io.StringIO(), width=160, color_system=None)
    result = run_operation(engine, "up", PlainProgress(console, "up", STACK), settings.backend_url, "ailz up")
    assert result.ok, result.error
    assert result.tally.totals() == {"create": 10}
    assert len(result.tally.done) == 10
    assert "aws:eks/cluster:Cluster  aws-train-eks (540s)" in console.file.getvalue()

    up = fake_pulumi.call("up")
    args = up["args"]
    assert args[args.index("--exec-kind") + 1] == "auto.inline"
    assert any(a.startswith("--client=127.0.0.1:") for a in args)  # the inline program's server
    assert args[args.index("--message") + 1] == "ailz up"
    assert up["cwd"] == str(settings.work_dir)
    assert up["env"]["PULUMI_BACKEND_URL"] == settings.backend_url
    assert up["env"]["PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER"] == "true"
    assert up["env"]["passphrase_set"]

    engine = open_automation_stack(StackRequest(STACK, _program, settings, create=False))
    assert [c["args"][:2] for c in fake_pulumi.calls()].count(["stack", "init"]) == 1  # reused


def test_cli_up_with_override_against_the_automation_api(fake_pulumi, monkeypatch, example_plan):
    fake_pulumi.scenario(
        events={"up": "up_aws_train.jsonl"},
        outputs={"kubeconfig": "apiVersion: v1"},
        secret_outputs=["kubeconfig"],
    )
    gate = FakeGate(blocking=[Finding("aws-eks-public-endpoint", "cluster endpoint is public")])
    monkeypatch.setattr(deploy_cmd, "gate_factory", lambda: gate)
    monkeypatch.setattr(
        "ailz.stacks.synth.synthesize", lambda loaded, targets=None: example_plan("aws-p5-training")
    )

    result = CliRunner().invoke(app, ["up", SPEC, "--yes", "--override", "bootstrap window, SEC-7"])
    assert result.exit_code == 0, result.output
    assert f"{STACK}: 10 created in 842s" in result.output
    # both stacks carry the override; the platform stack is updated after the infrastructure one
    for stack in (STACK, f"{STACK}-platform"):
        assert fake_pulumi.state["stacks"][stack]["tags"] == {OVERRIDE_TAG: "bootstrap window, SEC-7"}
    ups = [c for c in fake_pulumi.calls() if c["args"][:1] == ["up"]]
    assert [c["args"][c["args"].index("--stack") + 1] for c in ups] == [STACK, f"{STACK}-platform"]
    message = ups[0]["args"]
    assert "bootstrap window, SEC-7" in message[message.index("--message") + 1]


def test_cli_failure_from_the_engine_is_explained(fake_pulumi):
    fake_pulumi.scenario(
        events={"preview": "up_aws_train_no_credentials.jsonl"},
        fail={"preview": {"stderr": "error: preview failed"}},
    )
    result = CliRunner().invoke(app, ["preview", SPEC])
    assert result.exit_code == 2, result.output
    assert "no usable AWS credentials" in result.output
    assert "✗ failed aws:ec2/vpc:Vpc aws-train-vpc" in result.output


def test_cli_outputs_masks_secrets_as_the_cli_reports_them(fake_pulumi):
    fake_pulumi.scenario(
        stacks={STACK: {"secrets_provider": "passphrase", "config": {}, "tags": {}}},
        outputs={"clusterName": "aws-train-eks", "kubeconfig": "apiVersion: v1"},
        secret_outputs=["kubeconfig"],
    )
    result = CliRunner().invoke(app, ["outputs", SPEC, "--output", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["outputs"] == {"clusterName": "aws-train-eks", "kubeconfig": "[secret]"}
    result = CliRunner().invoke(app, ["outputs", SPEC, "--output", "json", "--show-secrets"])
    assert json.loads(result.output)["outputs"]["kubeconfig"] == "apiVersion: v1"


def test_cli_destroy_of_a_stack_never_deployed(fake_pulumi):
    result = CliRunner().invoke(app, ["destroy", SPEC, "--yes"])
    assert result.exit_code == 2
    assert "does not exist in this backend" in result.output
    assert not fake_pulumi.state.get("stacks")  # selecting never creates


def test_ctrl_c_during_up_asks_the_engine_to_cancel(fake_pulumi):
    import signal
    import threading

    fake_pulumi.scenario(events={"up": "up_aws_train.jsonl"}, delay=0.05)
    settings = resolve_settings(None)
    engine = open_automation_stack(StackRequest(STACK, _program, settings))
    console = Console(file=io.StringIO(), width=160, color_system=None)
    timer = threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    result = run_operation(engine, "up", PlainProgress(console, "up", STACK), settings.backend_url)
    timer.join()
    assert result.interrupted and not result.ok
    for _ in range(100):  # `pulumi cancel` runs on a helper thread
        if any(c["args"][:1] == ["cancel"] for c in fake_pulumi.calls()):
            break
        threading.Event().wait(0.02)
    assert any(c["args"][:1] == ["cancel"] for c in fake_pulumi.calls())


def test_a_pulumi_cli_older_than_the_sdk_floor_is_refused_before_any_stack_is_touched(
    fake_pulumi, monkeypatch, tmp_path
):
    """Renamed components keep their state only through engine-side aliases; an older CLI is refused."""
    from ailz.deploy.engine import MIN_PULUMI_CLI

    monkeypatch.setenv("FAKE_PULUMI_VERSION", "v3.52.0")
    result = CliRunner().invoke(app, ["preview", str(EXAMPLES / "aws-p5-training.yaml")])
    assert result.exit_code == 2
    assert "too old" in result.output and MIN_PULUMI_CLI in result.output
    assert [call["args"] for call in fake_pulumi.calls()] == [["version"]]  # nothing but the version


KUBECONFIG = "apiVersion: v1\nkind: Config\nusers:\n- name: eks\n  user:\n    exec: {command: aws}\n"


def _deployed(fake_pulumi, **outputs) -> None:
    fake_pulumi.scenario(
        stacks={STACK: {"secrets_provider": "passphrase", "config": {}, "tags": {}}},
        outputs={"clusterName": "aws-train-eks", **outputs},
        secret_outputs=["kubeconfig"],
    )


def test_kubeconfig_prints_the_stack_output_in_clear(fake_pulumi, tmp_path):
    _deployed(fake_pulumi, kubeconfig=KUBECONFIG)
    result = CliRunner().invoke(app, ["kubeconfig", SPEC])
    assert result.exit_code == 0, result.output
    assert result.output == KUBECONFIG
    target = tmp_path / "kubeconfig"
    result = CliRunner().invoke(app, ["kubeconfig", SPEC, "--out", str(target)])
    assert result.exit_code == 0 and target.read_text() == KUBECONFIG
    assert stat.S_IMODE(target.stat().st_mode) == 0o600  # for the user's eyes only


def test_kubeconfig_of_a_stack_not_deployed_says_what_to_do(fake_pulumi):
    result = CliRunner().invoke(app, ["kubeconfig", SPEC])
    assert result.exit_code == 2 and "does not exist in this backend" in result.output
    _deployed(fake_pulumi)
    result = CliRunner().invoke(app, ["kubeconfig", SPEC])
    assert result.exit_code == 2 and "has no kubeconfig output" in result.output
    assert "ailz up" in result.output


def test_kubeconfig_of_an_existing_cluster_points_at_its_context(monkeypatch):
    monkeypatch.setattr("ailz.deploy.engine.pulumi_cli_path", lambda: None)  # not needed for on-prem
    result = CliRunner().invoke(app, ["kubeconfig", str(EXAMPLES / "onprem-sovereign.yaml")])
    assert result.exit_code == 2
    assert "existing cluster" in result.output and "context" in result.output


def test_validate_nccl_reaches_the_cluster_with_the_stack_kubeconfig(fake_pulumi, monkeypatch):
    from ailz.validation.cluster import RunError

    _deployed(fake_pulumi, kubeconfig=KUBECONFIG)
    monkeypatch.delenv("KUBECONFIG", raising=False)  # set, it would be the cluster the user chose
    seen = {}

    def kubernetes_api(kubeconfig, context):
        seen.update(text=Path(kubeconfig).read_text(), context=context)
        raise RunError("stop here: the run itself is tested elsewhere")

    monkeypatch.setattr("ailz.validation.kubernetes_api.KubernetesApi", kubernetes_api)
    result = CliRunner().invoke(
        app, ["validate", "nccl", "--spec", SPEC, "--target", "aws-train", "--pool", "h100"]
    )
    assert result.exit_code == 2 and "stop here" in result.output
    assert seen == {"text": KUBECONFIG, "context": None}


def test_a_stack_from_before_the_split_is_refused_through_the_real_automation_api(
    fake_pulumi, monkeypatch, example_plan
):
    fake_pulumi.scenario(
        stacks={STACK: {"secrets_provider": "passphrase", "config": {}, "tags": {}}},
        resources={STACK: ["aws:eks/cluster:Cluster", "kubernetes:core/v1:Namespace"]},
    )
    monkeypatch.setattr(deploy_cmd, "gate_factory", lambda: FakeGate())
    monkeypatch.setattr(
        "ailz.stacks.synth.synthesize", lambda loaded, targets=None: example_plan("aws-p5-training")
    )
    result = CliRunner().invoke(app, ["up", SPEC, "--yes"])
    assert result.exit_code == 2 and "still holds 1 Kubernetes resources" in result.output
    assert "--recreate-in-cluster" in result.output
    assert not [c for c in fake_pulumi.calls() if c["args"][:1] == ["up"]]  # nothing applied


def test_cli_destroy_removes_the_platform_stack_before_the_infrastructure(fake_pulumi):
    stacks = {
        s: {"secrets_provider": "passphrase", "config": {}, "tags": {}} for s in (STACK, f"{STACK}-platform")
    }
    fake_pulumi.scenario(stacks=stacks, events={"destroy": "up_aws_train.jsonl"})
    result = CliRunner().invoke(app, ["destroy", SPEC, "--yes"])
    assert result.exit_code == 0, result.output
    destroys = [c["args"] for c in fake_pulumi.calls() if c["args"][:1] == ["destroy"]]
    assert [args[args.index("--stack") + 1] for args in destroys] == [f"{STACK}-platform", STACK]
