"""Checks that only apply to AWS targets: everything AWS would refuse, found before synthesis."""

from __future__ import annotations

import ipaddress
import re

from ailz.catalog import Catalog, load_catalog
from ailz.components.aws.address_plan import QuotaExceeded, SubnetsFull, plan_node_groups
from ailz.components.aws.cidr_plan import MAX_VPC_PREFIX, MIN_VPC_PREFIX, service_cidr
from ailz.components.common.budget_plan import first_budgeted, has_budgets
from ailz.components.common.labels import aws_tags, tag_limit_issues
from ailz.spec.errors import SpecIssue
from ailz.spec.zone import LandingZone

# FSx for Lustre PERSISTENT_2 sizes and throughputs: catalog/aws.yaml `fsx_lustre`.

_RESERVATION_ID = re.compile(r"^cr-[0-9a-f]{8,17}$")
_KMS_KEY_ARN = re.compile(r"^arn:aws[a-z-]*:kms:([a-z0-9-]+):\d{12}:key/[A-Za-z0-9-]+$")
_IAM_PRINCIPAL_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:(role|user)/[\w+=,.@/-]+$")


def valid_lustre_capacity(gib: int) -> bool:
    return load_catalog().fsx_lustre.valid_capacity(gib)


def next_lustre_capacity(gib: int) -> int:
    facts = load_catalog().fsx_lustre
    smallest = min(facts.small_sizes_gib)
    if gib <= smallest:
        return smallest
    return -(-gib // facts.increment_gib) * facts.increment_gib


def _lustre_neighbours(gib: int) -> list[int]:
    """The valid FSx for Lustre sizes just below and above `gib`."""
    facts = load_catalog().fsx_lustre
    valid_below = [s for s in facts.small_sizes_gib if s < gib]
    step_below = gib // facts.increment_gib * facts.increment_gib
    below = max([*valid_below, step_below] if step_below else valid_below, default=None)
    return [s for s in (below, next_lustre_capacity(gib)) if s is not None]


def check_aws_target(zone: LandingZone, index: int, catalog: Catalog) -> list[SpecIssue]:
    """Problems in zone.targets[index], an AWS target."""
    target = zone.targets[index]
    base = ("targets", index)
    issues: list[SpecIssue] = []
    issues += _network(target, base, catalog)
    issues += _services(zone, target, base, catalog)
    issues += _pools(target, base, catalog)
    issues += _storage(target, base)
    issues += _identities(zone, target, base)
    issues += tag_limit_issues(zone, index, catalog, aws_tags, "AWS")
    issues += _kubernetes_version(target, base, catalog)
    issues += _budget_alerts(zone, target, catalog)
    return issues


def _budget_alerts(zone: LandingZone, target, catalog: Catalog) -> list[SpecIssue]:
    """Every AWS budget notification needs a subscriber (CreateBudget); said once for all AWS targets."""
    alerts = zone.cost.budget_alerts
    # budgets are in USD in the target's account, which some partitions do not bill
    elsewhere = catalog.aws_limits.budgets.unsupported_region_prefixes
    partition = next((n for p, n in elsewhere.items() if target.region.startswith(p)), None)
    if partition is not None and has_budgets(zone, target.name):
        return [
            SpecIssue(
                ("cost", "budget_alerts"),
                f"target '{target.name}' is in {partition}, where ailz cannot create its USD budgets",
                "put the target in a zone of its own without budget_alerts and create its budget where "
                "the account is billed (a GovCloud account's standard account; in CNY in China)",
            )
        ]
    budgeted = first_budgeted(zone, target)
    if budgeted is None or alerts.emails or alerts.aws_sns_topic_arn:
        return []
    return [
        SpecIssue(
            ("cost", "budget_alerts"),
            f"AWS Budgets for target '{budgeted}' need someone to alert",
            "add emails: [<address>] or aws_sns_topic_arn: <standard topic in the target's account>",
        )
    ]


def _kubernetes_version(target, base, catalog: Catalog) -> list[SpecIssue]:
    """A minor EKS creates with the STANDARD upgrade policy: one still in standard support."""
    if target.existing_cluster is not None:
        return []
    versions, version = catalog.eks_versions, target.kubernetes.version
    if version in versions.standard:
        return []
    offered = " or ".join(f'"{v}"' for v in versions.standard)
    why = (
        "is in extended support on EKS since its standard support ended; ailz creates clusters with "
        "the STANDARD upgrade policy (upgraded at the end of standard support, no extended-support "
        "charge), which EKS allows only on a minor in standard support"
        if version in versions.extended
        else "is not a minor EKS offers"
    )
    return [
        SpecIssue(
            (*base, "kubernetes", "version"),
            f'Kubernetes "{version}" {why} (catalog as of {versions.as_of})',
            f"set kubernetes.version to {offered}",
        )
    ]


def _network(target, base, catalog: Catalog) -> list[SpecIssue]:
    network = target.network
    net = ipaddress.ip_network(network.cidr)
    path = (*base, "network", "cidr")
    if not MIN_VPC_PREFIX <= net.prefixlen <= MAX_VPC_PREFIX:
        return [
            SpecIssue(
                path,
                f"a /{net.prefixlen} VPC is outside what ailz carves "
                f"(/{MIN_VPC_PREFIX} to /{MAX_VPC_PREFIX})",
                "use a /16 to /22 private range, e.g. 10.20.0.0/16",
            )
        ]
    if not net.is_private:
        return [SpecIssue(path, f"{net} is not a private (RFC 1918) range", "use e.g. 10.20.0.0/16")]
    issues = _secondary_cidrs(network, base, catalog)
    if issues or any(_not_aws(catalog, p.machine) for p in target.gpu_pools):
        return issues  # unknown and other clouds' machines are reported by the common checks
    try:
        plan_node_groups(target, catalog)
    except QuotaExceeded as err:
        return [
            SpecIssue(
                (*base, "gpu_pools"),
                str(err),
                "ask AWS to raise the quota and state it in eks_quotas, or split the pools over more targets",
            )
        ]
    except SubnetsFull as err:
        key = "secondary_cidrs" if network.secondary_cidrs else "cidr"
        return [SpecIssue((*base, "network", key), str(err), _more_addresses(target))]
    return []


def target_service_cidr(zone: LandingZone, target, catalog: Catalog) -> str | None:
    """The cluster's Kubernetes service range, clear of the VPC, connected and peered networks."""
    peers = [t.network.cidr for t in zone.targets if t.name in target.network.peer_with]
    return service_cidr(
        [target.network.cidr, *target.network.secondary_cidrs],
        [*target.kubernetes.connected_cidrs, *peers],
        [str(c) for c in catalog.eks_service_cidrs.candidates],
    )


def _services(zone: LandingZone, target, base, catalog: Catalog) -> list[SpecIssue]:
    if target_service_cidr(zone, target, catalog) is not None:
        return []
    ranges = ", ".join(str(c) for c in catalog.eks_service_cidrs.candidates)
    return [
        SpecIssue(
            (*base, "kubernetes", "connected_cidrs"),
            f"every Kubernetes service range EKS offers ({ranges}) overlaps the VPC or a connected network",
            "leave one of them free: services would shadow that network's addresses inside the cluster",
        )
    ]


def _not_aws(catalog: Catalog, name: str) -> bool:
    machine = catalog.machines.get(name)
    return machine is None or machine.provider != "aws" or machine.vpc_limits is None


def _more_addresses(target) -> str:
    network = target.network
    if network.secondary_cidrs:
        return "add or enlarge network.secondary_cidrs (up to a /16 each), or lower max_nodes"
    if ipaddress.ip_network(network.cidr).prefixlen > MIN_VPC_PREFIX:
        return (
            "use a larger VPC (the GPU subnet is a quarter of it) or add network.secondary_cidrs, "
            "e.g. [100.64.0.0/16], for the GPU nodes"
        )
    return "add network.secondary_cidrs, e.g. [100.64.0.0/16]: GPU nodes and their pods take addresses there"


# RFC 6598 shared address space, which AWS accepts as a secondary VPC block next to any private primary
SHARED_ADDRESS_SPACE = ipaddress.ip_network("100.64.0.0/10")


def _secondary_cidrs(network, base, catalog: Catalog) -> list[SpecIssue]:
    """Secondary blocks AWS would refuse to associate, or that ailz could not carve."""
    path = (*base, "network", "secondary_cidrs")
    if network.secondary_cidrs and network.existing is not None:
        return [
            SpecIssue(
                path,
                "an existing VPC's CIDR blocks are its network team's",
                "associate the block with the VPC yourself and list its subnets in existing.gpu_subnet_ids",
            )
        ]
    issues: list[SpecIssue] = []
    vpc = catalog.aws_vpc
    primary = ipaddress.ip_network(network.cidr)
    seen = [primary]
    for k, cidr in enumerate(network.secondary_cidrs):
        block = ipaddress.ip_network(cidr)
        where = (*path, k)
        allowed = block.is_private or block.subnet_of(SHARED_ADDRESS_SPACE)
        if not allowed or not vpc.min_vpc_prefix <= block.prefixlen <= vpc.max_vpc_prefix:
            issues.append(
                SpecIssue(
                    where,
                    f"{block} is not a private or RFC 6598 block of /{vpc.min_vpc_prefix} to "
                    f"/{vpc.max_vpc_prefix}",
                    "use e.g. 100.64.0.0/16",
                )
            )
            continue
        clash = next((other for other in seen if block.overlaps(other)), None)
        if clash is not None:
            issues.append(SpecIssue(where, f"{block} overlaps {clash}", "use a block of its own"))
            continue
        for key, refused in vpc.secondary_exclusions.items():
            if not primary.subnet_of(ipaddress.ip_network(key)):
                continue
            bad = next((r for r in refused if block.overlaps(r)), None)
            if bad is not None:
                issues.append(
                    SpecIssue(
                        where,
                        f"AWS refuses a secondary block in {bad} on a VPC whose primary CIDR is in {key}",
                        "use 100.64.0.0/10 space, e.g. 100.64.0.0/16",
                    )
                )
                break
        seen.append(block)
    if len(network.secondary_cidrs) + 1 > vpc.cidr_blocks_per_vpc:
        issues.append(
            SpecIssue(
                path, f"a VPC holds {vpc.cidr_blocks_per_vpc} CIDR blocks by default", "list fewer blocks"
            )
        )
    return issues


def _pools(target, base, catalog: Catalog) -> list[SpecIssue]:
    issues = []
    for j, pool in enumerate(target.gpu_pools):
        path = (*base, "gpu_pools", j)
        if pool.capacity.kind == "capacity-block" and pool.capacity.placement_group is not None:
            issues.append(
                SpecIssue(
                    (*path, "capacity", "placement_group"),
                    "EC2 places the instances of a Capacity Block itself; it takes no placement group",
                    "remove placement_group from this pool",
                )
            )
        machine = catalog.machines.get(pool.machine)
        if machine is None or machine.provider != "aws":
            continue  # reported by the common checks
        known = catalog.aws_regions.regions.get(target.region)
        zone_exists = known is not None and target.zone.removeprefix(target.region) in known.zones
        if machine.zones is not None and target.zone not in machine.zones and zone_exists:
            issues.append(
                SpecIssue(
                    (*base, "zone"),
                    f"{machine.name} (pool '{pool.name}') is not offered in {target.zone}",
                    f"zones offering it: {', '.join(machine.zones)}",
                )
            )
        cap = pool.capacity
        if cap.reservation_id and not _RESERVATION_ID.match(cap.reservation_id):
            issues.append(
                SpecIssue(
                    (*path, "capacity", "reservation_id"),
                    f"'{cap.reservation_id}' is not an EC2 capacity reservation id",
                    "AWS ODCR and Capacity Block ids look like cr-0123456789abcdef0",
                )
            )
        if cap.reservation_block:
            issues.append(
                SpecIssue(
                    (*path, "capacity", "reservation_block"),
                    "reservation_block is a GCP setting",
                    "remove it; on AWS the reservation_id alone names the reservation",
                )
            )
    return issues


def _storage(target, base) -> list[SpecIssue]:
    issues = []
    storage = target.storage
    if storage.hot and storage.hot.kind != "local-nvme":
        issues.append(
            SpecIssue(
                (*base, "storage", "hot", "kind"), f"'{storage.hot.kind}' is a GCP hot tier", "use local-nvme"
            )
        )
    warm = storage.warm
    if warm is not None:
        path = (*base, "storage", "warm")
        if warm.kind != "lustre":
            issues.append(
                SpecIssue(
                    (*path, "kind"), f"warm tier '{warm.kind}' is not available on AWS", "use kind: lustre"
                )
            )
        lustre = load_catalog().fsx_lustre
        if warm.capacity_gib is not None and not valid_lustre_capacity(warm.capacity_gib):
            issues.append(
                SpecIssue(
                    (*path, "capacity_gib"),
                    f"{warm.capacity_gib} GiB is not a valid FSx for Lustre PERSISTENT_2 size",
                    f"use {', '.join(map(str, lustre.small_sizes_gib))} or a multiple of "
                    f"{lustre.increment_gib} GiB: the nearest are "
                    + " or ".join(str(s) for s in _lustre_neighbours(warm.capacity_gib)),
                )
            )
        if warm.throughput_per_tib is not None and warm.throughput_per_tib not in lustre.throughputs_per_tib:
            issues.append(
                SpecIssue(
                    (*path, "throughput_per_tib"),
                    f"{warm.throughput_per_tib} MB/s/TiB is not a PERSISTENT_2 throughput tier",
                    f"use one of {', '.join(map(str, lustre.throughputs_per_tib))}",
                )
            )
        for key in ("csi_driver", "parameters"):
            if getattr(warm, key):
                issues.append(
                    SpecIssue((*path, key), f"{key} is an on-prem setting", "remove it for AWS targets")
                )
    cold = storage.cold
    if cold is not None:
        for key in ("endpoint", "credentials_secret"):
            if getattr(cold, key):
                issues.append(
                    SpecIssue(
                        (*base, "storage", "cold", key),
                        f"{key} is an on-prem setting",
                        "remove it; AWS targets use S3 in the target's region",
                    )
                )
    return issues


def _identities(zone: LandingZone, target, base) -> list[SpecIssue]:
    issues = []
    for k, arn in enumerate(target.kubernetes.admin_roles):
        if not _IAM_PRINCIPAL_ARN.match(arn):
            issues.append(
                SpecIssue(
                    (*base, "kubernetes", "admin_roles", k),
                    f"'{arn}' is not an IAM role or user ARN",
                    "write e.g. arn:aws:iam::111122223333:role/platform-admin",
                )
            )
    if zone.residency.key_management == "external":
        for data_class, arn in target.encryption.external_keys.items():
            path = (*base, "encryption", "external_keys", data_class)
            match = _KMS_KEY_ARN.match(arn)
            if not match:
                issues.append(
                    SpecIssue(
                        path,
                        f"'{arn}' is not a KMS key ARN",
                        "give the ARN of the external-store (XKS) or CloudHSM-backed key, "
                        "e.g. arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
                    )
                )
            elif match[1] != target.region:
                issues.append(
                    SpecIssue(
                        path,
                        f"the key is in {match[1]}, but this target is in {target.region}",
                        "KMS keys are regional: use a key in the target's region",
                    )
                )
    return issues
