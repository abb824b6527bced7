"""Pure choices for an EKS GPU node group: capacity type, placement, market and reservation options,
EFA network interfaces, scaling and labels. The GpuNodePool component registers what these return."""

from __future__ import annotations

from typing import Any

from ailz.catalog import Machine
from ailz.components.aws.nic_layout import NicSlot, efa_layout
from ailz.components.common.names import GPU_TAINT_KEY, POOL_LABEL, TARGET_LABEL
from ailz.components.common.pool_split import PoolShare, rollout_batch
from ailz.spec.common import GpuPool

GPU_TAINT = {"key": GPU_TAINT_KEY, "value": "true", "effect": "NO_SCHEDULE"}
# Managed node group capacityType per spec capacity kind (EKS API reference, CreateNodegroup): an
# ODCR is consumed by ON_DEMAND instances that target it.
NODE_GROUP_CAPACITY = {
    "on-demand": "ON_DEMAND",
    "reservation": "ON_DEMAND",
    "capacity-block": "CAPACITY_BLOCK",
    "spot": "SPOT",
}
# EC2 places Capacity Block instances together in an UltraCluster itself (EC2 API reference,
# CapacityBlock). An ODCR decides its own placement: one AWS delivers in a placement group is
# consumed only from that group (the spec names it), and launching into a group of ailz's own
# fails with insufficient capacity (aws-parallelcluster PlacementGroupCapacityReservationValidator).
# ailz adds its own cluster placement group for on-demand and spot pools only.
OWN_PLACEMENT_GROUP = ("on-demand", "spot")


def offered_machine(machine: str, zone: str, offered: list[str]) -> str:
    """The machine, when the zone offers it; a clear error otherwise."""
    if machine not in offered:
        raise ValueError(f"{machine} is not offered in {zone}; pick a zone that offers it")
    return machine


def capacity_type(pool: GpuPool) -> str:
    return NODE_GROUP_CAPACITY[pool.capacity.kind]


NO_PLACEMENT_GROUP = "none"


def needs_placement_group(pool: GpuPool) -> bool:
    """A cluster placement group of ailz's own, unless EC2 co-locates the capacity itself or the
    spec names the group the reservation lives in (or none)."""
    return pool.capacity.kind in OWN_PLACEMENT_GROUP and pool.capacity.placement_group is None


def existing_placement(pool: GpuPool) -> dict[str, str] | None:
    """Launch-template placement in the existing group the spec names. An ODCR made inside a
    cluster placement group is only consumed by instances launched into that group."""
    group = pool.capacity.placement_group
    return {"group_name": group} if group not in (None, NO_PLACEMENT_GROUP) else None


def market_options(pool: GpuPool) -> dict[str, str] | None:
    """Launch-template InstanceMarketOptions: Capacity Blocks launch as market type capacity-block."""
    return {"market_type": "capacity-block"} if pool.capacity.kind == "capacity-block" else None


def reservation_options(pool: GpuPool) -> dict[str, Any] | None:
    """Launch-template CapacityReservationSpecification targeting the ODCR or Capacity Block."""
    capacity = pool.capacity
    if capacity.kind not in ("reservation", "capacity-block"):
        return None
    return {"capacity_reservation_target": {"capacity_reservation_id": capacity.reservation_id}}


def nic_slots(machine: Machine) -> list[NicSlot]:
    """ENA primary plus the machine's efa-only interfaces (just the ENA one without EFA)."""
    efa = machine.efa
    return efa_layout(efa.network_cards, efa.max_efa_interfaces) if efa else efa_layout(1, 0)


def network_interfaces(name: str, slots: list[NicSlot], security_groups: list[Any]) -> list[dict[str, Any]]:
    """Launch-template network interfaces, one per slot. Every interface carries the cluster and EFA
    security groups (EKS adds no cluster group once a template names groups); no subnet (EKS refuses
    templates whose interfaces name one) and no AssociatePublicIpAddress (EC2 refuses it on
    multi-interface launches; the private subnets never map public IPs)."""
    return [
        {
            "network_card_index": slot.network_card_index,
            "device_index": slot.device_index,
            "interface_type": slot.interface_type,
            "security_groups": security_groups,
            "delete_on_termination": "true",
            "description": f"{name} {slot.interface_type} card {slot.network_card_index}",
        }
        for slot in slots
    ]


# Reserved capacity is usually fully used: a surge node has nowhere to launch. MINIMAL terminates old
# nodes before launching new ones (EKS API reference, NodegroupUpdateConfig.updateStrategy: "useful
# in scenarios where you are constrained to resources ... such as GPUs").
MINIMAL_UPDATE_CAPACITY = ("reservation", "capacity-block")


# EKS accepts 1-100 nodes unavailable at once (EKS API reference, NodegroupUpdateConfig.maxUnavailable).
MAX_UNAVAILABLE = 100


def update_config(pool: GpuPool, share: PoolShare | None = None) -> dict[str, Any]:
    """Node group updateConfig: a tenth of the group at a time; on reserved capacity, replace in
    place."""
    size = pool.scaling[2] if share is None else share.max_size
    config: dict[str, Any] = {"max_unavailable": rollout_batch(size, MAX_UNAVAILABLE)}
    if pool.capacity.kind in MINIMAL_UPDATE_CAPACITY:
        config["update_strategy"] = "MINIMAL"
    return config


def scaling(pool: GpuPool, share: PoolShare | None = None) -> dict[str, int]:
    """Scaling of one of the pool's node groups (the whole pool when it is one). A Capacity Block
    group must be able to drop to 0: before upgrades (EKS user guide, Capacity Blocks with managed
    node groups) and when the block ends."""
    low, desired, high = (
        pool.scaling if share is None else (share.min_size, share.desired_size, share.max_size)
    )
    if pool.capacity.kind == "capacity-block":
        low = 0
    return {"min_size": low, "desired_size": desired, "max_size": high}


def block_scaling(scaling: dict[str, int], state: str) -> dict[str, int]:
    """A Capacity Block launches instances only while it is active: a node group created before
    that starts empty, or its creation fails waiting for nodes (EKS user guide, Capacity Blocks)."""
    return scaling if state == "active" else {**scaling, "desired_size": 0}


def group_subnets(share: PoolShare, subnet_ids: Any) -> Any:
    """The GPU subnet the planner placed the group in, or all of them when their room is only known
    at deploy time (an existing VPC). `subnet_ids` is a list or an Output of one."""
    if share.subnet is None:
        return subnet_ids
    if isinstance(subnet_ids, list):
        return [subnet_ids[share.subnet]]
    return subnet_ids.apply(lambda ids: [ids[share.subnet]])


def node_labels(pool: GpuPool, target: str) -> dict[str, str]:
    """The pool's own labels, then the labels every GPU node carries whatever the platform."""
    return {**pool.labels, POOL_LABEL: pool.name, TARGET_LABEL: target, "ailz.io/purpose": pool.purpose}
