"""The real engine: pulumi.automation wiring offline, and a real run when the Pulumi CLI exists."""

from __future__ import annotations

import io
import shutil

import pytest
from rich.console import Console

from ailz.cli.deploy_progress import PlainProgress
from ailz.deploy.backend import DeploySettings
from ailz.deploy.engine import (
    MIN_PULUMI_CLI,
    AutomationStack,
    DeployError,
    StackRequest,
    open_automation_stack,
)
from ailz.deploy.flow import run_operation
from ailz.stacks.program import PROJECT


def _program() -> None:
    import pulumi

    pulumi.export("clusterName", "selftest")
    pulumi.export("token", pulumi.Output.secret("s3cret"))


def _settings(tmp_path, backend: str | None = None) -> DeploySettings:
    return DeploySettings(
        backend_url=backend or (tmp_path / "state").as_uri(),
        secrets_provider="passphrase",
        work_dir=tmp_path / "workspace",
        env_vars={"PULUMI_SKIP_UPDATE_CHECK": "true"},
    )


class RecordingStack:
    """Stands in for pulumi.automation.Stack to see what AutomationStack passes on."""

    name = "acme-ai-aws-train"

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict]] = []
        self.config: dict[str, str] = {}

    def preview(self, **kwargs):
        self.calls.append(("preview", kwargs))

    def up(self, **kwargs):
        self.calls.append(("up", kwargs))

    def destroy(self, **kwargs):
        self.calls.append(("destroy", kwargs))

    def set_config(self, key, value):
        self.config[key] = value.value

    def set_tag(self, key, value):
        self.calls.append(("set_tag", {key: value}))

    def cancel(self):
        self.calls.append(("cancel", {}))

    def outputs(self):
        from pulumi.automation import OutputValue

        return {"kubeconfig": OutputValue("apiVersion: v1", True), "region": OutputValue("eu-west-1", False)}


class RecordingCommand:
    """Stands in for auto.PulumiCommand, which runs `pulumi version` against the minimum."""

    def __init__(self, root=None, version=None, skip_version_check=False):
        self.version = version


def test_workspace_is_built_for_the_target_stack(monkeypatch, tmp_path):
    from pulumi import automation as auto

    seen = {}
    stack = RecordingStack()

    def create_or_select_stack(stack_name, project_name, program, opts):
        seen.update(stack_name=stack_name, project_name=project_name, program=program, opts=opts)
        return stack

    monkeypatch.setattr("ailz.deploy.engine.pulumi_cli_path", lambda: "/usr/local/bin/pulumi")
    monkeypatch.setattr(auto, "PulumiCommand", RecordingCommand)
    monkeypatch.setattr(auto, "create_or_select_stack", create_or_select_stack)
    settings = _settings(tmp_path)
    request = StackRequest("acme-ai-aws-train", _program, settings, {"aws:region": "eu-west-1"})
    engine = open_automation_stack(request)

    opts = seen["opts"]
    assert str(opts.pulumi_command.version) == MIN_PULUMI_CLI  # the CLI is checked against the floor
    assert seen["stack_name"] == "acme-ai-aws-train" and seen["project_name"] == PROJECT
    assert seen["program"] is _program
    assert opts.project_settings.name == PROJECT and opts.project_settings.runtime == "python"
    assert opts.project_settings.backend.url == settings.backend_url
    assert opts.secrets_provider == "passphrase"
    assert opts.work_dir == str(settings.work_dir) and settings.work_dir.is_dir()
    assert (tmp_path / "state").is_dir()  # a file:// backend directory is created
    assert stack.config == {"aws:region": "eu-west-1"}

    events = []
    engine.up(events.append, message="ailz up")
    engine.preview(events.append)
    engine.destroy(events.append, message="ailz destroy")
    for name, kwargs in stack.calls:
        assert kwargs["on_event"] == events.append and kwargs["color"] == "never", name
    assert stack.calls[0][1]["message"] == "ailz up"
    outputs = engine.outputs()
    assert outputs["kubeconfig"].secret and not outputs["region"].secret


def test_selecting_never_creates(monkeypatch, tmp_path):
    from pulumi import automation as auto

    monkeypatch.setattr("ailz.deploy.engine.pulumi_cli_path", lambda: "/usr/local/bin/pulumi")
    monkeypatch.setattr(auto, "PulumiCommand", RecordingCommand)
    monkeypatch.setattr(auto, "create_or_select_stack", lambda *a, **k: pytest.fail("must not create"))
    monkeypatch.setattr(auto, "select_stack", lambda *a, **k: RecordingStack())
    engine = open_automation_stack(
        StackRequest("acme-ai-aws-train", _program, _settings(tmp_path), create=False)
    )
    assert isinstance(engine, AutomationStack)


def test_too_old_cli_is_a_clear_error(monkeypatch, tmp_path):
    from pulumi import automation as auto

    def too_old(*args, **kwargs):
        raise auto.errors.InvalidVersionError("Minimum version requirement failed. (3.1.0 > 3.0.0)")

    monkeypatch.setattr("ailz.deploy.engine.pulumi_cli_path", lambda: "/usr/local/bin/pulumi")
    monkeypatch.setattr(auto, "PulumiCommand", too_old)
    monkeypatch.setattr(auto, "create_or_select_stack", lambda *a, **k: pytest.fail("must not open"))
    with pytest.raises(DeployError) as error:
        open_automation_stack(StackRequest("s", _program, _settings(tmp_path)))
    assert error.value.code == 2 and "too old" in str(error.value)


def test_no_cli_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setattr("ailz.deploy.engine.pulumi_cli_path", lambda: None)
    with pytest.raises(DeployError) as error:
        open_automation_stack(StackRequest("s", _program, _settings(tmp_path)))
    assert error.value.code == 2 and "get.pulumi.com" in error.value.hint


@pytest.mark.skipif(
    shutil.which("pulumi") is None,
    reason="needs the Pulumi CLI on PATH (https://www.pulumi.com/docs/install/)",
)
def test_real_preview_up_outputs_destroy_on_a_file_backend(monkeypatch, tmp_path):
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "ailz-selftest")
    settings = _settings(tmp_path)
    console = Console(file=io.StringIO(), width=160, color_system=None)
    engine = open_automation_stack(StackRequest("ailz-selftest", _program, settings))

    def run(operation):
        return run_operation(
            engine, operation, PlainProgress(console, operation, engine.name), settings.backend_url
        )

    preview = run("preview")
    assert preview.ok, preview.error
    assert preview.tally.totals().get("create") == 1  # the stack itself
    up = run("up")
    assert up.ok, up.error
    outputs = engine.outputs()
    assert outputs["clusterName"].value == "selftest" and outputs["token"].secret
    assert run("destroy").ok
