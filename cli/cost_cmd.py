"""`ailz cost SPEC|PLAN`: an estimate per target, GPU pool and team, hourly and monthly."""

from __future__ import annotations

import json
from enum import StrEnum

import typer

from ailz.cli.common import load_plan_or_exit, output_to


class CostOutput(StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"


def cost(
    input_file: str = typer.Argument(
        ..., metavar="INPUT", help="A spec (.yaml) or `ailz plan -o json` output."
    ),
    output: CostOutput = typer.Option(CostOutput.text, "--output", "-o", help="Report format."),
    out_file: str = typer.Option(
        None, "--out", metavar="FILE", help="Write the report to FILE instead of stdout."
    ),
) -> None:
    """List-price estimate in USD: GPU pools (on-demand, Capacity Block), control planes, NAT, system
    nodes, storage, on-prem machines at their amortised rate, and each team's GPU quota. Unknown
    prices are shown as unknown, never as zero (docs/review.md)."""
    from ailz.cli.diff_view import render_cost_markdown, render_cost_text
    from ailz.stacks.cost import estimate

    result = estimate(load_plan_or_exit(input_file))
    with output_to(out_file, inputs=(input_file,)):
        if output is CostOutput.json:
            print(json.dumps(result.to_json(), indent=2))
        elif output is CostOutput.markdown:
            print(render_cost_markdown(result), end="")
        else:
            print(render_cost_text(result), end="")
