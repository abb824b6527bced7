"""Pure planning for GCP networks: which VPCs a machine family needs and how the target CIDR is carved.

No Pulumi here, so the rules are tested on their own (hypothesis) and reused by spec checks.
"""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass, field

from ailz.catalog import Machine, load_catalog
from ailz.components.common import names as naming

# Vendor facts (addresses GCP keeps in every subnet, GKE's default max pods per node and pod range
# per pod, the control-plane range size) are in catalog/gcp.yaml `gcp_addressing`.
# The system pool sets no max pods (GKE's default applies); GPU pools set 32 (read by gpu_pool.py).
GPU_MAX_PODS = 32
SYSTEM_NODES = 3  # system (CPU) pool ceiling, for address sizing
MIN_SUBNET_PREFIX = 28  # smallest extra subnet ailz carves (GCP allows /29)
SERVICES_PREFIX_DELTA = 5  # services range = 1/32 of the target CIDR
PRIVATE_SERVICES_PREFIX = 20  # private services access range (Managed Lustre, Filestore)


class AddressPlanError(ValueError):
    """The target CIDR is too small for what the spec asks for."""


@dataclass(frozen=True)
class ExtraSubnet:
    """One subnet of an extra VPC, attached to the node as one NIC."""

    network_name: str  # GKE Network / GKENetworkParamSet name (stacks.naming.gke_extra_networks)
    interface: str
    device_mode: str  # NetDevice (gVNIC) or RDMA (MRDMA)


@dataclass(frozen=True)
class ExtraVpc:
    """An extra VPC of a machine family: one per gVNIC NIC, or one RoCE VPC for all RDMA NICs."""

    key: str  # short stable name part, e.g. "vpc1", "gvnic-1", "rdma"
    mtu: int
    rdma: bool  # created with the <zone>-vpc-roce network profile
    subnets: tuple[ExtraSubnet, ...]


def extra_vpcs(machine: Machine) -> list[ExtraVpc]:
    """The VPCs a machine family needs beyond the primary one, from the catalog facts."""
    facts = machine.gcp
    if facts is None:
        return []
    gvnic: list[ExtraVpc] = []
    rdma: list[ExtraSubnet] = []
    for item in naming.gke_extra_networks(machine):
        subnet = ExtraSubnet(item["name"], item["interface"], item["device_mode"])
        if item["device_mode"] == "RDMA":
            rdma.append(subnet)
        else:
            gvnic.append(ExtraVpc(item["name"], facts.gvnic_mtu, False, (subnet,)))
    vpcs = list(gvnic)
    if rdma:
        vpcs.append(ExtraVpc("rdma", facts.rdma_mtu or facts.gvnic_mtu, True, tuple(rdma)))
    return vpcs


def merged_vpcs(machines: list[Machine]) -> list[ExtraVpc]:
    """Extra VPCs for every machine family of a target; a VPC of the same name is shared.

    A3 High and A3 Mega share vpc1..vpc4, A3 Ultra and A4 share gvnic-1 and the RoCE VPC. The
    same name with a different shape (MTU, NIC kind) cannot share and is an error.
    """
    merged: dict[str, ExtraVpc] = {}
    for machine in machines:
        for vpc in extra_vpcs(machine):
            seen = merged.get(vpc.key)
            if seen is None:
                merged[vpc.key] = vpc
            elif seen != vpc:
                raise ValueError(
                    f"{machine.name} needs network '{vpc.key}' with MTU {vpc.mtu} and "
                    f"{len(vpc.subnets)} NICs, but another pool's family defines it differently"
                )
    gvnic = [v for v in merged.values() if not v.rdma]
    return gvnic + [v for v in merged.values() if v.rdma]


def nic_users(pools: list[tuple[int, Machine]]) -> dict[str, int]:
    """Extra NIC network name -> nodes attached to it, for (max nodes, machine) of each pool.

    Ordered as merged_vpcs; raises ValueError like it when families cannot share a network.
    """
    users = {s.network_name: 0 for v in merged_vpcs([m for _, m in pools]) for s in v.subnets}
    for max_nodes, machine in pools:
        for item in naming.gke_extra_networks(machine):
            users[item["name"]] += max_nodes
    return users


@dataclass
class AddressPlan:
    nodes: str
    pods: str
    services: str
    master: str
    private_services: str | None = None  # Managed Lustre / Filestore peering range
    # extra NIC network name (e.g. vpc1, rdma-0) -> its subnet CIDR
    extra: dict[str, str] = field(default_factory=dict)

    def all_ranges(self) -> list[str]:
        ranges = [self.nodes, self.pods, self.services, self.master]
        ranges += [self.private_services] if self.private_services else []
        return ranges + list(self.extra.values())


def _prefix_for(hosts: int, floor: int = MIN_SUBNET_PREFIX) -> int:
    """Smallest prefix whose subnet holds `hosts` usable addresses, never smaller than /floor."""
    bits = max(1, math.ceil(math.log2(hosts + load_catalog().gcp_addressing.reserved_per_subnet)))
    return min(floor, 32 - bits)


def pod_block(max_pods: int) -> int:
    """Pod addresses GKE reserves per node: twice the max pods, rounded up to a CIDR block."""
    return 2 ** math.ceil(math.log2(load_catalog().gcp_addressing.pod_range_per_max_pod * max_pods))


def _requests(
    base: int, extra_subnets: dict[str, int], gpu_nodes: int, private_services: bool
) -> list[tuple[str, int]]:
    """Block name -> prefix length, for a target CIDR of prefix length `base`."""
    facts = load_catalog().gcp_addressing
    system_pods = SYSTEM_NODES * pod_block(facts.default_max_pods_per_node)  # GKE's default applies
    pod_addresses = system_pods + gpu_nodes * pod_block(GPU_MAX_PODS)
    requests: list[tuple[str, int]] = [
        # half the CIDR for pods, more if the nodes need it (then it cannot fit)
        ("pods", min(base + 1, 32 - math.ceil(math.log2(pod_addresses)))),
        ("services", min(max(base + SERVICES_PREFIX_DELTA, 16), 24)),
        ("nodes", _prefix_for(SYSTEM_NODES + gpu_nodes, floor=24)),
        ("master", facts.control_plane_prefix),
    ]
    if private_services:
        requests.append(("private_services", PRIVATE_SERVICES_PREFIX))
    # room to grow: a /24 per NIC subnet when the CIDR is a /16 or larger
    floor = min(max(base + 8, 24), MIN_SUBNET_PREFIX)
    for network, max_nodes in extra_subnets.items():
        requests.append((f"extra:{network}", _prefix_for(max_nodes, floor)))
    return requests


def _needed(requests: list[tuple[str, int]]) -> int:
    return sum(2 ** (32 - prefix) for _, prefix in requests)


def plan_addresses(
    cidr: str, extra_subnets: dict[str, int], gpu_nodes: int, private_services: bool
) -> AddressPlan:
    """Carve the target CIDR into node, pod, service, control-plane, private-services and NIC ranges.

    extra_subnets: extra NIC network name -> nodes that attach to it. Blocks are handed out
    largest first, each aligned to its own size, so they never overlap and never leave the
    CIDR; an AddressPlanError names the smallest CIDR size that would fit.
    """
    net = ipaddress.ip_network(cidr)
    base = net.prefixlen
    requests = _requests(base, extra_subnets, gpu_nodes, private_services)
    needed = _needed(requests)
    if needed > net.num_addresses:
        fits = [
            p
            for p in range(base - 1, 7, -1)
            if _needed(_requests(p, extra_subnets, gpu_nodes, private_services)) <= 2 ** (32 - p)
        ]
        hint = f"use a /{fits[0]} or larger" if fits else "split the pools across targets"
        raise AddressPlanError(
            f"{cidr} holds {net.num_addresses} addresses but the zone needs {needed} "
            f"(pods, services, nodes, control plane{', private services' if private_services else ''} and "
            f"{len(extra_subnets)} extra NIC subnets); {hint}"
        )

    cursor = int(net.network_address)
    placed: dict[str, str] = {}
    for name, prefix in sorted(requests, key=lambda item: item[1]):
        size = 2 ** (32 - prefix)
        cursor = -(-cursor // size) * size  # align up (a no-op when sizes only shrink)
        placed[name] = str(ipaddress.ip_network((cursor, prefix)))
        cursor += size
    extra = {network: placed[f"extra:{network}"] for network in extra_subnets}
    return AddressPlan(
        nodes=placed["nodes"],
        pods=placed["pods"],
        services=placed["services"],
        master=placed["master"],
        private_services=placed.get("private_services"),
        extra=extra,
    )


def plan_extra_subnets(cidr: str, extra_subnets: dict[str, int]) -> dict[str, str]:
    """Only the GPU NIC subnets, carved from `cidr` (an existing network's `gpu_cidr`: its pods,
    services, nodes and control plane are the network team's)."""
    net = ipaddress.ip_network(cidr)
    floor = min(max(net.prefixlen + 8, 24), MIN_SUBNET_PREFIX)
    requests = [(name, _prefix_for(nodes, floor)) for name, nodes in extra_subnets.items()]
    needed = _needed(requests)
    if needed > net.num_addresses:
        raise AddressPlanError(
            f"{cidr} holds {net.num_addresses} addresses but the {len(extra_subnets)} GPU NIC subnets "
            f"need {needed}; use a larger gpu_cidr"
        )
    cursor, placed = int(net.network_address), {}
    for name, prefix in sorted(requests, key=lambda item: item[1]):
        size = 2 ** (32 - prefix)
        cursor = -(-cursor // size) * size
        placed[name] = str(ipaddress.ip_network((cursor, prefix)))
        cursor += size
    return {name: placed[name] for name in extra_subnets}
