"""`ailz diff BASE HEAD`: what a change does to the plan, and the risks a reviewer must see."""

from __future__ import annotations

import json
from enum import StrEnum

import typer

from ailz.cli.common import EXIT_FAILED, EXIT_OK, load_plans_or_exit, output_to


class DiffOutput(StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"


def diff(
    base: str = typer.Argument(..., help="The base: a spec (.yaml) or `ailz plan -o json` output."),
    head: str = typer.Argument(..., help="The head (the pull request's): a spec or plan JSON."),
    output: DiffOutput = typer.Option(DiffOutput.text, "--output", "-o", help="Report format."),
    out_file: str = typer.Option(
        None, "--out", metavar="FILE", help="Write the report to FILE instead of stdout."
    ),
) -> None:
    """Resources added, removed and changed from BASE to HEAD, with replacements, GPU node rolls,
    capacity changes and the cost delta. Exit 0 no changes, 1 changes (like diff), 2 input errors."""
    from ailz.cli.diff_view import render_markdown, render_text
    from ailz.stacks.cost import estimate
    from ailz.stacks.diff import diff_plans

    before, after = load_plans_or_exit([base, head])
    result = diff_plans(before, after)
    costs = (estimate(before), estimate(after))
    with output_to(out_file, inputs=(base, head)):
        if output is DiffOutput.json:
            document = result.to_json()
            document["cost"] = {"base": costs[0].to_json(), "head": costs[1].to_json()}
            print(json.dumps(document, indent=2, default=str))
        elif output is DiffOutput.markdown:
            print(render_markdown(result, *costs), end="")
        else:
            print(render_text(result, *costs), end="")
        raise typer.Exit(EXIT_OK if result.empty else EXIT_FAILED)
