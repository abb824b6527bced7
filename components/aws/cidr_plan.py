"""Carves a target's VPC CIDR into subnets: pure, so it is property-tested on its own.

Layout of a VPC with prefix /p:
- the VPC is split into four quarters (/p+2); private subnets take the first quarters, one per
  zone, so the GPU zone gets a quarter of the VPC: room for nodes whose every EFA-capable
  network card can take interfaces, pods and FSx/endpoint ENIs;
- public subnets (NAT egress only) are /p+5 blocks at the start of the last quarter.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

MAX_ZONES = 3
# AWS reserves the first four and the last address of every subnet.
AWS_RESERVED_PER_SUBNET = 5
# A VPC CIDR may be between /16 and /28; ailz needs space for GPU nodes, so at most /22.
MIN_VPC_PREFIX, MAX_VPC_PREFIX = 16, 22
PRIVATE_SPLIT, PUBLIC_SPLIT = 2, 5
# Addresses one GPU node may take: one per network interface the instance can hold (an EFA
# node can take 32) plus the pods the VPC CNI places on it (EKS default max-pods ceiling 110).
PODS_PER_NODE = 110


@dataclass(frozen=True)
class SubnetPlan:
    name: str
    zone: str
    cidr: str
    public: bool

    @property
    def usable_addresses(self) -> int:
        return ipaddress.ip_network(self.cidr).num_addresses - AWS_RESERVED_PER_SUBNET


def addresses_per_node(network_interfaces: int) -> int:
    return network_interfaces + PODS_PER_NODE


def private_subnet_addresses(vpc_cidr: str) -> int:
    """Usable addresses of one private subnet of this VPC."""
    net = ipaddress.ip_network(vpc_cidr)
    return 2 ** (32 - net.prefixlen - PRIVATE_SPLIT) - AWS_RESERVED_PER_SUBNET


def plan_subnets(vpc_cidr: str, zones: list[str], public: bool) -> list[SubnetPlan]:
    """One private subnet per zone (zones[0] is the GPU zone), plus public ones for NAT."""
    net = ipaddress.ip_network(vpc_cidr)
    if not MIN_VPC_PREFIX <= net.prefixlen <= MAX_VPC_PREFIX:
        raise ValueError(f"VPC CIDR {vpc_cidr} must be between /{MIN_VPC_PREFIX} and /{MAX_VPC_PREFIX}")
    if not 1 <= len(zones) <= MAX_ZONES or len(set(zones)) != len(zones):
        raise ValueError(f"need 1 to {MAX_ZONES} distinct zones, got {zones}")
    quarters = list(net.subnets(prefixlen_diff=PRIVATE_SPLIT))
    plans = [
        SubnetPlan(name=f"private-{zone}", zone=zone, cidr=str(quarters[i]), public=False)
        for i, zone in enumerate(zones)
    ]
    if public:
        small = list(quarters[-1].subnets(prefixlen_diff=PUBLIC_SPLIT - PRIVATE_SPLIT))
        plans += [
            SubnetPlan(name=f"public-{zone}", zone=zone, cidr=str(small[i]), public=True)
            for i, zone in enumerate(zones)
        ]
    return plans


def control_plane_zones(pool_zone: str, region_zones: list[str], count: int = MAX_ZONES) -> list[str]:
    """The GPU zone first, then other zones of the region (EKS needs subnets in two or more)."""
    others = [z for z in sorted(region_zones) if z != pool_zone]
    return [pool_zone, *others][:count]
