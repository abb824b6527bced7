"""Text and Markdown views of a plan diff and of cost estimates, for terminals and PR comments."""

from __future__ import annotations

import json
from typing import Any

from ailz.stacks.cost import CostEstimate
from ailz.stacks.diff import PlanDiff, ResourceChange

MAX_CHANGES_SHOWN = 12  # per resource, in text and Markdown (the JSON has them all)


def usd(value: float | None, digits: int = 2) -> str:
    return "unknown" if value is None else f"${value:,.{digits}f}"


def _value(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


def _delta(base: float | None, head: float | None) -> str:
    if base is None or head is None:
        return "unknown"
    change = head - base
    return f"{'+' if change >= 0 else '-'}${abs(change):,.2f}"


def _unpriced(target) -> list[tuple]:
    """What of a target has no price, with its size: equal on both sides means the delta of the
    priced parts is the whole delta."""
    if target is None:
        return []
    parts = [(p.name, p.machine, p.nodes, p.capacity) for p in target.pools if p.hourly_usd is None]
    return sorted(parts + [(i.name, i.quantity) for i in target.items if i.hourly_usd is None])


def cost_lines(base: CostEstimate, head: CostEstimate) -> list[str]:
    """Monthly totals before and after, per target and in all, with the delta; where a price is
    unknown, the delta of the priced parts and what is left unpriced."""
    lines = []
    hours = head.hours_per_month
    old_targets = {t.name: t for t in base.targets}
    new_targets = {t.name: t for t in head.targets}
    for name in dict.fromkeys([*old_targets, *new_targets]):
        old, new = old_targets.get(name), new_targets.get(name)
        old_m = (old.hourly_usd if old else 0.0) if (old is None or old.hourly_usd is not None) else None
        new_m = (new.hourly_usd if new else 0.0) if (new is None or new.hourly_usd is not None) else None
        if old_m is not None and new_m is not None:
            lines.append(
                f"{name}: {usd(old_m * hours)} -> {usd(new_m * hours)} per month "
                f"({_delta(old_m * hours, new_m * hours)})"
            )
            continue
        known_old = old.known_hourly_usd * hours if old else 0.0
        known_new = new.known_hourly_usd * hours if new else 0.0
        unpriced = sorted(
            {p.reason or "" for t in (old, new) if t for p in [*t.pools, *t.items] if p.hourly_usd is None}
        )
        if _unpriced(old) != _unpriced(new):  # an unpriced part changed: no delta can be told
            lines.append(f"{name}: unknown change (an unpriced part changed: {'; '.join(unpriced)})")
            continue
        lines.append(
            f"{name}: priced parts {usd(known_old)} -> {usd(known_new)} per month "
            f"({_delta(known_old, known_new)}); not priced: {'; '.join(unpriced)}"
        )
    if base.monthly_usd is not None and head.monthly_usd is not None:
        lines.append(
            f"total: {usd(base.monthly_usd)} -> {usd(head.monthly_usd)} per month "
            f"({_delta(base.monthly_usd, head.monthly_usd)})"
        )
    else:
        old_k, new_k = base.known_hourly_usd * hours, head.known_hourly_usd * hours
        before = {t.name: _unpriced(t) for t in base.targets}
        after = {t.name: _unpriced(t) for t in head.targets}
        if before != after:
            lines.append("total: unknown change (an unpriced part changed)")
        else:
            lines.append(
                f"total (priced parts): {usd(old_k)} -> {usd(new_k)} per month ({_delta(old_k, new_k)})"
            )
    return lines


def _resource_lines(item: ResourceChange, indent: str) -> list[str]:
    lines = [f"{indent}{item.type} {item.name}" + (f" [{item.target}]" if item.target else "")]
    for change in item.changes[:MAX_CHANGES_SHOWN]:
        lines.append(f"{indent}    {change.path}: {_value(change.old)} -> {_value(change.new)}")
    if len(item.changes) > MAX_CHANGES_SHOWN:
        lines.append(f"{indent}    ... {len(item.changes) - MAX_CHANGES_SHOWN} more (-o json lists all)")
    for risk in item.risks:
        lines.append(f"{indent}    ! {risk}")
    return lines


def render_text(result: PlanDiff, base: CostEstimate, head: CostEstimate) -> str:
    if result.empty:
        lines = ["no changes"]
    else:
        lines = [
            f"{len(result.added)} to add, {len(result.changed)} to change, {len(result.removed)} to remove"
        ]
        risks = result.risks()
        if risks:
            lines.append(f"\nrisks ({len(risks)}):")
            lines += [f"  ! {item.type} {item.name}: {risk}" for item, risk in risks]
        for title, items in (("add", result.added), ("change", result.changed), ("remove", result.removed)):
            if items:
                lines.append(f"\n{title} ({len(items)}):")
                for item in items:
                    lines += _resource_lines(item, "  ")
    lines.append("\ncost:")
    lines += [f"  {line}" for line in cost_lines(base, head)]
    return "\n".join(lines) + "\n"


def render_markdown(result: PlanDiff, base: CostEstimate, head: CostEstimate) -> str:
    lines = ["### ailz diff", ""]
    if result.empty:
        lines.append("No changes.")
    else:
        lines.append(
            f"**{len(result.added)}** to add, **{len(result.changed)}** to change, "
            f"**{len(result.removed)}** to remove."
        )
        risks = result.risks()
        if risks:
            lines += ["", "#### Risks", ""]
            lines += [f"- :warning: `{item.name}` ({item.type}): {risk}" for item, risk in risks]
        for title, items in (
            ("Added", result.added),
            ("Changed", result.changed),
            ("Removed", result.removed),
        ):
            if not items:
                continue
            lines += ["", f"<details><summary>{title} ({len(items)})</summary>", "", "```"]
            for item in items:
                lines += _resource_lines(item, "")
            lines += ["```", "", "</details>"]
    lines += ["", "#### Cost (monthly, list prices)", ""]
    lines += [f"- {line}" for line in cost_lines(base, head)]
    return "\n".join(lines) + "\n"


def render_cost_text(estimate: CostEstimate) -> str:
    hours = estimate.hours_per_month
    lines = []
    for target in estimate.targets:
        hourly = target.hourly_usd
        lines.append(
            f"{target.name} ({target.kind}, priced in {target.pricing_region or 'the spec'}): "
            f"{usd(hourly)}/h, {usd(hourly * hours if hourly is not None else None)}/month"
        )
        for pool in target.pools:
            monthly = pool.hourly_usd * hours if pool.hourly_usd is not None else None
            where = f", priced in {pool.pricing_region}" if pool.pricing_region else ""
            lines.append(
                f"  pool {pool.name}: {pool.nodes} x {pool.machine} ({pool.gpus} GPUs, {pool.capacity}"
                f"{where}) {usd(pool.hourly_usd)}/h, {usd(monthly)}/month"
                + (f"  [{pool.reason}]" if pool.reason else "")
            )
        for item in target.items:
            monthly = item.hourly_usd * hours if item.hourly_usd is not None else None
            lines.append(
                f"  {item.name}: {usd(item.hourly_usd)}/h, {usd(monthly)}/month"
                + (f"  [{item.reason}]" if item.reason else "")
            )
    total = estimate.monthly_usd
    lines.append(
        f"total: {usd(estimate.hourly_usd)}/h, {usd(total)}/month"
        + ("" if total is not None else f" (priced parts: {usd(estimate.known_hourly_usd * hours)}/month)")
    )
    if estimate.budget_usd_month is not None:
        lines.append(f"zone budget: {usd(estimate.budget_usd_month)}/month")
    for team in estimate.teams:
        monthly = team.hourly_usd * hours if team.hourly_usd is not None else None
        budget = f", budget {usd(team.budget_usd_month)}" if team.budget_usd_month is not None else ""
        over = " OVER BUDGET" if team.over_budget(hours) else ""
        lines.append(f"team {team.name}: {team.gpu_quota} GPUs quota = {usd(monthly)}/month{budget}{over}")
    lines.append("assumptions:")
    lines += [f"  - {a}" for a in estimate.assumptions]
    return "\n".join(lines) + "\n"


def render_cost_markdown(estimate: CostEstimate) -> str:
    hours = estimate.hours_per_month
    lines = [
        "### ailz cost",
        "",
        "| target | pool / item | quantity | USD per hour | USD per month |",
        "|---|---|---|---|---|",
    ]
    for target in estimate.targets:
        for pool in target.pools:
            monthly = pool.hourly_usd * hours if pool.hourly_usd is not None else None
            lines.append(
                f"| {target.name} | {pool.name}: {pool.machine} ({pool.capacity}) | {pool.nodes} nodes | "
                f"{usd(pool.hourly_usd)} | {usd(monthly)} |"
            )
        for item in target.items:
            monthly = item.hourly_usd * hours if item.hourly_usd is not None else None
            lines.append(
                f"| {target.name} | {item.name} | {item.quantity:g} {item.unit} | {usd(item.hourly_usd)} | "
                f"{usd(monthly)} |"
            )
    lines.append(f"| **total** | | | {usd(estimate.hourly_usd)} | {usd(estimate.monthly_usd)} |")
    if estimate.teams:
        lines += ["", "| team | GPU quota | USD per month | budget |", "|---|---|---|---|"]
        for team in estimate.teams:
            monthly = team.hourly_usd * hours if team.hourly_usd is not None else None
            budget = usd(team.budget_usd_month) if team.budget_usd_month is not None else "-"
            flag = " :warning: over budget" if team.over_budget(hours) else ""
            lines.append(f"| {team.name} | {team.gpu_quota} | {usd(monthly)} | {budget}{flag} |")
    lines += ["", "Assumptions:", ""] + [f"- {a}" for a in estimate.assumptions]
    return "\n".join(lines) + "\n"
