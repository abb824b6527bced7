"""`ailz plan`: validate a spec, synthesize it offline and show what would be created."""

from __future__ import annotations

import typer

from ailz.cli.common import TextOrJson, out, output_to, synthesize_or_exit


def plan(
    spec: str = typer.Argument(..., help="Landing-zone YAML file."),
    target: list[str] = typer.Option(
        None, "--target", "-t", metavar="NAME", help="Only this target (repeatable)."
    ),
    output: TextOrJson = typer.Option(TextOrJson.text, "--output", "-o", help="text or json."),
    out_file: str = typer.Option(
        None, "--out", metavar="FILE", help="Write the plan to this file instead of stdout."
    ),
    summary: bool = typer.Option(
        False, "--summary", help="Text without the resource trees: counts by type and GPU pools."
    ),
) -> None:
    """Show, per target, every cloud and Kubernetes resource the zone would create."""
    loaded, result = synthesize_or_exit(spec, target)

    if output is TextOrJson.json:
        import sys

        with output_to(out_file, inputs=(spec,)):
            result.write_json(sys.stdout)
            sys.stdout.write("\n")
        return
    from ailz.cli.plan_view import render_plan

    if out_file not in (None, "-"):
        import sys

        from rich.console import Console

        with output_to(out_file, inputs=(spec,)):
            render_plan(result, loaded.zone, Console(file=sys.stdout, width=120, highlight=False), summary)
        return
    render_plan(result, loaded.zone, out, summary)
