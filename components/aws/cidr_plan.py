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
    gpu: bool = False  # a GPU-node subnet from a secondary CIDR block

    @property
    def usable_addresses(self) -> int:
        return usable_addresses(self.cidr)


def usable_addresses(cidr: str) -> int:
    """Addresses of a subnet AWS lets instances use."""
    return ipaddress.ip_network(cidr).num_addresses - _reserved_per_subnet()


def private_subnet_addresses(vpc_cidr: str) -> int:
    """Usable addresses of one private subnet of this VPC."""
    net = ipaddress.ip_network(vpc_cidr)
    return 2 ** (32 - net.prefixlen - PRIVATE_SPLIT) - _reserved_per_subnet()


def plan_subnets(
    vpc_cidr: str, zones: list[str], public: bool, secondary_cidrs: list[str] | None = None
) -> list[SubnetPlan]:
    """One private subnet per zone (zones[0] is the GPU zone), public ones for NAT, and one GPU
    subnet in the GPU zone per secondary CIDR block (the whole block)."""
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
    plans += [
        SubnetPlan(name=f"gpu-{zones[0]}-{i}", zone=zones[0], cidr=cidr, public=False, gpu=True)
        for i, cidr in enumerate(secondary_cidrs or [], start=1)
    ]
    return plans


def plan_zones(
    pool_zone: str,
    region_zones: list[str],
    zone_ids: list[str] | None = None,
    unsupported_ids: tuple[str, ...] = (),
    count: int = MAX_ZONES,
) -> tuple[list[str], list[str]]:
    """(zones that get a private subnet, the GPU zone first; zones whose subnets the EKS cluster
    uses). EKS places no cluster subnet in some zone IDs; nodes may still run there, so a GPU zone
    that is one of them keeps its subnet but the cluster takes two others. `zone_ids` is parallel
    to `region_zones`, as EC2 reports them (zone names differ per account, IDs do not)."""
    ids = dict(zip(region_zones, zone_ids or [], strict=False))
    others = [z for z in sorted(region_zones) if z != pool_zone and ids.get(z) not in unsupported_ids]
    zones = [pool_zone, *others][:count]
    cluster = [z for z in zones if ids.get(z) not in unsupported_ids]
    if len(cluster) < 2:
        raise ValueError(
            f"EKS needs cluster subnets in two zones it supports, but {pool_zone}'s region offers "
            f"{', '.join(cluster) or 'none'} (zone IDs EKS refuses: {', '.join(unsupported_ids)})"
        )
    return zones, cluster


@dataclass(frozen=True)
class ExistingSubnet:
    """What EC2 reports of a subnet ailz is given (DescribeSubnets)."""

    id: str
    vpc_id: str
    zone: str
    zone_id: str
    available_addresses: int


def existing_vpc_problems(
    network,
    *,
    vpc_cidr: str,
    subnets: list[ExistingSubnet],
    gpu_zone: str,
    gpu_addresses: int,
    unsupported_zone_ids: tuple[str, ...],
) -> list[str]:
    """What keeps an existing VPC's subnets from holding this target: each a sentence saying what is
    wrong and what would be right. `gpu_addresses`: what the GPU subnets must have free together."""
    existing = network.existing
    problems = []
    if vpc_cidr != network.cidr:
        problems.append(f"the VPC's primary CIDR is {vpc_cidr}, the spec says network.cidr {network.cidr}")
    by_id = {s.id: s for s in subnets}
    for s in subnets:
        if s.vpc_id != existing.vpc_id:
            problems.append(f"{s.id} is in {s.vpc_id}, not in {existing.vpc_id}")
    for sid in existing.gpu_subnet_ids:
        if by_id[sid].zone != gpu_zone:
            problems.append(f"GPU subnet {sid} is in {by_id[sid].zone}; GPU pools run in {gpu_zone}")
    cluster = [by_id[sid] for sid in existing.cluster_subnet_ids]
    for s in cluster:
        if s.zone_id in unsupported_zone_ids:
            problems.append(
                f"cluster subnet {s.id} is in zone {s.zone_id}, where EKS places no cluster subnet"
            )
    if len({s.zone for s in cluster}) < 2:
        problems.append("the cluster subnets must span two or more Availability Zones (EKS)")
    free = sum(by_id[sid].available_addresses for sid in existing.gpu_subnet_ids)
    if free < gpu_addresses:
        problems.append(
            f"the GPU subnets have {free} free addresses; the GPU pools at their maximum size, "
            f"Lustre and endpoints need {gpu_addresses}"
        )
    return problems


def service_cidr(vpc_cidrs: list[str], other_networks: list[str], candidates: list[str]) -> str | None:
    """The cluster's Kubernetes service range: the one EKS picks itself (the second candidate when
    the VPC is in 10.0.0.0/8, else the first), unless it overlaps the VPC or a network the cluster
    is connected to; None when every candidate does."""
    primary = ipaddress.ip_network(vpc_cidrs[0])
    ordered = list(candidates)
    if primary.subnet_of(ipaddress.ip_network("10.0.0.0/8")):
        ordered.reverse()
    taken = [ipaddress.ip_network(c) for c in [*vpc_cidrs, *other_networks]]
    for candidate in ordered:
        net = ipaddress.ip_network(candidate)
        if not any(net.overlaps(t) for t in taken):
            return candidate
    return None
