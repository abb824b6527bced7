"""A GCP target in a VPC the network team runs (this project or a Shared VPC host project): the
landing zone reads it instead of creating it, once the subnet is found where the spec says."""

from __future__ import annotations

import ipaddress
from types import SimpleNamespace
from typing import Any

import pulumi
import pulumi_gcp as gcp

from ailz.components.gcp import network_plan
from ailz.components.gcp.network_plan import GPU_MAX_PODS, SYSTEM_NODES, AddressPlan


def subnet_problems(target, cidr: str, secondary: dict[str, str]) -> list[str]:
    """What keeps the existing subnet (primary range `cidr`, secondary ranges by name) from
    holding the target: one sentence each. Pure."""
    existing = target.network.existing
    problems = []
    if cidr != target.network.cidr:
        problems.append(
            f"the subnet's primary range is {cidr}, the spec says network.cidr {target.network.cidr}"
        )
    for key in ("pods_range", "services_range"):
        name = getattr(existing, key)
        if name not in secondary:
            problems.append(
                f"the subnet has no secondary range '{name}' ({key}); it has {sorted(secondary) or 'none'}"
            )
    pods = secondary.get(existing.pods_range)
    if pods is not None:
        nodes = SYSTEM_NODES + sum(pool.scaling[2] for pool in target.gpu_pools)
        # GKE gives every node a pod block twice its max pods (flexible pod CIDR); GPU pools set 32
        needed = nodes * network_plan.pod_block(GPU_MAX_PODS)
        have = ipaddress.ip_network(pods).num_addresses
        if have < needed:
            problems.append(
                f"pods range '{existing.pods_range}' ({pods}) holds {have} addresses; "
                f"{nodes} nodes take {needed}"
            )
    return problems


def adopt_network(target, users: dict[str, int], invoke: pulumi.InvokeOptions) -> tuple[Any, AddressPlan]:
    """(what the landing zone reads of the primary network, the address plan of what ailz still
    carves: the control plane from the spec, GPU NIC subnets from gpu_cidr). The subnet is looked up
    before anything is declared: a wrong range stops the deployment with one sentence."""
    existing = target.network.existing
    host = existing.host_project or target.project
    found = gcp.compute.get_subnetwork(
        name=existing.subnetwork,
        region=target.region,
        project=host,
        opts=invoke,
    )
    secondary = {r.range_name: r.ip_cidr_range for r in found.secondary_ip_ranges or []}
    problems = subnet_problems(target, found.ip_cidr_range, secondary)
    if problems:
        raise ValueError(
            f"network.existing ({host}/{existing.network}/{existing.subnetwork}) does not fit this target: "
            + "; ".join(problems)
        )
    network_path = f"projects/{host}/global/networks/{existing.network}"
    primary = SimpleNamespace(
        # Filestore and Managed Lustre take the full path for a Shared VPC network
        network=SimpleNamespace(id=network_path, name=network_path),
        subnet=SimpleNamespace(
            id=f"projects/{host}/regions/{target.region}/subnetworks/{existing.subnetwork}"
        ),
    )
    extra = network_plan.plan_extra_subnets(existing.gpu_cidr, users) if users else {}
    addresses = AddressPlan(
        nodes=found.ip_cidr_range,
        pods=secondary[existing.pods_range],
        services=secondary[existing.services_range],
        master=existing.control_plane_cidr,
        extra=extra,
    )
    return primary, addresses
