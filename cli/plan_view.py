"""Human rendering of a Plan: a tree per target grouped by component, counts, GPU pools."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.tree import Tree

from ailz.spec.zone import LandingZone
from ailz.stacks.plan import Plan, PlanResource
from ailz.stacks.summary import pool_summaries


def _label(resource: PlanResource) -> str:
    if resource.is_component:
        return f"[bold]{resource.name}[/] [cyan]{resource.type}[/]"
    return f"{resource.name} [dim]{resource.type}[/]"


def _tree(plan: Plan, target: str, stack: str | None) -> Tree | None:
    resources = [r for r in plan.for_target(target) if r.stack == stack]
    children: dict[str | None, list[PlanResource]] = {}
    urns = {r.urn for r in resources}
    for resource in resources:
        parent = resource.parent if resource.parent in urns else None
        children.setdefault(parent, []).append(resource)
    roots = children.get(None, [])
    if not roots:
        return None
    tree = Tree(f"[bold]{stack or target}[/]")

    def add(node: Tree, resource: PlanResource) -> None:
        branch = node.add(_label(resource))
        kids = sorted(children.get(resource.urn, []), key=lambda r: (r.custom, r.type, r.name))
        for kid in kids:
            add(branch, kid)

    for root in roots:
        add(tree, root)
    return tree


def _field(name: str, value: str) -> Table:
    """'      fabric    <value>' whose continuation lines stay under the value."""
    grid = Table.grid()
    grid.add_column(width=16, no_wrap=True)
    grid.add_column(overflow="fold")
    grid.add_row(f"      {name}", value)
    return grid


def render_plan(plan: Plan, zone: LandingZone, console: Console, summary: bool = False) -> None:
    """The plan for a reader: per target its resource tree (left out with `summary`), counts by
    type and GPU pools. Lines wrap between words at the console's width, never inside a name."""

    def show(renderable) -> None:
        console.print(renderable, soft_wrap=False, overflow="fold")

    show(f"[bold]Landing zone[/] {plan.zone}  ([dim]{plan.spec_file}[/])")
    for target in plan.targets:
        stacks = [s for s in (target.stack, target.platform_stack) if s]
        console.rule(f"{target.name} · {target.kind} · {target.location}")
        show(f"[dim]stacks[/] {' '.join(stacks)}")
        for stack in [] if summary else stacks:  # infrastructure, then the one applied through the API
            tree = _tree(plan, target.name, stack)
            if tree is not None:
                show(tree)
        counts = plan.type_counts(target.name)
        table = Table(title=f"{sum(counts.values())} resources in {target.name}", title_justify="left")
        table.add_column("type", overflow="fold")
        table.add_column("count", justify="right", no_wrap=True)
        for type_token, count in sorted(counts.items()):
            table.add_row(type_token, str(count))
        show(table)

    wanted = {t.name for t in plan.targets}
    rows = [row for row in pool_summaries(zone) if row.target in wanted]
    if rows:
        show("[bold]GPU pools[/]")
    for row in rows:
        price = f" · ${row.usd_per_hour:,.2f}/h on-demand list" if row.usd_per_hour is not None else ""
        show(
            f"  [bold]{row.target}/{row.pool}[/] ({row.purpose}) {row.machine}: {row.nodes} nodes "
            f"\\[{row.min_nodes}..{row.max_nodes}] x {row.gpus_per_node} {row.gpu_model} "
            f"= {row.total_gpus} GPUs{price}"
        )
        show(_field("fabric", row.nics))
        show(_field("capacity", row.capacity))
        show(_field("placement", row.placement))
    total = sum(1 for r in plan.resources if r.custom)
    grouping = len(plan.resources) - total
    show(
        f"[bold]{total}[/] resources (providers included) across {len(plan.targets)} target(s), plus "
        f"{grouping} components that group them ({len(plan.resources)} entries in --output json)."
    )
