"""Checks that only apply to on-prem targets."""

from __future__ import annotations

import ipaddress

from ailz.catalog import Catalog
from ailz.spec.errors import SpecIssue
from ailz.spec.zone import LandingZone

MIN_ADDRESSES_PER_NODE = 4


def check_onprem_target(zone: LandingZone, index: int, catalog: Catalog) -> list[SpecIssue]:
    """Problems in zone.targets[index], an on-prem target."""
    target = zone.targets[index]
    return _fabric(target, index) + _registries(target, index) + _os_packages(target, index)


def _os_packages(target, index: int) -> list[SpecIssue]:
    """Without egress a driver container that builds on the node needs the site's package mirror."""
    if target.network.egress != "none" or target.os_packages is not None:
        return []
    builders = []
    if target.gpu_driver == "operator":
        builders.append("the GPU driver container (gpu_driver: operator)")
    if target.fabric is not None and target.fabric.install_driver:
        builders.append("the DOCA driver container (fabric.install_driver)")
    if not builders:
        return []
    return [
        SpecIssue(
            ("targets", index, "network", "egress"),
            f"this network has no egress, and {' and '.join(builders)} must fetch the running "
            "kernel's headers and modules from OS package repositories to build kernel modules",
            "add os_packages: {format: apt, repository: 'deb [arch=amd64] https://<your package mirror>"
            "/ubuntu jammy main universe'} (the site's mirror of the nodes' distribution), or use "
            "gpu_driver: host with the drivers installed on the servers",
        )
    ]


def _fabric(target, index: int) -> list[SpecIssue]:
    fabric = target.fabric
    if fabric is None:
        return []
    base = ("targets", index, "fabric")
    issues: list[SpecIssue] = []
    if fabric.kind == "infiniband" and fabric.device_plugin == "sriov":
        # the SR-IOV operator gives InfiniBand VFs random GUIDs, but a partition key per network
        # comes only from the subnet manager (UFM through ib-kubernetes), which ailz does not run
        issues.append(
            SpecIssue(
                (*base, "device_plugin"),
                "InfiniBand over SR-IOV needs GUIDs and PKeys per virtual function, and partition keys "
                "come from the subnet manager (UFM through ib-kubernetes), which ailz does not manage",
                "use device_plugin: shared (IPoIB over the RDMA shared device plugin), or RoCE with sriov",
            )
        )
    if not fabric.hcas:
        issues.append(
            SpecIssue(
                (*base, "hcas"),
                f"the {fabric.kind} fabric needs the HCAs that carry GPU traffic, and none are listed",
                "list them, e.g. hcas: [mlx5_0, mlx5_1, ...] (see `ibdev2netdev` on a node)",
            )
        )
        return issues
    if len(fabric.interfaces) != len(fabric.hcas):
        issues.append(
            SpecIssue(
                (*base, "interfaces"),
                f"{len(fabric.interfaces)} interfaces for {len(fabric.hcas)} HCAs",
                "give the network interface of each HCA in the same order (`ibdev2netdev` prints "
                "them, e.g. mlx5_0 port 1 ==> ibp24s0)",
            )
        )
    if fabric.kind == "infiniband" and fabric.gid_index is not None:
        issues.append(
            SpecIssue(
                (*base, "gid_index"),
                "gid_index selects RoCE v2 addresses; InfiniBand does not use it",
                "remove gid_index, or set kind: roce",
            )
        )
    if fabric.kind == "infiniband" and fabric.traffic_class is not None:
        issues.append(
            SpecIssue(
                (*base, "traffic_class"),
                "traffic_class sets the IP ToS byte of RoCE traffic; InfiniBand has no IP header",
                "remove traffic_class, or set kind: roce",
            )
        )
    if fabric.rail_subnets and len(fabric.rail_subnets) != len(fabric.hcas):
        issues.append(
            SpecIssue(
                (*base, "rail_subnets"),
                f"{len(fabric.rail_subnets)} rail subnets for {len(fabric.hcas)} HCAs",
                "give one subnet per HCA, or drop rail_subnets and let ailz carve ip_pool",
            )
        )
        return issues
    issues += _pools(target, fabric, base)
    if not issues:
        issues += _routes(target, fabric, base) + _exclusions(fabric, base)
    return issues


def _exclusions(fabric, base) -> list[SpecIssue]:
    """Addresses kept from pods: valid, and inside the rail they are listed for."""
    from ailz.components.onprem.fabric_manifests import address_range, rail_subnets

    if not fabric.rail_exclusions:
        return []
    if len(fabric.rail_exclusions) != len(fabric.hcas):
        return [
            SpecIssue(
                (*base, "rail_exclusions"),
                f"{len(fabric.rail_exclusions)} rail exclusion lists for {len(fabric.hcas)} HCAs",
                "give one list per HCA (empty where nothing is excluded), in the same order as hcas",
            )
        ]
    issues: list[SpecIssue] = []
    subnets = [ipaddress.ip_network(s) for s in rail_subnets(fabric)]
    for i, items in enumerate(fabric.rail_exclusions):
        for j, text in enumerate(items):
            path = (*base, "rail_exclusions", i, j)
            try:
                start, end = address_range(text)
            except ValueError as err:
                issues.append(SpecIssue(path, f"'{text}' is not an address or range ({err})",
                                        "write e.g. 172.30.0.1 or 172.30.0.1-172.30.0.31"))  # fmt: skip
                continue
            if ipaddress.ip_address(start) not in subnets[i] or ipaddress.ip_address(end) not in subnets[i]:
                issues.append(SpecIssue(path, f"{text} is not inside rail {i}'s subnet {subnets[i]}",
                                        f"exclude addresses of {subnets[i]} only"))  # fmt: skip
    return issues


def _routes(target, fabric, base) -> list[SpecIssue]:
    """L3 rails: a gateway inside each rail's subnet, and routes that leave the pod's own networks
    alone (nv-ipam hands both to the pod's interface of that rail)."""
    from ailz.components.onprem.fabric_manifests import rail_subnets

    rails = len(fabric.hcas)
    if fabric.rail_routes and not fabric.rail_gateways:
        return [
            SpecIssue(
                (*base, "rail_routes"),
                "rail_routes need a gateway on each rail to route through",
                "add rail_gateways: the router address inside each rail subnet, same order as hcas",
            )
        ]
    issues: list[SpecIssue] = []
    for key, items in (("rail_gateways", fabric.rail_gateways), ("rail_routes", fabric.rail_routes)):
        if items and len(items) != rails:
            issues.append(
                SpecIssue(
                    (*base, key),
                    f"{len(items)} {key.replace('_', ' ')} for {rails} HCAs",
                    "give one per HCA, in the same order as hcas",
                )
            )
    if issues or not fabric.rail_gateways:
        return issues
    subnets = [ipaddress.ip_network(s) for s in rail_subnets(fabric)]
    site = ipaddress.ip_network(target.network.cidr)
    for i, (gateway, subnet) in enumerate(zip(fabric.rail_gateways, subnets, strict=True)):
        address = ipaddress.ip_address(gateway)
        if address not in subnet or address in (subnet.network_address, subnet.broadcast_address):
            issues.append(
                SpecIssue(
                    (*base, "rail_gateways", i),
                    f"gateway {gateway} is not a host address of rail {i}'s subnet {subnet}",
                    f"give the router's address inside {subnet}, e.g. {next(subnet.hosts())}",
                )
            )
    for i, routes in enumerate(fabric.rail_routes):
        for j, dst in enumerate(routes):
            net = ipaddress.ip_network(dst)
            path = (*base, "rail_routes", i, j)
            if net.prefixlen == 0:
                issues.append(
                    SpecIssue(path, "a default route through a rail would take the pod's other traffic "
                              "off its own network", "route only the rails' networks, e.g. 172.30.0.0/16")
                )  # fmt: skip
            elif net.overlaps(site):
                issues.append(
                    SpecIssue(path, f"route {net} overlaps the target network {site}: the pod would "
                              "reach the cluster through the rail", "route only the rails' networks")
                )  # fmt: skip
            elif net.subnet_of(subnets[i]):  # a wider one is fine: the rail's own route is more specific
                issues.append(
                    SpecIssue(path, f"route {net} lies inside rail {i}'s own subnet {subnets[i]}, which "
                              "the pod reaches directly", "route only the networks beyond the gateway")
                )  # fmt: skip
    return issues


def _pools(target, fabric, base) -> list[SpecIssue]:
    from ailz.components.onprem.fabric_manifests import rail_subnets

    key = "rail_subnets" if fabric.rail_subnets else "ip_pool"
    try:
        subnets = [ipaddress.ip_network(s) for s in rail_subnets(fabric)]
    except ValueError as err:
        return [SpecIssue((*base, key), str(err), "use a larger ip_pool, e.g. a /16")]
    issues: list[SpecIssue] = []
    site = ipaddress.ip_network(target.network.cidr)
    nodes = sum(pool.scaling[2] for pool in target.gpu_pools)
    for i, subnet in enumerate(subnets):
        path = (*base, "rail_subnets", i) if fabric.rail_subnets else (*base, "ip_pool")
        if subnet.overlaps(site):
            issues.append(
                SpecIssue(
                    path,
                    f"rail IP pool {subnet} overlaps the target network {site}",
                    "RDMA rails need their own ranges: pick e.g. 172.30.0.0/16",
                )
            )
        for j in range(i):
            if subnet.overlaps(subnets[j]):
                issues.append(
                    SpecIssue(
                        path,
                        f"rail IP pool {subnet} overlaps rail {j} ({subnets[j]})",
                        "give every rail a disjoint subnet",
                    )
                )
        if subnet.num_addresses - 2 < nodes * MIN_ADDRESSES_PER_NODE:
            issues.append(
                SpecIssue(
                    path,
                    f"rail IP pool {subnet} is too small for {nodes} nodes "
                    f"({MIN_ADDRESSES_PER_NODE} addresses each)",
                    "use a larger subnet per rail",
                )
            )
    return issues


def _registries(target, index: int) -> list[SpecIssue]:
    registries = target.registries
    if registries is None or not registries.allowed:
        return []
    allowed = [a.rstrip("/") for a in registries.allowed]
    if registries.mirror.rstrip("/") not in allowed:
        return [
            SpecIssue(
                ("targets", index, "registries", "mirror"),
                f"mirror '{registries.mirror}' is not in registries.allowed, so pods could not pull "
                "the platform images from it",
                f"add {registries.mirror} to registries.allowed, or mirror into one of {', '.join(allowed)}",
            )
        ]
    return []
