"""Key settings of every GPU pool, derived from spec and catalog, for humans and reports."""

from __future__ import annotations

from dataclasses import dataclass

from ailz.catalog import Catalog, load_catalog
from ailz.components.kinds import KINDS
from ailz.spec.zone import LandingZone


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


def pool_summaries(zone: LandingZone, catalog: Catalog | None = None) -> list[PoolSummary]:
    catalog = catalog or load_catalog()
    rows = []
    for target in zone.targets:
        kind = KINDS[target.kind]
        for pool in target.gpu_pools:
            machine = catalog.machine(pool.machine)
            facts = kind.describe_pool(target, pool, machine)
            low, nodes, high = pool.scaling
            hourly = machine.price.on_demand_usd_per_hour if machine.price else None
            price = hourly * nodes if hourly is not None else None
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
                    fabric=facts.fabric,
                    nics=_nics(machine, facts.fabric),
                    capacity=facts.capacity,
                    placement=facts.placement,
                    purpose=pool.purpose,
                    usd_per_hour=price,
                )
            )
    return rows
