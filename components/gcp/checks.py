"""Checks that only apply to GCP targets."""

from __future__ import annotations

from ailz.catalog import Catalog
from ailz.components.common.budget_plan import first_budgeted
from ailz.components.common.labels import gcp_labels, tag_limit_issues
from ailz.spec.errors import SpecIssue
from ailz.spec.zone import LandingZone

KEY_NAME = "projects/<project>/locations/{region}/keyRings/<ring>/cryptoKeys/<key>"


def _minor(version: str) -> tuple[int, int]:
    major, minor = version.split(".")[:2]
    return int(major), int(minor)


def _existing_network(target, base, users: dict[str, int], warm: bool) -> list[SpecIssue]:
    """An existing network's own ranges, and what ailz still needs next to it."""
    import ipaddress

    from ailz.components.gcp import network_plan

    existing = target.network.existing
    path = (*base, "network", "existing")
    issues = []
    primary = ipaddress.ip_network(target.network.cidr)
    control = ipaddress.ip_network(existing.control_plane_cidr)
    if control.prefixlen != 28 or control.overlaps(primary):
        issues.append(
            SpecIssue(
                (*path, "control_plane_cidr"),
                f"{control} is not a /28 outside the subnet's {primary}",
                "GKE's private control plane takes a /28 that no subnet of the network uses",
            )
        )
    if users and existing.gpu_cidr is None:
        issues.append(
            SpecIssue(
                path,
                f"the GPU pools need {len(users)} GPU NIC subnets, carved from gpu_cidr",
                "add gpu_cidr: a private range no subnet of the node's networks uses, e.g. a /20",
            )
        )
    elif users:
        gpu = ipaddress.ip_network(existing.gpu_cidr)
        if gpu.overlaps(primary) or gpu.overlaps(control):
            issues.append(
                SpecIssue(
                    (*path, "gpu_cidr"),
                    f"{gpu} overlaps the node subnet or control plane",
                    "use a range of its own",
                )
            )
        try:
            network_plan.plan_extra_subnets(existing.gpu_cidr, users)
        except network_plan.AddressPlanError as err:
            issues.append(SpecIssue((*path, "gpu_cidr"), str(err), "use a larger gpu_cidr"))
    if warm and existing.private_services_range is None:
        issues.append(
            SpecIssue(
                path,
                "a warm tier reaches the network through private services access, the network team's",
                "name the network's private services access range in private_services_range",
            )
        )
    return issues


def _cluster_size(target, base, catalog: Catalog) -> list[SpecIssue]:
    """Every node the target's pools may reach must fit one GKE Standard cluster."""
    from ailz.components.gcp.network_plan import SYSTEM_NODES

    limit = catalog.gke_limits.nodes_per_cluster
    nodes = SYSTEM_NODES + sum(pool.scaling[2] for pool in target.gpu_pools)
    if nodes <= limit:
        return []
    return [
        SpecIssue(
            (*base, "gpu_pools"),
            f"the pools reach {nodes} nodes with the system pool; a GKE Standard cluster holds {limit}",
            "split the pools over more gcp targets (each is a cluster of its own)",
        )
    ]


def _fabric_mix(target, base, catalog: Catalog) -> list[SpecIssue]:
    """GPUDirect plugins that must not share a cluster (GPUDirect RDMA next to TCPX/TCPXO)."""
    installers = catalog.gpudirect_host.installers
    profiles = {}
    for j, pool in enumerate(target.gpu_pools):
        machine = catalog.machines.get(pool.machine)
        if machine is not None and machine.provider == "gcp":
            profiles.setdefault(machine.nccl_profile, (j, pool))
    issues = []
    for profile, (_, pool) in profiles.items():
        installer = installers.get(profile)
        for other in installer.excludes if installer else []:
            if other in profiles:
                k, clash = profiles[other]
                issues.append(
                    SpecIssue(
                        (*base, "gpu_pools", k, "machine"),
                        f"pool '{clash.name}' ({clash.machine}, GPUDirect {other.upper()}) cannot share "
                        f"a cluster with pool '{pool.name}' ({pool.machine}, GPUDirect RDMA): Google says "
                        f"not to install the {other.upper()} plugin on clusters that use GPUDirect RDMA",
                        f"move pool '{clash.name}' to a gcp target of its own (its own cluster)",
                    )
                )
    return issues


def _zone_exists(target, catalog: Catalog) -> bool:
    """A zone that does not exist is reported once (spec/checks.py), not again per machine."""
    region = catalog.gcp_regions.regions.get(target.region)
    return region is not None and target.zone.removeprefix(f"{target.region}-") in region.zones


def _kubernetes_version(target, base, catalog: Catalog) -> list[SpecIssue]:
    """A minor the REGULAR release channel, which ailz enrols clusters in, offers."""
    if target.existing_cluster is not None:
        return []
    versions, version = catalog.gke_versions, target.kubernetes.version
    if version in versions.regular:
        return []
    elsewhere = versions.other_channels.get(version)
    why = (
        f"is offered only in GKE's {elsewhere} release channel; ailz enrols clusters in REGULAR"
        if elsewhere
        else "is not a minor GKE offers"
    )
    return [
        SpecIssue(
            (*base, "kubernetes", "version"),
            f'Kubernetes "{version}" {why} (catalog as of {versions.as_of})',
            "set kubernetes.version to " + " or ".join(f'"{v}"' for v in versions.regular),
        )
    ]


def _budget_alerts(zone: LandingZone, target) -> list[SpecIssue]:
    """Cloud Billing budgets live in a billing account the spec names; said once for all GCP targets."""
    budgeted = first_budgeted(zone, target)
    if budgeted is None or zone.cost.budget_alerts.gcp_billing_account:
        return []
    return [
        SpecIssue(
            ("cost", "budget_alerts"),
            f"Cloud Billing budgets for target '{budgeted}' need the billing account they live in",
            "add gcp_billing_account: <XXXXXX-XXXXXX-XXXXXX> (the account project "
            f"'{zone.target(budgeted).project}' bills to, billing in USD)",
        )
    ]


def check_gcp_target(zone: LandingZone, index: int, catalog: Catalog) -> list[SpecIssue]:
    """Problems in zone.targets[index], a GCP target."""
    # components.gcp planners are pure (no provider SDK), so checks can reuse them
    from ailz.components.gcp import network_plan
    from ailz.components.gcp.warm_tiers import capacity_problem, csi_min_gke_version

    target = zone.targets[index]
    base = ("targets", index)
    issues: list[SpecIssue] = _fabric_mix(target, base, catalog) + _cluster_size(target, base, catalog)
    issues += tag_limit_issues(zone, index, catalog, gcp_labels, "GCP")
    issues += _kubernetes_version(target, base, catalog)
    issues += _budget_alerts(zone, target)
    for j, pool in enumerate(target.gpu_pools):
        if pool.capacity.placement_group is not None:
            issues.append(
                SpecIssue(
                    (*base, "gpu_pools", j, "capacity", "placement_group"),
                    "placement_group is an AWS setting",
                    "remove it: GKE places a pool by COMPACT placement or by its reservation block",
                )
            )
        machine = catalog.machines.get(pool.machine)
        if machine is None or machine.provider != "gcp":
            continue  # reported by the common pool checks
        if machine.zones is not None and target.zone not in machine.zones and _zone_exists(target, catalog):
            fabric = "the RoCE RDMA network profile (<zone>-vpc-roce)" if machine.gcp.rdma_nics else "it"
            issues.append(
                SpecIssue(
                    (*base, "zone"),
                    f"{machine.name} (pool '{pool.name}') needs {fabric}, which is not known in "
                    f"zone '{target.zone}'",
                    f"use one of {', '.join(machine.zones)}; if `gcloud compute network-profiles list "
                    f"--filter=location.name={target.zone}` lists {target.zone}-vpc-roce, add the zone "
                    "to the machine with a catalog overlay (--catalog FILE)",
                )
            )
        minimum = machine.gcp.min_gke_version
        if _minor(target.kubernetes.version) < _minor(minimum):
            issues.append(
                SpecIssue(
                    (*base, "kubernetes", "version"),
                    f"{machine.name} (pool '{pool.name}') needs GKE {minimum} or later",
                    f'set kubernetes.version to "{".".join(minimum.split(".")[:2])}" or later',
                )
            )
        if pool.capacity.reservation_block and pool.capacity.kind != "reservation":
            issues.append(
                SpecIssue(
                    (*base, "gpu_pools", j, "capacity", "reservation_block"),
                    "a reservation block only applies to kind: reservation",
                    "set kind: reservation with reservation_id, or drop reservation_block",
                )
            )
    warm = target.storage.warm
    lustre = warm is not None and warm.kind == "lustre"
    filestore = warm is not None and warm.kind == "filestore"
    pools = [
        (pool.scaling[2], catalog.machines[pool.machine])
        for pool in target.gpu_pools
        if pool.machine in catalog.machines and catalog.machines[pool.machine].provider == "gcp"
    ]
    try:
        users = network_plan.nic_users(pools)
    except ValueError as err:
        issues.append(SpecIssue((*base, "gpu_pools"), str(err), "put these pools in separate targets"))
        users = {}
    existing = target.network.existing
    if existing is not None:
        issues += _existing_network(target, base, users, warm is not None)
    else:
        try:
            network_plan.plan_addresses(
                target.network.cidr,
                users,
                sum(pool.scaling[2] for pool in target.gpu_pools),
                warm is not None,
            )
        except network_plan.AddressPlanError as err:
            issues.append(SpecIssue((*base, "network", "cidr"), str(err), "pick a larger private range"))

    if warm is not None and not (lustre or filestore):
        issues.append(
            SpecIssue(
                (*base, "storage", "warm", "kind"),
                f"warm tier '{warm.kind}' is not available on GCP",
                "use kind: lustre (Google Cloud Managed Lustre) or kind: filestore (Filestore Zonal)",
            )
        )
    if lustre:
        from ailz.components.gcp.warm_tiers import DEFAULT_CAPACITY_GIB, DEFAULT_THROUGHPUT

        capacity = warm.capacity_gib or DEFAULT_CAPACITY_GIB
        throughput = warm.throughput_per_tib or DEFAULT_THROUGHPUT
        problem = capacity_problem(capacity, throughput)
        tier = catalog.managed_lustre.tiers.get(throughput)
        lustre_min = csi_min_gke_version()
        if _minor(target.kubernetes.version) < _minor(lustre_min):
            issues.append(
                SpecIssue(
                    (*base, "kubernetes", "version"),
                    f"the GKE Managed Lustre CSI driver needs GKE {lustre_min} or later",
                    f'set kubernetes.version to "{".".join(lustre_min.split(".")[:2])}" or later',
                )
            )
        if problem:
            issues.append(
                SpecIssue(
                    (*base, "storage", "warm"),
                    f"Managed Lustre: {problem}",
                    (
                        f"use capacity_gib {' or '.join(map(str, tier.sizes_near(capacity)))}; "
                        + tier.describe(throughput)
                    )
                    if tier is not None
                    else "use throughput_per_tib "
                    + " or ".join(map(str, sorted(catalog.managed_lustre.tiers))),
                )
            )

    if filestore:
        from ailz.components.gcp.warm_tiers import DEFAULT_FILESTORE_GIB, filestore_problem

        capacity = warm.capacity_gib or DEFAULT_FILESTORE_GIB
        problem = filestore_problem(capacity)
        if problem:
            ranges = "; ".join(
                f"{r.min_gib}-{r.max_gib} GiB in steps of {r.step_gib}"
                for r in catalog.filestore_zonal.ranges
            )
            near = " or ".join(map(str, catalog.filestore_zonal.sizes_near(capacity)))
            issues.append(
                SpecIssue(
                    (*base, "storage", "warm", "capacity_gib"),
                    f"{capacity} GiB: {problem}",
                    f"use {near} (Filestore Zonal sizes: {ranges})",
                )
            )
        if warm.throughput_per_tib is not None:
            issues.append(
                SpecIssue(
                    (*base, "storage", "warm", "throughput_per_tib"),
                    "throughput_per_tib is a Managed Lustre setting; Filestore Zonal scales with capacity",
                    "drop throughput_per_tib, or use kind: lustre",
                )
            )

    if zone.residency.key_management == "external":
        for data_class, key in target.encryption.external_keys.items():
            parts = key.split("/")
            if len(parts) != 8 or parts[0] != "projects" or parts[6] != "cryptoKeys":
                issues.append(
                    SpecIssue(
                        (*base, "encryption", "external_keys", data_class),
                        f"'{key}' is not a Cloud KMS key name",
                        f"write {KEY_NAME.format(region=target.region)} (a Cloud EKM or HSM key)",
                    )
                )
            elif parts[3] != target.region:
                issues.append(
                    SpecIssue(
                        (*base, "encryption", "external_keys", data_class),
                        f"key location '{parts[3]}' differs from the target region '{target.region}'",
                        "GKE, Cloud Storage and Lustre need a key in the same region; use a key ring "
                        f"in {target.region}",
                    )
                )
    return issues
