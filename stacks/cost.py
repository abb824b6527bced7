"""An estimate of what a plan costs per hour and per month: GPU pools from the catalog's machine
prices (capacity kind aware), control planes, NAT gateways, system nodes and storage from the plan's
resources, on-prem machines from the spec's amortised rates, and each team's GPU quota priced at
its targets' GPU rates. Unknown prices stay unknown (None, with the reason), never zero. Pure."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ailz.catalog import Catalog, load_catalog
from ailz.components.common.budget_plan import node_rate
from ailz.spec.zone import OwnedMachineCost
from ailz.stacks.plan import Plan, PlanResource

CURRENCY = "USD"


@dataclass
class Item:
    """One priced line: what it is, how many, its rate and where the rate comes from."""

    name: str
    quantity: float
    unit: str
    hourly_usd: float | None
    price_source: str
    reason: str | None = None  # why the price is unknown

    def to_json(self, hours: int) -> dict[str, Any]:
        return {
            "name": self.name,
            "quantity": self.quantity,
            "unit": self.unit,
            "hourly_usd": _round(self.hourly_usd),
            "monthly_usd": _round(self.hourly_usd * hours if self.hourly_usd is not None else None),
            "price_source": self.price_source,
            **({"reason": self.reason} if self.reason else {}),
        }


@dataclass
class PoolCost:
    name: str
    machine: str
    nodes: int
    gpus: int
    capacity: str
    hourly_usd: float | None
    price_source: str
    reason: str | None = None
    pricing_region: str | None = None

    def to_json(self, hours: int) -> dict[str, Any]:
        return {
            "name": self.name,
            "machine": self.machine,
            "pricing_region": self.pricing_region,
            "nodes": self.nodes,
            "gpus": self.gpus,
            "capacity": self.capacity,
            "hourly_usd": _round(self.hourly_usd),
            "monthly_usd": _round(self.hourly_usd * hours if self.hourly_usd is not None else None),
            "price_source": self.price_source,
            **({"reason": self.reason} if self.reason else {}),
        }


@dataclass
class TargetCost:
    name: str
    kind: str
    pricing_region: str | None
    pools: list[PoolCost] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)

    @property
    def hourly_usd(self) -> float | None:
        return _sum([p.hourly_usd for p in self.pools] + [i.hourly_usd for i in self.items])

    @property
    def known_hourly_usd(self) -> float:
        """What the priced parts add up to (the total when nothing is unknown)."""
        return sum(v or 0 for v in [p.hourly_usd for p in self.pools] + [i.hourly_usd for i in self.items])

    def gpu_rate(self) -> float | None:
        """USD per GPU-hour over the target's priced pools, weighted by their GPUs."""
        priced = [p for p in self.pools if p.hourly_usd is not None and p.gpus]
        gpus = sum(p.gpus for p in priced)
        return sum(p.hourly_usd for p in priced) / gpus if gpus else None  # type: ignore[misc]


@dataclass
class TeamCost:
    name: str
    gpu_quota: int
    hourly_usd: float | None
    budget_usd_month: float | None
    reason: str | None = None

    def over_budget(self, hours: int) -> bool:
        monthly = self.hourly_usd * hours if self.hourly_usd is not None else None
        return self.budget_usd_month is not None and monthly is not None and monthly > self.budget_usd_month

    def to_json(self, hours: int) -> dict[str, Any]:
        monthly = self.hourly_usd * hours if self.hourly_usd is not None else None
        return {
            "name": self.name,
            "gpu_quota": self.gpu_quota,
            "hourly_usd": _round(self.hourly_usd),
            "monthly_usd": _round(monthly),
            "budget_usd_month": self.budget_usd_month,
            "over_budget": self.over_budget(hours),
            **({"reason": self.reason} if self.reason else {}),
        }


@dataclass
class CostEstimate:
    hours_per_month: int
    targets: list[TargetCost]
    teams: list[TeamCost]
    assumptions: list[str]
    budget_usd_month: float | None = None

    @property
    def hourly_usd(self) -> float | None:
        return _sum([t.hourly_usd for t in self.targets])

    @property
    def monthly_usd(self) -> float | None:
        hourly = self.hourly_usd
        return hourly * self.hours_per_month if hourly is not None else None

    @property
    def known_hourly_usd(self) -> float:
        """What the priced parts add up to (the total when nothing is unknown)."""
        return sum(t.known_hourly_usd for t in self.targets)

    def to_json(self) -> dict[str, Any]:
        hours = self.hours_per_month
        return {
            "currency": CURRENCY,
            "hours_per_month": hours,
            "total": {
                "hourly_usd": _round(self.hourly_usd),
                "monthly_usd": _round(self.monthly_usd),
                "known_hourly_usd": _round(self.known_hourly_usd),
                "known_monthly_usd": _round(self.known_hourly_usd * hours),
                "budget_usd_month": self.budget_usd_month,
            },
            "targets": [
                {
                    "name": t.name,
                    "kind": t.kind,
                    "pricing_region": t.pricing_region,
                    "hourly_usd": _round(t.hourly_usd),
                    "monthly_usd": _round(t.hourly_usd * hours if t.hourly_usd is not None else None),
                    "pools": [p.to_json(hours) for p in t.pools],
                    "items": [i.to_json(hours) for i in t.items],
                }
                for t in self.targets
            ],
            "teams": [team.to_json(hours) for team in self.teams],
            "assumptions": self.assumptions,
        }


def _sum(values: list[float | None]) -> float | None:
    """A total is unknown when any part is; an empty total is 0."""
    return None if any(v is None for v in values) else sum(v for v in values if v is not None)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _pool_cost(pool: dict[str, Any], catalog: Catalog, context: dict[str, Any]) -> PoolCost:
    machine = catalog.machines.get(pool["machine"])
    nodes, capacity = pool["nodes"], pool.get("capacity") or "on-demand"
    gpus = nodes * machine.gpu.count if machine else 0
    base = {
        "name": pool["name"],
        "machine": pool["machine"],
        "nodes": nodes,
        "gpus": gpus,
        "capacity": capacity,
    }
    if machine is None:
        return PoolCost(**base, hourly_usd=None, price_source="", reason="machine not in the catalog")
    owned = (context.get("cost") or {}).get("onprem_machines", {}).get(machine.name)
    cost = OwnedMachineCost.model_validate(owned) if owned is not None else None  # the spec's model
    rate, basis = node_rate(machine, capacity, cost, catalog.service_prices.hours_per_month)
    price = machine.price
    if rate is None:
        return PoolCost(**base, hourly_usd=None, price_source=price.source if price else "", reason=basis)
    if cost is not None and basis == "owned":  # on-prem: the spec's figures are the source
        source = (
            f"spec cost.onprem_machines.{machine.name}: {cost.capex_usd:,.0f} USD over "
            f"{cost.years:g} years plus {cost.opex_usd_per_month:,.0f} USD per month"
        )
        return PoolCost(**base, hourly_usd=rate * nodes, price_source=source)
    note = {
        "spot": " (spot bills less, at a varying rate: on-demand is the ceiling)",
        "reservation": " (a reservation bills at on-demand unless a commitment or discount applies)",
    }
    source = f"{basis} list price in {price.region} ({price.as_of}){note.get(capacity, '')}: {price.source}"
    return PoolCost(**base, hourly_usd=rate * nodes, price_source=source, pricing_region=price.region)


def _first(value: Any, *keys: str) -> Any:
    for key in keys:
        if isinstance(value, dict) and value.get(key) is not None:
            return value[key]
    return None


def _node_group(resource: PlanResource) -> tuple[str | None, int]:
    """(machine, nodes) of a node group or node pool resource; (None, 0) for anything else."""
    inputs = resource.inputs
    if resource.type == "aws:eks/nodeGroup:NodeGroup":
        count = _first(inputs.get("scalingConfig"), "desiredSize", "minSize") or 0
        return (inputs.get("instanceTypes") or [None])[0], int(count)
    if resource.type == "gcp:container/nodePool:NodePool":
        scaling = _first(inputs.get("autoscaling"), "minNodeCount", "totalMinNodeCount")
        count = inputs.get("nodeCount") or inputs.get("initialNodeCount") or scaling or 0
        return _first(inputs.get("nodeConfig"), "machineType"), int(count)
    return None, 0


class _Pricer:
    """Items of one target priced from the catalog's service prices of its cloud."""

    def __init__(self, catalog: Catalog, kind: str) -> None:
        self.hours = catalog.service_prices.hours_per_month
        self.prices = getattr(catalog.service_prices, kind)
        self.kind = kind

    def source(self, fact: str) -> str:
        return f"catalog service_prices.{self.kind}.{fact} ({self.prices.region}, {self.prices.as_of})"

    def hourly(
        self, name: str, quantity: float, unit: str, rate: float | None, fact: str, missing: str
    ) -> Item:
        value = rate * quantity if rate is not None else None
        return Item(name, quantity, unit, value, self.source(fact), None if rate is not None else missing)

    def monthly_per_gib(
        self, name: str, gib: float, per_month: float | None, fact: str, missing: str
    ) -> Item:
        rate = per_month / self.hours if per_month is not None else None
        return self.hourly(name, gib, "GiB", rate, fact, missing)


_CLUSTERS = ("aws:eks/cluster:Cluster", "gcp:container/cluster:Cluster")
_NATS = ("aws:ec2/natGateway:NatGateway", "gcp:compute/routerNat:RouterNat")
_LUSTRE = ("aws:fsx/lustreFileSystem:LustreFileSystem", "gcp:lustre/instance:Instance")
_BUCKETS = ("aws:s3/bucketV2:BucketV2", "aws:s3/bucket:Bucket", "gcp:storage/bucket:Bucket")


def _resource_items(
    resources: list[PlanResource],
    kind: str,
    catalog: Catalog,
    gpu_machines: set[str],
    object_gib: int,
    cold_buckets: int | None = None,
) -> list[Item]:
    """Control planes, NAT gateways, system nodes and storage, read from the plan's resources."""
    if getattr(catalog.service_prices, kind, None) is None:
        return []
    pricer, prices = _Pricer(catalog, kind), getattr(catalog.service_prices, kind)
    items: list[Item] = []
    clusters = sum(1 for r in resources if r.type in _CLUSTERS)
    if clusters:
        rate = prices.kubernetes_control_plane_usd_per_hour
        items.append(
            pricer.hourly(
                "Kubernetes control plane",
                clusters,
                "cluster",
                rate,
                "kubernetes_control_plane_usd_per_hour",
                "",
            )
        )
    nats = sum(1 for r in resources if r.type in _NATS)
    if nats:
        items.append(
            pricer.hourly(
                "NAT gateway (hours; data processed not estimated)",
                nats,
                "gateway",
                prices.nat_gateway_usd_per_hour,
                "nat_gateway_usd_per_hour",
                "",
            )
        )
    system: dict[str, int] = {}
    for resource in resources:
        machine, count = _node_group(resource)
        if machine and machine not in gpu_machines:
            system[machine] = system.get(machine, 0) + count
    for machine, count in sorted(system.items()):
        items.append(
            pricer.hourly(
                f"system nodes {machine}",
                count,
                "node",
                prices.instances.get(machine),
                f"instances.{machine}",
                f"no list price for {machine} in the catalog",
            )
        )
    for resource in resources:
        inputs = resource.inputs
        if resource.type in _LUSTRE:
            gib = float(inputs.get("storageCapacity") or inputs.get("capacityGib") or 0)
            tier = int(inputs.get("perUnitStorageThroughput") or 0)
            items.append(
                pricer.monthly_per_gib(
                    f"Lustre {gib:g} GiB at {tier} MB/s/TiB",
                    gib,
                    prices.lustre_usd_per_gib_month.get(tier),
                    f"lustre_usd_per_gib_month.{tier}",
                    f"no citable list price for the {tier} MB/s/TiB tier",
                )
            )
        elif resource.type == "gcp:filestore/instance:Instance":
            shares = inputs.get("fileShares")
            share = shares[0] if isinstance(shares, list) and shares else shares or {}
            gib = float(_first(share, "capacityGb") or 0)
            items.append(
                pricer.monthly_per_gib(
                    f"Filestore Zonal {gib:g} GiB",
                    gib,
                    prices.filestore_zonal_usd_per_gib_month,
                    "filestore_zonal_usd_per_gib_month",
                    "no citable Filestore Zonal list price",
                )
            )
    buckets = cold_buckets if cold_buckets is not None else sum(1 for r in resources if r.type in _BUCKETS)
    if buckets:
        gib = float(buckets * object_gib)
        items.append(
            pricer.monthly_per_gib(
                f"object storage, {buckets} bucket(s) x {object_gib} GiB (assumed)",
                gib,
                prices.object_storage_usd_per_gib_month,
                "object_storage_usd_per_gib_month",
                "",
            )
        )
    return items


def estimate(plan: Plan, catalog: Catalog | None = None) -> CostEstimate:
    """The cost of `plan` (from a spec or a plan file: pools and settings come from its context)."""
    catalog = catalog or load_catalog()
    context = plan.context or {}
    prices = catalog.service_prices
    object_gib = (context.get("cost") or {}).get("object_storage_gib") or prices.object_storage_gib_per_bucket
    assumptions = [
        f"{prices.hours_per_month} hours per month; list prices in USD, before discounts, taxes and credits",
        f"prices are for the catalog's pricing region of each cloud (AWS {prices.aws.region}, GCP "
        f"{prices.gcp.region}); other regions differ",
        "GPU pools at their desired node count; capacity blocks at the block rate, spot at the "
        "on-demand ceiling",
        f"object storage: {object_gib} GiB per cold-tier bucket"
        + (
            ""
            if (context.get("cost") or {}).get("object_storage_gib")
            else f" ({prices.object_storage_source})"
        ),
        "not estimated: data transfer and NAT data processing, public IPv4 addresses, VPC interface "
        "endpoints, node root disks, KMS keys, requests, snapshots, logs, support plans",
    ]
    targets: list[TargetCost] = []
    gpu_machines = {m.name for m in catalog.machines.values()}
    for target in plan.targets:
        facts = (context.get("targets") or {}).get(target.name, {})
        pools = [_pool_cost(p, catalog, context) for p in facts.get("gpu_pools", [])]
        region = getattr(getattr(prices, target.kind, None), "region", None)
        cold = (facts.get("storage") or {}).get("cold")
        cold_buckets = (
            len(cold.get("buckets", [])) if isinstance(cold, dict) else (0 if "storage" in facts else None)
        )
        items = _resource_items(
            plan.for_target(target.name), target.kind, catalog, gpu_machines, object_gib, cold_buckets
        )
        targets.append(TargetCost(target.name, target.kind, region, pools, items))
    if plan.targets and not any(
        (context.get("targets") or {}).get(t.name, {}).get("gpu_pools") is not None for t in plan.targets
    ):
        assumptions.append(
            "the plan file carries no GPU pool facts (made by an older ailz): GPU pools not priced"
        )
    by_name = {t.name: t for t in targets}
    teams = []
    for team in context.get("teams", []):
        # gpu_quota holds per target (a ClusterQueue quota in each): priced at each target's rate
        rates = [by_name[n].gpu_rate() for n in team.get("targets", []) if n in by_name]
        quota = team.get("gpu_quota", 0)
        if rates and all(r is not None for r in rates):
            hourly, reason = quota * sum(rates), None  # type: ignore[arg-type]
        else:
            hourly, reason = None, "a target of the team has no priced GPU pool"
        teams.append(TeamCost(team["name"], quota, hourly, team.get("budget_usd_month"), reason))
    if teams:
        assumptions.append(
            "a team's quota holds in each of its targets: priced at each target's GPU-weighted pool "
            "rate and added up"
        )
    return CostEstimate(prices.hours_per_month, targets, teams, assumptions, context.get("budget_usd_month"))
