"""`ailz plan`: validate a spec, synthesize it offline and show what would be created."""

from __future__ import annotations

from enum import StrEnum

import typer

from ailz.cli.common import EXIT_FAILED, err, fail, load_spec_or_exit, out, write_text


class PlanOutput(StrEnum):
    text = "text"
    json = "json"


def plan(
    spec: str = typer.Argument(..., help="Landing-zone YAML file."),
    target: list[str] = typer.Option(None, "--target", "-t", help="Only this target (repeatable)."),
    output: PlanOutput = typer.Option(PlanOutput.text, "--output", "-o", help="text or json."),
    out_file: str = typer.Option(None, "--out", help="Write the plan to this file instead of stdout."),
) -> None:
    """Show, per target, every cloud and Kubernetes resource the zone would create."""
    loaded = load_spec_or_exit(spec)
    known = [t.name for t in loaded.zone.targets]
    for name in target or []:
        if name not in known:
            fail(f"no target named '{name}' in {spec}", hint=f"targets: {', '.join(known)}")

    from ailz.stacks.synth import SynthesisError, synthesize

    try:
        result = synthesize(loaded, targets=target or None)
    except SynthesisError as error:
        err.print(f"[bold red]error:[/] {error}")
        cause = error.__cause__
        if cause is not None:
            err.print(f"  caused by: {type(cause).__name__}: {cause}", markup=False)
        raise typer.Exit(EXIT_FAILED) from None

    if output is PlanOutput.json:
        write_text(result.to_json(), out_file)
        return
    from ailz.cli.plan_view import render_plan

    if out_file:
        from rich.console import Console

        with open(out_file, "w", encoding="utf-8") as handle:
            render_plan(result, loaded.zone, Console(file=handle, width=120, highlight=False))
        return
    render_plan(result, loaded.zone, out)
