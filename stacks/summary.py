"""Key settings of every GPU pool, derived from spec and catalog, for humans and reports."""

from __future__ import annotations

from dataclasses import dataclass

from ailz.catalog import Catalog, load_catalog
from ailz.stacks.spec import LandingZone


@dataclass(frozen=True)
class PoolSummary:
    target: str
    pool: str
    machine: str
    gpus_per_node: int
    gpu_model: str
    nodes: int
    min_nodes: int
    max_nodes: int
    fabric: str
    nics: str
    capacity: str
    placement: str
    purpose: str
    usd_per_hour: float | None

    @property
    def total_gpus(self) -> int:
        return self.gpus_per_node * self.nodes


_PLACEMENT = {
    "aws": "cluster placement group, single AZ {zone}",
    # EC2 co-locates the instances of a Capacity Block itself (EC2 Capacity Blocks documentation)
    "aws/capacity-block": "co-located by the Capacity Block, single AZ {zone}",
    "gcp": "compact placement, zone {zone}",
    "onprem": "node labels on the existing cluster",
}


def _nics(machine, fabric: str) -> str:
    net = machine.network
    text = f"{net.gpu_nics}x {net.gbps_per_gpu_nic} Gbps {fabric}"
    if machine.efa is not None:
        text += f" ({machine.efa.max_efa_interfaces} EFA interfaces on {machine.efa.network_cards} cards)"
    facts = machine.gcp
    if facts is not None and facts.rdma_nics:
        text += f" ({facts.rdma_nics} RDMA NICs on a RoCE VPC, +{facts.extra_gvnic_networks} gVNIC network)"
    elif facts is not None:
        text += f" ({facts.extra_gvnic_networks} extra gVNIC networks, MTU {facts.gvnic_mtu})"
    return text


def _placement(kind: str, pool, machine, zone: str) -> str:
    if kind == "gcp":
        from ailz.components.gcp.node_pool_plan import compact_placement

        if not compact_placement(pool, machine):
            return f"placed by reservation block {pool.capacity.reservation_block}, zone {zone}"
    template = _PLACEMENT.get(f"{kind}/{pool.capacity.kind}", _PLACEMENT[kind])
    return template.format(zone=zone)


def pool_summaries(zone: LandingZone, catalog: Catalog | None = None) -> list[PoolSummary]:
    catalog = catalog or load_catalog()
    rows = []
    for target in zone.targets:
        for pool in target.gpu_pools:
            machine = catalog.machine(pool.machine)
            fabric = machine.fabric
            if target.kind == "onprem" and getattr(target, "fabric", None) is not None:
                fabric = target.fabric.kind
            cap = pool.capacity
            capacity = cap.kind + (f" {cap.reservation_id}" if cap.reservation_id else "")
            if target.kind == "onprem":
                capacity = "owned servers"
            low, nodes, high = pool.scaling
            price = machine.price.on_demand_usd_per_hour * nodes if machine.price else None
            rows.append(
                PoolSummary(
                    target=target.name,
                    pool=pool.name,
                    machine=machine.name,
                    gpus_per_node=machine.gpu.count,
                    gpu_model=machine.gpu.model,
                    nodes=nodes,
                    min_nodes=low,
                    max_nodes=high,
                    fabric=fabric,
                    nics=_nics(machine, fabric),
                    capacity=capacity,
                    placement=_PLACEMENT.get(f"{target.kind}/{cap.kind}", _PLACEMENT[target.kind]).format(
                        zone=getattr(target, "zone", "")
                    ),
                    purpose=pool.purpose,
                    usd_per_hour=price,
                )
            )
    return rows
