"""Cross-field checks on a validated zone: catalog, residency, capacity, names, networks."""

from __future__ import annotations

import difflib
import ipaddress
from collections import Counter

from ailz.catalog import Catalog, load_catalog
from ailz.spec.errors import SpecIssue
from ailz.spec.kinds import KindSet
from ailz.spec.zone import LandingZone

SYNCHRONOUS_PURPOSES = ("training",)


def check_zone(zone: LandingZone, kinds: KindSet, catalog: Catalog | None = None) -> list[SpecIssue]:
    """Every problem found, each with the path it concerns and the fix. Checks that only make sense
    for one kind of target live in that kind's package and come through `kinds`."""
    catalog = catalog or load_catalog()
    issues: list[SpecIssue] = []
    issues += _duplicates(zone)
    issues += _residency(zone)
    issues += _regions(zone, catalog)
    issues += _jurisdictions(zone, catalog)
    issues += _pools(zone, catalog)
    issues += _networks(zone)
    issues += _teams(zone, catalog)
    issues += _keys(zone)
    issues += _egress(zone)
    issues += _api_access(zone)
    for index, target in enumerate(zone.targets):
        issues += kinds[target.kind].check(zone, index, catalog)
    return issues


def _dupes(names: list[str]) -> set[str]:
    return {name for name, n in Counter(names).items() if n > 1}


def _duplicates(zone: LandingZone) -> list[SpecIssue]:
    issues = []
    twice = _dupes([t.name for t in zone.targets])
    for i, target in enumerate(zone.targets):
        if target.name in twice:
            issues.append(
                SpecIssue(
                    ("targets", i, "name"),
                    f"target name '{target.name}' is used twice",
                    "give every target its own name",
                )
            )
        pool_twice = _dupes([p.name for p in target.gpu_pools])
        for j, pool in enumerate(target.gpu_pools):
            if pool.name in pool_twice:
                issues.append(
                    SpecIssue(
                        ("targets", i, "gpu_pools", j, "name"),
                        f"pool name '{pool.name}' is used twice in this target",
                        "give every pool of a target its own name",
                    )
                )
    team_twice = _dupes([t.name for t in zone.teams])
    for k, team in enumerate(zone.teams):
        if team.name in team_twice:
            issues.append(
                SpecIssue(
                    ("teams", k, "name"),
                    f"team name '{team.name}' is used twice",
                    "give every team its own name",
                )
            )
    return issues


def _residency(zone: LandingZone) -> list[SpecIssue]:
    allowed = zone.residency.allowed_regions
    issues = []
    for i, target in enumerate(zone.targets):
        if target.region not in allowed:
            issues.append(
                SpecIssue(
                    ("targets", i, "region"),
                    f"region '{target.region}' is outside residency.allowed_regions",
                    f"use one of {', '.join(allowed)}, or add the region to residency.allowed_regions "
                    "if the jurisdiction permits it",
                )
            )
        zone_name = target.availability_zone
        example = target.zone_example.format(region=target.region)
        if zone_name and not _in_region(zone_name, target):
            issues.append(
                SpecIssue(
                    ("targets", i, "zone"),
                    f"zone '{zone_name}' is not in region '{target.region}'",
                    f"pick a zone of {target.region}, e.g. {example}",
                )
            )
    return issues


OVERLAY_HINT = (
    "a region or zone newer than ailz's catalog comes in through a catalog overlay (--catalog FILE)"
)


def _zone_prefix(target) -> str:
    """What every zone name of the target's region starts with: 'eu-west-1', 'europe-west4-'."""
    return target.zone_example.format(region=target.region)[:-1]


def _in_region(zone_name: str, target) -> bool:
    """europe-west10-a is not a zone of europe-west1, though it starts with it."""
    rest = zone_name.removeprefix(_zone_prefix(target))
    return zone_name.startswith(_zone_prefix(target)) and bool(rest) and not rest[0].isdigit()


def _regions(zone: LandingZone, catalog: Catalog) -> list[SpecIssue]:
    """Cloud regions and zones that exist (the catalog's list, with its date and source)."""
    issues = []
    for i, target in enumerate(zone.targets):
        if target.regions_catalog is None:
            continue
        known = getattr(catalog, target.regions_catalog)
        region = known.regions.get(target.region)
        if region is None:
            close = difflib.get_close_matches(target.region, list(known.regions), n=3, cutoff=0.75)
            issues.append(
                SpecIssue(
                    ("targets", i, "region"),
                    f"region '{target.region}' is not an {target.kind.upper()} region "
                    f"(catalog as of {known.as_of})",
                    (f"did you mean {' or '.join(repr(c) for c in close)}? " if close else "")
                    + f"`ailz catalog regions {target.kind}` lists them; {OVERLAY_HINT}",
                )
            )
            continue
        zone_name = target.availability_zone
        if not zone_name or not _in_region(zone_name, target):
            continue  # _residency names a zone outside its region
        letter = zone_name[len(_zone_prefix(target)) :]
        if letter not in region.zones:
            zones = [_zone_prefix(target) + z for z in region.zones]
            issues.append(
                SpecIssue(
                    ("targets", i, "zone"),
                    f"zone '{zone_name}' does not exist in {target.region}",
                    f"use one of {', '.join(zones)}; {OVERLAY_HINT}",
                )
            )
    return issues


def _jurisdictions(zone: LandingZone, catalog: Catalog) -> list[SpecIssue]:
    """Every cloud region inside at least one of residency.jurisdictions (by the region's country)."""
    named = zone.residency.jurisdictions
    if not named:
        return []
    issues, covered = [], set()
    groups = ", ".join(sorted(catalog.jurisdictions.groups))
    known = {
        r.country for section in (catalog.aws_regions, catalog.gcp_regions) for r in section.regions.values()
    }
    known |= {c for members in catalog.jurisdictions.groups.values() for c in members}
    for k, name in enumerate(named):
        countries = catalog.jurisdictions.countries(name)
        if countries is not None and name not in catalog.jurisdictions.groups and name not in known:
            countries = None  # a well-formed code no cloud region or group of the catalog knows
        if countries is None:
            issues.append(
                SpecIssue(
                    ("residency", "jurisdictions", k),
                    f"unknown jurisdiction '{name}'",
                    f"name an ISO 3166-1 country code (DE, FR, CH, US) or one of {groups}",
                )
            )
        else:
            covered |= countries
    if issues:
        return issues
    by_region = {
        name: r
        for section in (catalog.aws_regions, catalog.gcp_regions)
        for name, r in section.regions.items()
    }
    for k, name in enumerate(zone.residency.allowed_regions):
        region = by_region.get(name)
        if region is not None and region.country not in covered:
            issues.append(
                SpecIssue(
                    ("residency", "allowed_regions", k),
                    f"allowed region '{name}' is in {region.country}, outside residency.jurisdictions "
                    f"[{', '.join(named)}]: the two residency rules contradict each other",
                    "remove the region from allowed_regions, or correct residency.jurisdictions",
                )
            )
    for i, target in enumerate(zone.targets):
        if target.regions_catalog is None:
            continue
        region = getattr(catalog, target.regions_catalog).regions.get(target.region)
        if region is not None and region.country not in covered:
            issues.append(
                SpecIssue(
                    ("targets", i, "region"),
                    f"region '{target.region}' is in {region.country}, outside residency.jurisdictions "
                    f"[{', '.join(named)}]",
                    f"choose a region in {' or '.join(named)}, or correct residency.jurisdictions",
                )
            )
    return issues


def _pools(zone: LandingZone, catalog: Catalog) -> list[SpecIssue]:
    issues = []
    for i, target in enumerate(zone.targets):
        for j, pool in enumerate(target.gpu_pools):
            base = ("targets", i, "gpu_pools", j)
            machine = catalog.machines.get(pool.machine)
            if machine is None:
                names = [m.name for m in catalog.for_provider(target.kind)]
                close = difflib.get_close_matches(pool.machine, names, n=1, cutoff=0.5)
                hint = (f"did you mean '{close[0]}'? " if close else "") + (
                    f"{target.kind} machines: {', '.join(names)}"
                )
                issues.append(SpecIssue((*base, "machine"), f"unknown machine '{pool.machine}'", hint))
            elif machine.provider != target.kind:
                names = [m.name for m in catalog.for_provider(target.kind)]
                issues.append(
                    SpecIssue(
                        (*base, "machine"),
                        f"'{pool.machine}' is a {machine.provider} machine, but this target is "
                        f"kind {target.kind}",
                        f"{target.kind} machines: {', '.join(names)}",
                    )
                )
            cap = pool.capacity
            low, _, high = pool.scaling
            if cap.reserved_nodes is not None and high > cap.reserved_nodes:
                issues.append(
                    SpecIssue(
                        (*base, "nodes"),
                        f"pool can grow to {high} nodes but its reservation holds {cap.reserved_nodes}",
                        f"set nodes/max_nodes to at most {cap.reserved_nodes}, or enlarge the "
                        "reservation first",
                    )
                )
            if cap.kind == "spot" and pool.purpose in SYNCHRONOUS_PURPOSES:
                issues.append(
                    SpecIssue(
                        (*base, "capacity", "kind"),
                        "spot capacity is refused for synchronous training pools: one reclaimed node "
                        "stops the whole job",
                        "use on-demand, reservation or capacity-block, or set purpose: batch",
                    )
                )
            if cap.kind not in target.capacity_kinds:
                issues.append(
                    SpecIssue(
                        (*base, "capacity", "kind"),
                        f"{cap.kind} is not a capacity kind of {target.kind} targets",
                        f"use one of {', '.join(target.capacity_kinds)} (reservation with reservation_id)",
                    )
                )
            if cap.kind == "capacity-block" and low != high:
                issues.append(
                    SpecIssue(
                        (*base, "min_nodes"),
                        "a Capacity Block has a fixed size; the pool cannot scale",
                        "drop min_nodes/max_nodes or set them equal to nodes",
                    )
                )
        issues += _shared_reservations(target, i)
    return issues


def _shared_reservations(target, index: int) -> list[SpecIssue]:
    """Pools that draw on one reservation cannot together grow past what it holds."""
    sharing: dict[str, list[tuple[int, object]]] = {}
    for j, pool in enumerate(target.gpu_pools):
        if pool.capacity.reservation_id:
            sharing.setdefault(pool.capacity.reservation_id, []).append((j, pool))
    issues = []
    for reservation, pools in sharing.items():
        held = [p.capacity.reserved_nodes for _, p in pools if p.capacity.reserved_nodes is not None]
        if len(pools) < 2 or not held:
            continue
        total = sum(p.scaling[2] for _, p in pools)
        if total > min(held):
            names = ", ".join(f"{p.name} {p.scaling[2]}" for _, p in pools)
            issues.append(
                SpecIssue(
                    ("targets", index, "gpu_pools", pools[-1][0], "capacity", "reserved_nodes"),
                    f"pools {names} draw on reservation {reservation} and can grow to {total} nodes, "
                    f"but it holds {min(held)}",
                    f"keep the pools' nodes/max_nodes to {min(held)} in all, or enlarge the reservation",
                )
            )
    return issues


def _networks(zone: LandingZone) -> list[SpecIssue]:
    issues = []
    index = {t.name: i for i, t in enumerate(zone.targets)}
    pairs: set[tuple[int, int]] = set()
    for i, target in enumerate(zone.targets):
        for k, peer in enumerate(target.network.peer_with):
            path = ("targets", i, "network", "peer_with", k)
            if peer not in index:
                issues.append(
                    SpecIssue(
                        path,
                        f"peer '{peer}' is not a target of this zone",
                        f"targets: {', '.join(index)}",
                    )
                )
            elif peer == target.name:
                issues.append(SpecIssue(path, "a target cannot peer with itself", "remove it"))
            else:
                pairs.add(tuple(sorted((i, index[peer]))))
    for i, j in sorted(pairs):
        mine = ipaddress.ip_network(zone.targets[i].network.cidr)
        theirs = ipaddress.ip_network(zone.targets[j].network.cidr)
        if mine.overlaps(theirs):
            issues.append(
                SpecIssue(
                    ("targets", j, "network", "cidr"),
                    f"{theirs} overlaps {mine} of peered target '{zone.targets[i].name}'",
                    "peered networks need disjoint CIDRs: pick another range, e.g. another /16",
                )
            )
    return issues


def _teams(zone: LandingZone, catalog: Catalog) -> list[SpecIssue]:
    issues = []
    targets = {t.name: t for t in zone.targets}
    for k, team in enumerate(zone.teams):
        for m, name in enumerate(team.targets):
            target = targets.get(name)
            if target is None:
                issues.append(
                    SpecIssue(
                        ("teams", k, "targets", m),
                        f"team refers to unknown target '{name}'",
                        f"targets: {', '.join(targets)}",
                    )
                )
                continue
            if any(pool.machine not in catalog.machines for pool in target.gpu_pools):
                continue  # the unknown machine is reported where it is written; no follow-on here
            gpus = _target_gpus(target, catalog)
            if team.gpu_quota > gpus:
                issues.append(
                    SpecIssue(
                        ("teams", k, "gpu_quota"),
                        f"quota of {team.gpu_quota} GPUs exceeds the {gpus} GPUs target '{name}' can have",
                        f"lower gpu_quota to at most {gpus} or add pool capacity",
                    )
                )
    return issues


def _target_gpus(target, catalog: Catalog) -> int:
    """GPUs a target can have: every pool at its maximum size."""
    return sum(pool.scaling[2] * catalog.machines[pool.machine].gpu.count for pool in target.gpu_pools)


def _keys(zone: LandingZone) -> list[SpecIssue]:
    if zone.residency.key_management != "external":
        return []
    issues = []
    for i, target in enumerate(zone.targets):
        if not target.uses_key_service:
            continue
        missing = [c for c in ("secrets", "storage", "logs") if c not in target.encryption.external_keys]
        if missing:
            issues.append(
                SpecIssue(
                    ("targets", i, "encryption"),
                    f"key_management is external but no external key is given for {', '.join(missing)}",
                    "add encryption: {external_keys: {secrets: <key>, storage: <key>, logs: <key>}} "
                    "with the ARNs (AWS XKS/CloudHSM) or key ids (GCP Cloud EKM/HSM) of existing keys",
                )
            )
    return issues


def _egress(zone: LandingZone) -> list[SpecIssue]:
    """A cloud cluster without egress can pull only from its provider's own registries; the
    in-cluster software ailz installs (GPU Operator, Kueue, JobSet, MPI operator) lives elsewhere."""
    issues = []
    for i, target in enumerate(zone.targets):
        registry = target.mirror_example
        if registry and target.network.egress == "none" and target.registries is None:
            issues.append(
                SpecIssue(
                    ("targets", i, "network", "egress"),
                    "egress: none leaves the cluster no way to pull the in-cluster software from "
                    "nvcr.io, registry.k8s.io and docker.io",
                    f"add registries: {{mirror: <{registry} in {target.region} that mirrors them>}} "
                    "or use egress: nat",
                )
            )
    return issues


def _api_access(zone: LandingZone) -> list[SpecIssue]:
    """Who reaches the Kubernetes API is written down: a public endpoint names its networks (never the
    internet by default), and a private one is reached from its network or the connected ones."""
    issues = []
    for i, target in enumerate(zone.targets):
        if not target.manages_api_endpoint:
            continue
        api = target.kubernetes
        path = ("targets", i, "kubernetes")
        if api.endpoint == "public-and-private" and not api.api_access_cidrs:
            issues.append(
                SpecIssue(
                    (*path, "endpoint"),
                    "a public API endpoint needs the networks allowed to reach it",
                    "add kubernetes.api_access_cidrs with your CI runners' and administrators' egress "
                    "ranges (0.0.0.0/0 only if you mean the whole internet: the policy gate flags it), "
                    "or keep endpoint: private and list connected_cidrs",
                )
            )
        if api.endpoint == "private" and api.api_access_cidrs:
            issues.append(
                SpecIssue(
                    (*path, "api_access_cidrs"),
                    "api_access_cidrs opens the public endpoint, which endpoint: private turns off",
                    "list networks that reach the private endpoint in connected_cidrs, or set "
                    "endpoint: public-and-private",
                )
            )
    return issues
