"""Residency and sovereignty rules: regions, replication, on-prem purity, image registries."""

from __future__ import annotations

from ailz.policies import props as P
from ailz.policies.index import PlanIndex
from ailz.policies.registry import Messages, Params, resource_rule, stack_rule
from ailz.stacks.plan import PlanResource

S3_REPLICATION = "aws:s3/bucketReplicationConfig:BucketReplicationConfig"
S3_BUCKETS = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
HELM_RELEASE = "kubernetes:helm.sh/v3:Release"
GCS_BUCKET = "gcp:storage/bucket:Bucket"
PUBLIC_CLOUD_PREFIXES = (
    "aws:",
    "gcp:",
    "azure:",
    "azure-native:",
    "pulumi:providers:aws",
    "pulumi:providers:gcp",
)


def allowed_regions(ix) -> frozenset[str]:
    return ix.allowed_regions


@resource_rule("AILZ-RES-001")
def allowed_region(resource: PlanResource, ix: PlanIndex, params: Params) -> Messages:
    allowed = allowed_regions(ix)
    if not allowed:
        return
    region = ix.region_of(resource)
    if region is not None and region not in allowed:
        yield f"placed in '{region}', outside the allowed regions {sorted(allowed)}"


@stack_rule("AILZ-RES-002", S3_REPLICATION, GCS_BUCKET)
def no_replication_out(resource: PlanResource, ix: PlanIndex, params: Params) -> Messages:
    allowed = allowed_regions(ix)
    if not allowed:
        return
    if resource.type == GCS_BUCKET:
        for location in P.known_list(resource.inputs, "customPlacementConfig", "dataLocations"):
            region = P.region_of_location(location)
            if region not in allowed:
                yield f"dual-region placement puts data in '{region}', outside {sorted(allowed)}"
        return
    sources = set(resource.property_dependencies.get("bucket", []))
    targets = [b for b in ix.refs(resource, "rules") if b.type in S3_BUCKETS and b.urn not in sources]
    if P.known_list(resource.inputs, "rules") and not targets:
        yield "replication destination bucket is not part of the plan; its region is unverifiable"
    for bucket in targets:
        region = ix.region_of(bucket)
        if region not in allowed:
            yield f"replicates to {bucket.name} in '{region}', outside {sorted(allowed)}"


@stack_rule("AILZ-RES-003")
def onprem_has_no_public_cloud(resource: PlanResource, ix: PlanIndex, params: Params) -> Messages:
    if ix.target_info(resource).get("kind") == "onprem" and resource.type.startswith(PUBLIC_CLOUD_PREFIXES):
        yield f"public-cloud resource {resource.type} in sovereign on-prem target '{resource.target}'"


CHART_SCHEMES = ("http://", "https://", "oci://")


def _host(location: str) -> str:
    return location.split("://", 1)[-1].split("/", 1)[0].lower()


def registries_of_target(resource, ix) -> dict:
    return (ix.target_info(resource).get("registries") or {}) if resource.target else {}


def _allowed_registries(resource, ix, params) -> set[str]:
    registries = registries_of_target(resource, ix)
    allowed = set(params.get("allowed_registries") or []) | set(registries.get("allowed") or [])
    if registries.get("mirror"):
        allowed.add(registries["mirror"])
    return {r.lower().rstrip("/") for r in allowed}


def images_of(resource) -> list[tuple[str, str]]:
    if resource.type == HELM_RELEASE:
        return list(P.images_in_values(P.get(resource.inputs, "values") or {}))
    out = []
    for where, spec, _ in P.pod_specs(resource.type, resource.inputs):
        for container in P.containers(spec):
            image = P.get(container, "image")
            if isinstance(image, str):
                out.append((f"{where} container '{P.get(container, 'name')}'", image))
    return out


def _registry_allowed(image: str, allowed: set[str]) -> bool:
    reference = image.lower()
    return P.registry_of(image) in allowed or any(reference.startswith(a + "/") for a in allowed)


@resource_rule("AILZ-RES-004", HELM_RELEASE, prefixes=P.WORKLOAD_PREFIX)
def allowed_registries(resource: PlanResource, ix: PlanIndex, params: Params) -> Messages:
    allowed = _allowed_registries(resource, ix, params)
    if not allowed:
        return
    if resource.type == HELM_RELEASE:
        charts = registries_of_target(resource, ix).get("charts")
        # a registry host, or a path under it (a mirror is often a repository path of a registry)
        chart_places = allowed | {charts.split("://", 1)[-1].lower().rstrip("/")} if charts else allowed
        for key in (("repositoryOpts", "repo"), ("chart",)):
            location = P.get(resource.inputs, *key) or ""
            remote = isinstance(location, str) and location.startswith(CHART_SCHEMES)
            where = location.split("://", 1)[-1] if remote else ""
            if remote and not (_host(location) in chart_places or _registry_allowed(where, chart_places)):
                yield f"chart {location} does not come from an allowed registry"
    if resource.type != HELM_RELEASE:
        # the cluster builder's own components (CNI, CSI, monitoring): the spec exempts them, as
        # ailz's registry admission policy does, and kube-system always
        exempt = {"kube-system", *(registries_of_target(resource, ix).get("exempt_namespaces") or [])}
        if P.namespace_of(resource.inputs) in exempt:
            return
    for where, image in images_of(resource):
        if not _registry_allowed(image, allowed):
            yield f"{where}: image {image} is not from an allowed registry ({', '.join(sorted(allowed))})"
