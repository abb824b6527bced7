"""The GitHub Actions example: the jobs exist, and every `ailz` line is a command the CLI has."""

from __future__ import annotations

import shlex
from typing import Any

import pytest
import typer
import yaml

from ailz.cli.app import app
from tests.conftest import ROOT

WORKFLOW = ROOT / "examples" / "ci" / "ailz.yml"


@pytest.fixture(scope="module")
def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text())


def _steps(workflow: dict, job: str) -> list[dict]:
    return workflow["jobs"][job]["steps"]


def _ailz_lines(workflow: dict) -> list[tuple[str, str]]:
    """Every `ailz` line, with the job's own environment variables expanded as its shell would
    (`--stage "$STAGE"` is checked as `--stage infra`)."""
    lines = []
    for job_name, job in workflow["jobs"].items():
        env = {str(k): str(v) for k, v in (job.get("env") or {}).items() if "${{" not in str(v)}
        for step in job["steps"]:
            for line in step.get("run", "").splitlines():
                line = line.strip()
                for name, value in env.items():
                    line = line.replace(f'"${name}"', value).replace(f'"${{{name}}}"', value)
                if line.startswith("ailz "):
                    lines.append((job_name, line))
    return lines


def _args(line: str) -> list[str]:
    """`ailz up "$SPEC" --yes > out.json || true` -> ['up', '$SPEC', '--yes']."""
    words = shlex.split(line, posix=True)[1:]
    for stop in (">", ">>", "||", "&&", "|"):
        if stop in words:
            words = words[: words.index(stop)]
    return words


def _resolve(args: list[str]) -> tuple[Any, list[str]]:
    """Walk the CLI's command groups (typer ships its own click, so duck-type the groups)."""
    command = typer.main.get_command(app)
    while hasattr(command, "list_commands"):
        name, args = args[0], args[1:]
        sub = command.get_command(command.context_class(command), name)
        if sub is None:
            raise LookupError(name)
        command = sub
    return command, args


def test_workflow_triggers_and_jobs(workflow):
    triggers = workflow.get("on", workflow.get(True))
    assert set(triggers) == {"pull_request", "push"}
    assert triggers["push"]["branches"] == ["main"]
    assert set(workflow["jobs"]) == {"plan", "targets", "infra", "platform"}
    assert "pull_request" in workflow["jobs"]["plan"]["if"]
    assert "refs/heads/main" in workflow["jobs"]["targets"]["if"]


def test_pull_requests_plan_gate_upload_sarif_and_write_the_summary(workflow):
    steps = _steps(workflow, "plan")
    runs = "\n".join(step.get("run", "") for step in steps)
    assert 'ailz plan "$SPEC"' in runs
    # the profile is pinned: the zone's environment tag is part of the change under review
    pinned = (
        'ailz policy check "$SPEC" --profile prod --config examples/policy/config.yaml --waivers "$WAIVERS"'
    )
    assert f"{pinned} --output sarif --out ailz.sarif" in runs
    assert f"{pinned} --output markdown --out summary.md" in runs
    assert 'cat summary.md >> "$GITHUB_STEP_SUMMARY"' in runs
    upload = next(s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif@"))
    assert upload["with"]["sarif_file"] == "ailz.sarif"
    assert upload["if"] == "always()"  # findings are uploaded even when the gate fails
    assert workflow["jobs"]["plan"]["permissions"]["security-events"] == "write"
    gate = next(s for s in steps if s.get("id") == "gate")
    last = steps[-1]
    assert gate["continue-on-error"] is True
    assert last["if"] == "steps.gate.outcome == 'failure'" and "exit 1" in last["run"]


@pytest.mark.parametrize("stage", ["infra", "platform"])
def test_merge_deploys_every_target_in_its_own_protected_environment(workflow, stage):
    deploy = workflow["jobs"][stage]
    assert deploy["strategy"]["fail-fast"] is False
    matrix = deploy["strategy"]["matrix"]
    assert "fromJSON(needs.targets.outputs." in str(matrix.get("target") or matrix.get("include"))
    assert "matrix.target" in deploy["environment"]["name"]
    assert deploy["concurrency"]["cancel-in-progress"] is False
    runs = "\n".join(step.get("run", "") for step in deploy["steps"])
    assert 'ailz up "$SPEC" --target "$TARGET" --stage "$STAGE" --waivers "$WAIVERS" --yes' in runs
    assert "get.pulumi.com" in runs  # the CLI the Automation API drives
    assert deploy["env"]["TARGET"] == "${{ matrix.target }}"  # never expanded inside a script
    assert deploy["env"]["STAGE"] == stage


def test_the_platform_stage_runs_after_the_infrastructure_on_a_runner_that_reaches_the_api(workflow):
    assert workflow["jobs"]["infra"]["needs"] == "targets"
    platform = workflow["jobs"]["platform"]
    assert set(platform["needs"]) == {"targets", "infra"}
    assert "!cancelled()" in platform["if"]  # one target's failed infrastructure skips no other
    assert platform["runs-on"] == "${{ matrix.runner }}"
    assert "AILZ_PLATFORM_RUNNERS" in workflow["jobs"]["targets"]["env"]["PLATFORM_RUNNERS"]
    steps = [s.get("uses", "") for s in platform["steps"]]
    assert any(s.startswith("google-github-actions/setup-gcloud@") for s in steps)


def test_state_is_shared_not_the_local_default(workflow):
    assert workflow["env"]["AILZ_BACKEND_URL"].startswith(("s3://", "gs://", "azblob://", "https://"))
    assert workflow["env"]["AILZ_SECRETS_PROVIDER"].startswith("awskms://")


def test_every_ailz_line_is_a_real_command_with_real_options(workflow):
    lines = _ailz_lines(workflow)
    assert len(lines) >= 5
    checked = 0
    for job, line in lines:
        args = _args(line)
        try:
            command, rest = _resolve(args)
        except LookupError as missing:
            raise AssertionError(f"{job}: `{line}` uses a command the CLI does not have: {missing}") from None
        # parse exactly as the CLI would (unknown options, bad choices and missing args fail here)
        command.make_context(args[0], list(rest))
        checked += 1
    assert checked >= 3


def test_policy_lines_resolve(workflow):
    for _, line in _ailz_lines(workflow):
        args = _args(line)
        if args[0] == "policy":
            command, rest = _resolve(args)
            command.make_context("check", list(rest))
