"""`ailz diagram SPEC|PLAN`: the zone's topology as Mermaid or Graphviz dot."""

from __future__ import annotations

from enum import StrEnum

import typer

from ailz.cli.common import load_plans_or_exit, write_text


class DiagramFormat(StrEnum):
    mermaid = "mermaid"
    dot = "dot"


def diagram(
    input_file: str = typer.Argument(
        ..., metavar="INPUT", help="A spec (.yaml) or `ailz plan -o json` output."
    ),
    output: DiagramFormat = typer.Option(
        DiagramFormat.mermaid,
        "--output",
        "-o",
        "--format",
        help="mermaid (GitHub, GitLab) or dot (Graphviz).",
    ),
    base: str = typer.Option(
        None, "--base", metavar="INPUT", help="Colour the GPU pools that differ from this base spec or plan."
    ),
    out_file: str = typer.Option(None, "--out", metavar="FILE", help="Write to FILE instead of stdout."),
) -> None:
    """Targets, clusters, GPU pools with nodes, GPUs and fabric, storage tiers, team namespaces and
    queues, inside the residency boundary; deterministic output."""
    from ailz.stacks import diagram as draw

    plans = load_plans_or_exit([input_file] if base is None else [input_file, base])
    plan = plans[0]
    states = draw.pool_states(plans[1], plan) if base is not None else {}
    top = draw.topology(plan, states)
    write_text(
        draw.mermaid(top) if output is DiagramFormat.mermaid else draw.dot(top),
        out_file,
        inputs=(input_file, base),
    )
