"""How many addresses a GPU node takes from its subnet, how many pods kubelet may run on it, and how
a pool's nodes are split into EKS managed node groups and spread over the GPU subnets. Pure, so it
is property-tested on its own; the facts are in catalog/aws.yaml (`eks_pods`, `eks_quotas`, the
machine's `efa` and `vpc_limits`).

Only ENA interfaces on network card 0 hold pod addresses: the VPC CNI manages card 0 unless told
otherwise, and efa-only interfaces take no address at all. A p5.48xlarge has two interface slots on
card 0, one ENA and one efa-only, so its pods share the 49 secondary addresses of the primary ENA.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ailz.catalog import Catalog, Machine
from ailz.components.aws.cidr_plan import private_subnet_addresses, usable_addresses
from ailz.components.aws.nic_layout import efa_layout
from ailz.components.common.pool_split import PoolShare, split_pool


@dataclass(frozen=True)
class NodeAddressing:
    max_pods: int  # kubelet maxPods ailz sets
    addresses: int  # VPC addresses one node may take from its subnet, at most


def pod_interfaces(machine: Machine) -> int:
    """ENA interfaces the VPC CNI may attach on network card 0: its slots minus the efa-only one."""
    limits = machine.vpc_limits
    if limits is None:
        raise ValueError(f"the catalog has no VPC limits for {machine.name}")
    slots = efa_layout(machine.efa.network_cards, machine.efa.max_efa_interfaces) if machine.efa else []
    efa_on_card0 = sum(1 for s in slots if s.network_card_index == 0 and s.is_efa)
    return limits.interfaces_per_card - efa_on_card0


def node_addressing(machine: Machine, prefix_delegation: bool, catalog: Catalog) -> NodeAddressing:
    """maxPods as EKS computes it for a managed node group, but over the interfaces the node can
    really use for pods; and the addresses the VPC CNI then takes (whole interfaces when it hands
    out addresses, whole /28 prefixes plus a warm one with prefix delegation)."""
    pods = catalog.eks_pods
    limits = machine.vpc_limits
    interfaces = pod_interfaces(machine)
    per_interface = limits.ipv4_per_interface - 1  # the interface's primary address is not a pod's
    cap = pods.max_pods_large if limits.vcpus > pods.large_above_vcpus else pods.max_pods_per_node
    if prefix_delegation:
        max_pods = min(interfaces * per_interface * pods.prefix_addresses + pods.host_network_pods, cap)
        prefixes = math.ceil((max_pods - pods.host_network_pods) / pods.prefix_addresses) + pods.warm_prefixes
        used = min(interfaces, math.ceil(prefixes / per_interface))
        return NodeAddressing(max_pods, used + prefixes * pods.prefix_addresses)
    max_pods = min(interfaces * per_interface + pods.host_network_pods, cap)
    used = min(
        interfaces, math.ceil((max_pods - pods.host_network_pods) / per_interface) + pods.warm_interfaces
    )
    return NodeAddressing(max_pods, used * limits.ipv4_per_interface)


class SubnetsFull(ValueError):
    """The GPU subnets cannot hold the node groups at their maximum size."""


def place_groups(groups: list[tuple[str, PoolShare, int]], free: list[int]) -> dict[tuple[str, int], int]:
    """(pool, share, addresses per node) -> GPU subnet index, first fit in order, so every node of
    a group has an address. `free` is what each GPU subnet holds; raises SubnetsFull."""
    left = list(free)
    placed: dict[tuple[str, int], int] = {}
    for pool, share, per_node in groups:
        need = share.max_size * per_node
        for i, room in enumerate(left):
            if need <= room:
                left[i] -= need
                placed[(pool, share.index)] = i
                break
        else:
            raise SubnetsFull(
                f"node group {share.index + 1} of pool '{pool}' needs {need} addresses "
                f"({share.max_size} nodes x {per_node}); the GPU subnets have {max(left)} left at most"
            )
    return placed


# ENIs FSx for Lustre and the interface endpoints take in the subnet they share with GPU nodes
# (a generous bound).
SERVICE_ADDRESSES = 64


@dataclass(frozen=True)
class PoolGroups:
    """A GPU pool as EKS managed node groups: one pool in the plan summary, several groups."""

    pool: str
    addressing: NodeAddressing
    groups: list[PoolShare]


class QuotaExceeded(ValueError):
    """More node groups than the cluster may have."""


def quotas(target, catalog: Catalog) -> tuple[int, int]:
    """(node groups per cluster, nodes per node group): the target's raised values or AWS's defaults."""
    raised, default = target.eks_quotas, catalog.eks_quotas
    return (
        raised.node_groups_per_cluster or default.node_groups_per_cluster,
        raised.nodes_per_node_group or default.nodes_per_node_group,
    )


def gpu_subnet_room(target, catalog: Catalog) -> list[int] | None:
    """Addresses each GPU subnet leaves for GPU nodes, in GPU-subnet order; None for an existing
    VPC, whose subnets are measured at deploy time."""
    network = target.network
    if network.existing is not None:
        return None
    if network.secondary_cidrs:
        return [usable_addresses(cidr) for cidr in network.secondary_cidrs]
    # the GPU zone's private subnet also holds FSx, endpoints and maybe every system node
    system = target.system_nodes.max_nodes * catalog.eks_pods.max_pods_per_node
    return [private_subnet_addresses(network.cidr) - SERVICE_ADDRESSES - system]


def plan_node_groups(target, catalog: Catalog) -> list[PoolGroups]:
    """Every GPU pool of an AWS target as node groups placed in GPU subnets. Raises QuotaExceeded or
    SubnetsFull with what to change."""
    per_cluster, per_group = quotas(target, catalog)
    pools = [
        PoolGroups(
            pool.name,
            node_addressing(catalog.machine(pool.machine), target.network.prefix_delegation, catalog),
            split_pool(pool.scaling, per_group),
        )
        for pool in target.gpu_pools
    ]
    groups = 1 + sum(len(p.groups) for p in pools)  # the system node group
    if groups > per_cluster:
        raise QuotaExceeded(
            f"the pools need {groups - 1} GPU node groups (at most {per_group} nodes each) plus the "
            f"system group, but EKS allows {per_cluster} managed node groups per cluster"
        )
    room = gpu_subnet_room(target, catalog)
    if room is None:
        return pools
    need, have = addresses_needed(pools), sum(max(0, r) for r in room)
    if need > have:
        raise SubnetsFull(
            f"the GPU subnets leave {have} addresses for GPU nodes (after Lustre, endpoints and "
            f"system nodes), but the pools at their maximum size need {need}"
        )
    placed = place_groups(
        [(p.pool, share, p.addressing.addresses) for p in pools for share in p.groups], room
    )
    return [
        PoolGroups(
            p.pool,
            p.addressing,
            [
                PoolShare(s.index, s.min_size, s.desired_size, s.max_size, placed[(p.pool, s.index)])
                for s in p.groups
            ],
        )
        for p in pools
    ]


def addresses_needed(pools: list[PoolGroups]) -> int:
    """Addresses every GPU node of the pools takes at their maximum size."""
    return sum(s.max_size * p.addressing.addresses for p in pools for s in p.groups)
