"""`ailz preview|up|destroy|outputs`: one Pulumi stack per target, through the Automation API.

Heavy imports (pulumi.automation, provider SDKs) happen inside the commands, never at import.
"""

from __future__ import annotations

import json
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape

from ailz.cli.common import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    TextOrJson,
    err,
    fail,
    load_spec_or_exit,
    out,
    output_to,
    write_text,
)


class Stage(StrEnum):
    """The two stacks of a target (ailz.stacks.program.STAGES, named here so --help lists them
    without importing the stacks)."""

    infra = "infra"
    platform = "platform"


class PolicyProfile(StrEnum):
    dev = "dev"
    prod = "prod"


SPEC_ARG = typer.Argument(..., help="Landing-zone YAML file.")
STAGE_OPT = typer.Option(
    None,
    "--stage",
    help="infra (the cloud stack) or platform (the in-cluster stack, applied through the cluster's "
    "API); default: both, in order. A CI runner outside the network runs --stage infra, one that "
    "reaches the API --stage platform.",
)
TARGET_OPT = typer.Option(None, "--target", "-t", help="Target to act on (each target is its own stack).")
BACKEND_OPT = typer.Option(
    None,
    "--backend",
    help="State backend URL (file://, s3://, gs://, azblob://, https://api.pulumi.com). "
    "Default: $AILZ_BACKEND_URL, $PULUMI_BACKEND_URL, the spec's deploy.backend_url, else ~/.ailz/state.",
)
SECRETS_OPT = typer.Option(
    None,
    "--secrets-provider",
    help="passphrase (default; needs PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE) "
    "or a KMS key URL: awskms://, gcpkms://, azurekeyvault://, hashivault://.",
)


def open_stack_factory():
    """The engine behind the commands; tests replace this with a fake."""
    from ailz.deploy.engine import open_automation_stack

    return open_automation_stack


def gate_factory():
    from ailz.deploy.flow import load_gate

    return load_gate()


def _interactive() -> bool:
    return sys.stdin.isatty()


def _live_display() -> bool:
    return out.is_terminal and not os.environ.get("CI")


def _session(spec: str, target: str | None, backend: str | None, secrets: str | None):
    loaded = load_spec_or_exit(spec)
    names = [t.name for t in loaded.zone.targets]
    if target is None:
        if len(names) != 1:
            fail(
                f"{spec} has {len(names)} targets; choose one with --target",
                hint=f"targets: {', '.join(names)}",
            )
        target = names[0]
    elif target not in names:
        fail(f"no target named '{target}' in {spec}", hint=f"targets: {', '.join(names)}")

    from ailz.cli.deploy_progress import make_progress
    from ailz.deploy.backend import DeployConfigError, check_secrets_access, resolve_settings
    from ailz.deploy.engine import DeployError, require_pulumi_cli
    from ailz.deploy.flow import Session

    try:
        settings = resolve_settings(
            loaded.zone.deploy, backend_flag=backend, secrets_flag=secrets, spec_dir=Path(spec).parent
        )
        require_pulumi_cli()
        check_secrets_access(settings.secrets_provider, os.environ)
    except (DeployConfigError, DeployError) as error:
        _deploy_error(error)

    live = _live_display()
    return Session(
        loaded=loaded,
        target=target,
        settings=settings,
        open_stack=open_stack_factory(),
        progress=lambda operation, stack: make_progress(out, operation, stack, live),
    )


def _deploy_error(error: Any) -> None:
    """Engine and provider texts are data: escape them so brackets are never read as markup."""
    hint = escape(error.hint) if error.hint else None
    fail(escape(str(error)), code=getattr(error, "code", EXIT_USAGE), hint=hint)


def _stages(stage: str | None) -> tuple[str, ...]:
    from ailz.stacks.program import STAGES

    if stage is None:
        return STAGES
    if stage not in STAGES:
        fail(f"unknown stage {stage!r}", hint=f"--stage {' or --stage '.join(STAGES)}")
    return (str(stage),)


def _finish_all(results: list[Any]) -> None:
    """Summaries of every stage's run; the exit follows the last (a failure stops the rest)."""
    from ailz.cli.deploy_progress import render_summary

    if not results:
        raise typer.Exit(0)
    for result in results[:-1]:
        render_summary(result.tally, out, result.operation, result.stack)
    _finish(results[-1])


def _finish(result: Any) -> None:
    """Print the summary of a run and exit with its status."""
    from ailz.cli.deploy_progress import render_summary

    render_summary(result.tally, out, result.operation, result.stack)
    if result.interrupted:
        err.print(
            f"[bold yellow]interrupted:[/] asked the engine to cancel {result.stack}; steps already "
            "in flight were allowed to finish. Run the command again to converge.",
        )
        raise typer.Exit(EXIT_INTERRUPTED)
    if result.error is not None:
        _deploy_error(result.error)


def preview(
    spec: str = SPEC_ARG,
    target: str = TARGET_OPT,
    stage: Stage = STAGE_OPT,
    backend: str = BACKEND_OPT,
    secrets_provider: str = SECRETS_OPT,
) -> None:
    """Show what `ailz up` would change in the target's two stacks (needs the Pulumi CLI)."""
    from ailz.deploy.engine import DeployError
    from ailz.deploy.flow import preview_target

    stages = _stages(stage)
    session = _session(spec, target, backend, secrets_provider)
    try:
        results, notes = preview_target(session, stages)
    except DeployError as error:
        _deploy_error(error)
    for note in notes:
        err.print(f"[yellow]note:[/] {escape(note)}")
    _finish_all(results)


def up(
    spec: str = SPEC_ARG,
    target: str = TARGET_OPT,
    yes: bool = typer.Option(False, "--yes", "-y", help="Apply without previewing and asking first."),
    override: str = typer.Option(
        None,
        "--override",
        help="Apply despite mandatory policy violations; the reason is recorded on the stack.",
    ),
    profile: PolicyProfile = typer.Option(
        None, "--policy-profile", help="Policy profile for the gate (default: from the zone's environment)."
    ),
    policy_config: str = typer.Option(None, "--policy-config", help="Policy configuration file."),
    waivers: str = typer.Option(None, "--waivers", help="Policy waivers file."),
    stage: Stage = STAGE_OPT,
    recreate_in_cluster: bool = typer.Option(
        False,
        "--recreate-in-cluster",
        help="Accept that a stack deployed before the platform had its own stack loses its Kubernetes "
        "resources, which the platform stack then creates again.",
    ),
    backend: str = BACKEND_OPT,
    secrets_provider: str = SECRETS_OPT,
) -> None:
    """Gate the target with the policies, then apply its infrastructure stack and its platform stack
    (needs the Pulumi CLI)."""
    from ailz.deploy.engine import DeployError
    from ailz.deploy.flow import up_target

    if not yes and not _interactive():
        fail("`ailz up` needs confirmation, and there is no terminal to ask on", hint="pass --yes")
    if override is not None and not override.strip():
        fail("--override needs a reason", hint='e.g. --override "capacity block expires Friday; SEC-123"')
    stages = _stages(stage)
    session = _session(spec, target, backend, secrets_provider)
    try:
        gate_fn = gate_factory()
    except DeployError as error:
        _deploy_error(error)

    def show_gate(decision: Any) -> None:
        out.print(decision.result.text(), markup=False)
        if decision.overridden:
            err.print(f"[bold yellow]policy gate overridden:[/] {escape(decision.override)}")

    def confirm(preview_result: Any) -> bool:
        from ailz.cli.deploy_progress import render_summary

        render_summary(preview_result.tally, out, "preview", preview_result.stack)
        return typer.confirm(f"apply these changes to {preview_result.stack}?", default=False)

    try:
        report = up_target(
            session,
            gate_fn,
            override=override,
            confirm=None if yes else confirm,
            gate_options={"profile": profile and profile.value, "config": policy_config, "waivers": waivers},
            on_gate=show_gate,
            stages=stages,
            recreate_in_cluster=recreate_in_cluster,
        )
    except DeployError as error:
        _deploy_error(error)
    if report.blocked:
        fail(
            f"the policy gate blocks {session.target}: {len(report.decision.result.blocking)} mandatory "
            "violation(s); nothing was applied",
            code=EXIT_FAILED,
            hint='fix the spec, add a waiver, or pass --override "reason" (recorded on the stack)',
        )
    for warning in report.warnings:
        err.print(f"[yellow]warning:[/] {escape(warning)}")
    done = [run.result for run in report.runs if run.result is not None]
    if report.decision.overridden and done:
        stacks = ", ".join(result.stack for result in done)
        out.print(f"policy override recorded on {stacks}: {report.decision.override}", markup=False)
    last = report.runs[-1]
    if last.result is not None:
        _finish_all(done)
        return
    from ailz.cli.deploy_progress import render_summary

    for result in done:  # what was applied before the stage that stopped
        render_summary(result.tally, out, result.operation, result.stack)
    if last.declined:
        err.print(f"not applied: confirmation declined for the {last.stage} stage")
        raise typer.Exit(EXIT_FAILED)
    _finish(last.preview)


def destroy(
    spec: str = SPEC_ARG,
    target: str = TARGET_OPT,
    yes: bool = typer.Option(False, "--yes", "-y", help="Destroy without asking first."),
    stage: Stage = STAGE_OPT,
    backend: str = BACKEND_OPT,
    secrets_provider: str = SECRETS_OPT,
) -> None:
    """Delete every resource in the target's stack; the stack and its history stay (needs the Pulumi CLI)."""
    from ailz.deploy.engine import DeployError
    from ailz.deploy.flow import destroy_target

    if not yes and not _interactive():
        fail("`ailz destroy` needs confirmation, and there is no terminal to ask on", hint="pass --yes")
    stages = _stages(stage)
    session = _session(spec, target, backend, secrets_provider)

    def confirm(stack: str) -> bool:
        return typer.confirm(f"destroy every resource in {stack}?", default=False)

    try:
        results = destroy_target(session, confirm=None if yes else confirm, stages=stages)
    except DeployError as error:
        _deploy_error(error)
    if results is None:
        err.print("not destroyed: confirmation declined")
        raise typer.Exit(EXIT_FAILED)
    _finish_all(results)


def outputs(
    spec: str = SPEC_ARG,
    target: str = TARGET_OPT,
    output: TextOrJson = typer.Option(TextOrJson.text, "--output", "-o", help="text or json."),
    show_secrets: bool = typer.Option(False, "--show-secrets", help="Print secret outputs in clear."),
    stage: Stage = typer.Option(Stage.infra, "--stage", help="The stack whose outputs to show."),
    out_file: str = typer.Option(None, "--out", metavar="FILE", help="Write to this file instead of stdout."),
    backend: str = BACKEND_OPT,
    secrets_provider: str = SECRETS_OPT,
) -> None:
    """Show the target's stack outputs: cluster endpoint, pools, fabric names, buckets, keys."""
    with output_to(out_file):
        _outputs(spec, target, output, show_secrets, stage.value, backend, secrets_provider)


def _outputs(spec, target, output, show_secrets, stage, backend, secrets_provider) -> None:  # noqa: PLR0913
    from ailz.deploy.engine import DeployError
    from ailz.deploy.flow import target_outputs

    (stage,) = _stages(stage)
    session = _session(spec, target, backend, secrets_provider)
    try:
        values = target_outputs(session, show_secrets=show_secrets, stage=stage)
    except DeployError as error:
        _deploy_error(error)
    from ailz.stacks.program import stack_name

    stack = stack_name(session.loaded.zone, session.target, stage)
    if output is TextOrJson.json:
        print(
            json.dumps({"stack": stack, "target": session.target, "outputs": values}, indent=2, default=str)
        )
        return
    from rich.table import Table
    from rich.text import Text

    table = Table(title=f"{stack} outputs", title_justify="left", show_edge=False)
    table.add_column("output")
    table.add_column("value", overflow="fold")
    for key, value in values.items():
        shown = value if isinstance(value, str) else json.dumps(value, default=str)
        table.add_row(Text(key), Text(shown))  # values are data, never markup
    out.print(table)


def kubeconfig(
    spec: str = SPEC_ARG,
    target: str = TARGET_OPT,
    out_file: str = typer.Option(
        None, "--out", metavar="FILE", help="Write to this file (mode 0600) instead of stdout."
    ),
    backend: str = BACKEND_OPT,
    secrets_provider: str = SECRETS_OPT,
) -> None:
    """Print the target's kubeconfig from its stack outputs (AWS and GCP exec-credential plugins)."""
    text = cluster_kubeconfig(spec, target, backend, secrets_provider)
    write_text(text, out_file, mode=0o600)


def cluster_kubeconfig(
    spec: str, target: str | None, backend: str | None = None, secrets_provider: str | None = None
) -> str:
    """The kubeconfig of a cluster ailz created, read from the target's stack; exits 2 with what to do
    when the target's cluster is not ailz's or the stack cannot be read."""
    from ailz.deploy.engine import DeployError
    from ailz.deploy.flow import target_kubeconfig

    targets = load_spec_or_exit(spec).zone.targets
    chosen = targets[0] if target is None and len(targets) == 1 else None
    chosen = chosen or next((t for t in targets if t.name == target), None)
    if chosen is not None and chosen.existing_cluster is not None:
        file, context = chosen.existing_cluster
        fail(
            f"target '{chosen.name}' is an existing cluster: ailz keeps no kubeconfig for it",
            hint=f"use your kubeconfig ({file or '$KUBECONFIG'}) with context {context}",
        )
    session = _session(spec, target, backend, secrets_provider)
    try:
        return target_kubeconfig(session)
    except DeployError as error:
        _deploy_error(error)
        raise  # unreachable: _deploy_error exits
