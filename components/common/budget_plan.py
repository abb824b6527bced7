"""Which cloud budgets a target gets and how much of each monthly budget is its share.

A zone's budget and a team's budget cover every target they span, while a cloud budget lives in one
account or billing account: each target gets the part of the budget its GPUs cost, at list prices,
so the alerts of all targets together fire at the whole budget.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ailz.components.common.labels import TEAM_KEY, ZONE_KEY
from ailz.components.common.names import shorten

if TYPE_CHECKING:
    from ailz.catalog import Catalog, Machine
    from ailz.spec.common import TargetBase
    from ailz.spec.zone import LandingZone, OwnedMachineCost


@dataclass(frozen=True)
class TargetBudget:
    """One cloud budget: its name, whose spend it watches (the cost key and value it filters on), and
    the month's amount in USD."""

    name: str
    scope: str  # "zone" or the team's name
    tag_key: str
    tag_value: str
    monthly_usd: float
    share: float


def node_rate(
    machine: Machine, capacity: str, owned: OwnedMachineCost | None, hours_per_month: int
) -> tuple[float | None, str]:
    """One node's list price per hour and its basis, or None and why: the one place `ailz cost`, the
    gate and the budgets read a machine's rate from."""
    if machine.provider == "onprem":
        if owned is None:
            return None, f"no amortised rate: set cost.onprem_machines.{machine.name} in the spec"
        return owned.usd_per_hour(hours_per_month), "owned"
    price = machine.price
    if price is None:
        return None, f"{machine.name} has no public list price"
    if capacity == "capacity-block" and price.capacity_block_usd_per_hour is not None:
        return price.capacity_block_usd_per_hour, "Capacity Block"
    if price.on_demand_usd_per_hour is None:
        return None, f"{machine.name} has no public {capacity} price"
    return price.on_demand_usd_per_hour, "on-demand"


def has_budgets(zone: LandingZone, target: str) -> bool:
    """Does `target` get cloud budgets (budget alerts set and a zone or team amount covering it)?"""
    return zone.cost.budget_alerts is not None and (
        zone.budget_usd_month is not None
        or any(t.budget_usd_month is not None and target in t.targets for t in zone.teams)
    )


def first_budgeted(zone: LandingZone, target: TargetBase) -> str | None:
    """The first target of `target`'s kind that gets budgets, when `target` is the first of its kind:
    a zone-wide setting a kind's budgets lack is then said once, not once per target."""
    same_kind = [t for t in zone.targets if t.kind == target.kind]
    if same_kind[0] is not target:
        return None
    return next((t.name for t in same_kind if has_budgets(zone, t.name)), None)


def activates_cost_allocation_tags(zone: LandingZone, target: TargetBase) -> bool:
    """Cost allocation tags are the payer account's: asked for once, by the first target of its kind."""
    alerts = zone.cost.budget_alerts
    first = next(t for t in zone.targets if t.kind == target.kind)
    return alerts is not None and alerts.activate_aws_cost_allocation_tags and first is target


def _target_rates(zone: LandingZone, catalog: Catalog) -> dict[str, tuple[float | None, int]]:
    """Each target's GPU pools: hourly list price at their desired size (None if any is unknown) and GPUs."""
    hours = catalog.service_prices.hours_per_month
    rates: dict[str, tuple[float | None, int]] = {}
    for target in zone.targets:
        total: float | None = 0.0
        gpus = 0
        for pool in target.gpu_pools:
            machine = catalog.machines[pool.machine]
            rate, _ = node_rate(
                machine, pool.capacity.kind, zone.cost.onprem_machines.get(machine.name), hours
            )
            total = None if total is None or rate is None else total + rate * pool.nodes
            gpus += machine.gpu.count * pool.nodes
        rates[target.name] = (total, gpus)
    return rates


def _shares(weights: dict[str, float | None], fallback: dict[str, float]) -> dict[str, float]:
    """Weights normalised to 1; the fallback weights when any is unknown or all are zero, then equal."""
    for candidate in (weights, fallback):
        values = [w for w in candidate.values() if w is not None]
        if len(values) == len(candidate) and sum(values) > 0:
            return {name: (w or 0.0) / sum(values) for name, w in candidate.items()}
    return {name: 1 / len(weights) for name in weights}


def plan_budgets(zone: LandingZone, target: str, catalog: Catalog) -> list[TargetBudget]:
    """The budgets of `target`: the zone's share and each of its teams' shares, where the spec sets an
    amount and budget alerts. Zone budgets watch the zone's cost key, team budgets the team's."""
    if not has_budgets(zone, target):
        return []
    rates = _target_rates(zone, catalog)
    # one name for both clouds: the shorter of their limits
    name_limit = min(
        catalog.aws_limits.budgets.name_max_length, catalog.gcp_limits.budgets.display_name_max_length
    )
    budgets = []
    if zone.budget_usd_month is not None:
        shares = _shares(
            {t: rate for t, (rate, _) in rates.items()}, {t: float(g) for t, (_, g) in rates.items()}
        )
        budgets.append(
            _budget(zone.name, target, "zone", ZONE_KEY, zone.name, zone.budget_usd_month, shares, name_limit)
        )
    for team in zone.teams:
        if team.budget_usd_month is None or target not in team.targets:
            continue
        # the quota holds in each target: its cost there is the quota at the target's rate per GPU
        per_gpu = {
            t: (None if rates[t][0] is None or not rates[t][1] else rates[t][0] / rates[t][1])  # type: ignore[operator]
            for t in team.targets
            if t in rates
        }
        shares = _shares(per_gpu, {t: 1.0 for t in per_gpu})
        budgets.append(
            _budget(
                zone.name, target, team.name, TEAM_KEY, team.name, team.budget_usd_month, shares, name_limit
            )
        )
    return budgets


def _budget(
    zone: str, target: str, scope: str, key: str, value: str, amount: float, shares: dict[str, float],
    name_limit: int,
) -> TargetBudget:  # fmt: skip
    suffix = "" if scope == "zone" else f"-team-{scope}"
    return TargetBudget(
        name=shorten(f"{zone}-{target}{suffix}", name_limit),
        scope=scope,
        tag_key=key,
        tag_value=value,
        monthly_usd=round(amount * shares[target], 2),
        share=shares[target],
    )
