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

from ailz.catalog import load_catalog

MAX_ZONES = 3
# Vendor facts are in catalog/aws.yaml: `aws_vpc` (VPC CIDR sizes AWS allows, addresses it reserves
# in every subnet) and `eks_pods` (pods the VPC CNI places on a node).
# The largest VPC AWS allows (a /16) down to a /22: ailz needs space for GPU nodes (AWS allows a /28).
MIN_VPC_PREFIX, MAX_VPC_PREFIX = load_catalog().aws_vpc.min_vpc_prefix, 22
PRIVATE_SPLIT, PUBLIC_SPLIT = 2, 5


def _reserved_per_subnet() -> int:
    return load_catalog().aws_vpc.reserved_per_subnet


@dataclass(frozen=True)
class SubnetPlan:
    name: str
    zone: str
    cidr: str
    public: bool

    @property
    def usable_addresses(self) -> int:
        return ipaddress.ip_network(self.cidr).num_addresses - _reserved_per_subnet()


def addresses_per_node(network_interfaces: int) -> int:
    """Addresses one GPU node may take: one per network interface the instance can hold (an EFA
    node can take 32) plus the pods the VPC CNI places on it."""
    return network_interfaces + load_catalog().eks_pods.max_pods_per_node


def private_subnet_addresses(vpc_cidr: str) -> int:
    """Usable addresses of one private subnet of this VPC."""
    net = ipaddress.ip_network(vpc_cidr)
    return 2 ** (32 - net.prefixlen - PRIVATE_SPLIT) - _reserved_per_subnet()


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


def control_plane_zones(
    pool_zone: str,
    region_zones: list[str],
    count: int = MAX_ZONES,
    zone_ids: list[str] | None = None,
    unsupported_ids: tuple[str, ...] = (),
) -> list[str]:
    """The GPU zone first, then other zones of the region (EKS needs subnets in two or more), never
    a zone whose ID EKS refuses. `zone_ids` is parallel to `region_zones` (as EC2 reports them)."""
    ids = dict(zip(region_zones, zone_ids or [], strict=False))
    if ids.get(pool_zone) in unsupported_ids:
        raise ValueError(
            f"{pool_zone} is zone {ids[pool_zone]}, where EKS places no cluster subnet: "
            "put the GPU pools in another zone of the region"
        )
    others = [z for z in sorted(region_zones) if z != pool_zone and ids.get(z) not in unsupported_ids]
    return [pool_zone, *others][:count]
