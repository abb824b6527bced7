"""`ailz policy`: gate a spec, an ailz plan, a Pulumi preview or a stack export with policy-as-code."""

from __future__ import annotations

import os
import sys
from enum import StrEnum

import typer

from ailz.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    SPEC_SUFFIXES,
    TextOrJson,
    err,
    fail,
    load_plan_or_exit,
    out,
    output_to,
    refuse_overwriting,
    write_text,
)

policy_app = typer.Typer(
    help="Policy-as-code gate: check plans before anything is applied.", no_args_is_help=True
)


class Profile(StrEnum):
    dev = "dev"
    prod = "prod"


class Format(StrEnum):
    text = "text"
    json = "json"
    sarif = "sarif"
    junit = "junit"
    markdown = "markdown"
    github = "github"


def _with_zone(plan, spec_path: str, target: str | None):
    """A preview or state file gains the zone's residency, registries and environment from its spec;
    its resources belong to --target, the spec's only target, or the target its stack is named for."""
    from ailz.cli.common import load_spec_or_exit
    from ailz.components.common.names import stack_name
    from ailz.stacks.plan import zone_context

    zone = load_spec_or_exit(spec_path).zone
    names = [t.name for t in zone.targets]
    if target is not None and target not in names:
        fail(f"no target named '{target}' in {spec_path}", hint=f"targets: {', '.join(names)}")
    plan.context = zone_context(zone)
    plan.zone = zone.name
    for resource in plan.resources:
        stack = resource.urn.split("::", 1)[0].removeprefix("urn:pulumi:")
        owner = target or (names[0] if len(names) == 1 else None)
        owner = owner or next((n for n in names if stack.startswith(stack_name(zone.name, n))), None)
        resource.target = owner
    if target is None and len(names) > 1 and any(r.target is None for r in plan.resources):
        plan.notes.append(
            f"resources outside the stacks of {spec_path}'s targets get no target context; "
            "name the target with --target"
        )
    return plan


def _report_an_invalid_spec(input_file: str, format: Format, out_file: str | None) -> None:
    """A machine-read report is still written when the spec does not load: its problems are the
    findings, at the spec's file and line (code scanning, annotations), and the exit code is 2."""
    from ailz.components.kinds import load_spec
    from ailz.policies.report import render, spec_error_result
    from ailz.spec.errors import SpecError

    try:
        load_spec(input_file)
    except SpecError as error:
        write_text(
            render(spec_error_result(error, error.file), format.value, input_file=input_file), out_file
        )
        count = len(error.issues)
        err.print(f"[bold red]error:[/] {input_file}: {count} problem{'s' if count != 1 else ''} in the spec")
        err.print(error.render(), markup=False)
        if out_file not in (None, "-"):
            err.print(f"{format.value} report with the spec's problems written to {out_file}", markup=False)
        raise typer.Exit(EXIT_USAGE) from None


@policy_app.command("check")
def check(
    input_file: str = typer.Argument(
        ..., metavar="INPUT", help="Spec YAML, ailz plan JSON, preview JSON or stack export."
    ),
    format: Format = typer.Option(
        Format.text, "--output", "-o", "--format", "-f", help="Report format (--format is the old name)."
    ),
    out_file: str | None = typer.Option(
        None, "--out", metavar="FILE", help="Write the report to FILE instead of stdout."
    ),
    profile: Profile | None = typer.Option(
        None, "--profile", help="dev (advisory) or prod (mandatory); default from the zone's environment."
    ),
    config: str | None = typer.Option(
        None, "--config", help="Policy config YAML (per-rule enforcement and parameters)."
    ),
    waivers: str | None = typer.Option(
        None, "--waivers", help="Waivers YAML (rule, resource, owner, reason, expires)."
    ),
    baseline: str | None = typer.Option(
        None, "--baseline", help="A previous --format json report: gate only on new findings."
    ),
    zone: str | None = typer.Option(
        None,
        "--zone",
        help="The landing-zone spec a preview or state file belongs to (residency, registries).",
    ),
    target: str | None = typer.Option(None, "--target", help="With --zone: the spec target INPUT deploys."),
) -> None:
    """Check INPUT against every rule; exit 1 when a mandatory rule is violated."""
    from ailz.policies.config import PolicyInputError
    from ailz.policies.gate import run_gate
    from ailz.policies.report import render

    refuse_overwriting(out_file, (input_file, zone, config, waivers, baseline))
    if input_file.endswith(SPEC_SUFFIXES) and format is not Format.text:
        _report_an_invalid_spec(input_file, format, out_file)
    plan = load_plan_or_exit(input_file)
    if zone is not None:
        if input_file.endswith(SPEC_SUFFIXES):
            fail("--zone is for preview, plan and state files; a spec is its own zone", hint="drop --zone")
        plan = _with_zone(plan, zone, target)
    try:
        result = run_gate(
            plan, profile=profile and profile.value, config=config, waivers=waivers, baseline=baseline
        )
    except PolicyInputError as error:
        fail(str(error))
    color = (
        format is Format.text
        and out_file in (None, "-")
        and sys.stdout.isatty()
        and "NO_COLOR" not in os.environ
    )
    text = render(result, format.value, input_file=input_file, color=color)
    write_text(text, out_file, inputs=(input_file, zone, config, waivers, baseline))
    if out_file not in (None, "-"):
        verdict = "passed" if result.passed else f"failed ({len(result.blocking)} blocking)"
        err.print(f"ailz policy gate {verdict}; {format.value} report written to {out_file}", markup=False)
    raise typer.Exit(EXIT_OK if result.passed else EXIT_FAILED)


@policy_app.command("list")
def list_rules(
    format: TextOrJson = typer.Option(
        TextOrJson.text, "--output", "-o", "--format", "-f", help="text or json (--format is the old name)."
    ),
    out_file: str | None = typer.Option(
        None, "--out", metavar="FILE", help="Write the list to FILE instead of stdout."
    ),
) -> None:
    """Every rule: id, severity, enforcement (prod), family and compliance controls."""
    with output_to(out_file):
        _list_rules(format)


def _list_rules(format: TextOrJson) -> None:
    from ailz.policies.table import RULES

    if format is TextOrJson.json:
        import json

        rows = [
            {
                "id": r.id,
                "family": r.family,
                "title": r.title,
                "severity": r.severity,
                "enforcement": r.enforcement,
                "scope": r.scope,
                "controls": r.controls.flat(),
                "params": r.params,
                "remediation": r.remediation,
            }
            for r in RULES
        ]
        write_text(json.dumps(rows, indent=2), None)
        return
    from rich.table import Table

    table = Table(title="ailz policy rules", show_lines=False)
    for column in ("id", "severity", "enforcement", "family"):
        table.add_column(column, no_wrap=True)
    table.add_column("title", overflow="fold")
    table.add_column("controls", overflow="fold")
    for r in RULES:
        table.add_row(r.id, r.severity, r.enforcement, r.family, r.title, ", ".join(r.controls.flat()))
    out.print(table)
