"""One place that decides tags and labels, and how each platform's rules reshape them."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ailz.catalog import Machine
    from ailz.catalog.models import AwsTagLimits, GcpLabelLimits
    from ailz.spec.common import GpuPool
    from ailz.spec.zone import LandingZone

MANAGED_BY = "ailz"
# Keys ailz adds to every resource, identical on every platform so cost reports line up.
ZONE_KEY, TARGET_KEY, POOL_KEY, PURPOSE_KEY, GPU_KEY = (
    "landing-zone",
    "target",
    "pool",
    "purpose",
    "gpu-type",
)
TEAM_KEY = "team"
COST_KEYS = ("cost-center", TEAM_KEY, "environment", ZONE_KEY)
POOL_COST_KEYS = (POOL_KEY, GPU_KEY)

_AWS_BAD = re.compile(r"[^\w\s.:/=+\-@]", re.UNICODE)
_GCP_BAD = re.compile(r"[^a-z0-9_-]")
_K8S_BAD = re.compile(r"[^A-Za-z0-9_.-]")


# The platforms' limits are vendor facts, in the catalog (aws_limits.tags, gcp_limits.labels,
# platform.kubernetes_labels). Read when first needed: importing this module stays cheap (the CLI and
# the policies import it without loading the catalog).
def _aws_tag_limits() -> AwsTagLimits:
    from ailz.catalog import load_catalog

    return load_catalog().aws_limits.tags


def _gcp_label_limits() -> GcpLabelLimits:
    from ailz.catalog import load_catalog

    return load_catalog().gcp_limits.labels


def _k8s_max_name() -> int:
    from ailz.catalog import load_catalog

    return load_catalog().platform.kubernetes_labels.max_length


# Module constants these limits used to be, still importable (`from ...labels import AWS_MAX_KEY`).
_LIMITS: dict[str, Callable[[], int]] = {
    "AWS_MAX_TAGS": lambda: _aws_tag_limits().max_tags,
    "AWS_MAX_KEY": lambda: _aws_tag_limits().max_key_length,
    "AWS_MAX_VALUE": lambda: _aws_tag_limits().max_value_length,
    "GCP_MAX_LABELS": lambda: _gcp_label_limits().max_labels,
    "GCP_MAX_LEN": lambda: _gcp_label_limits().max_length,
    "K8S_MAX_NAME": _k8s_max_name,
}


def __getattr__(name: str) -> int:
    if name in _LIMITS:
        return _LIMITS[name]()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def zone_tags(
    zone: LandingZone,
    target: str,
    pool: GpuPool | None = None,
    machine: Machine | None = None,
    extra: dict[str, str] | None = None,
) -> dict[str, str]:
    tags = {**zone.tags.as_dict(), ZONE_KEY: zone.name, TARGET_KEY: target, "managed-by": MANAGED_BY}
    if pool is not None:
        tags[POOL_KEY] = pool.name
        tags[PURPOSE_KEY] = pool.purpose
    if machine is not None:
        tags[GPU_KEY] = machine.gpu.model
    tags.update(extra or {})
    return tags


def aws_tags(tags: dict[str, str]) -> dict[str, str]:
    """AWS rules: a tag count, key and value lengths (catalog aws_limits.tags), a restricted charset."""
    limits = _aws_tag_limits()
    out: dict[str, str] = {}
    for key, value in tags.items():
        k = _AWS_BAD.sub("_", str(key))[: limits.max_key_length]
        if not k or k.lower().startswith("aws:"):
            continue
        out[k] = _AWS_BAD.sub("_", str(value))[: limits.max_value_length]
    if len(out) > limits.max_tags:
        raise ValueError(f"{len(out)} tags exceed AWS's limit of {limits.max_tags} per resource")
    return out


def _gcp_part(text: str) -> str:
    return _GCP_BAD.sub("_", str(text).lower())[: _gcp_label_limits().max_length]


def gcp_labels(tags: dict[str, str]) -> dict[str, str]:
    """GCP rules: lowercase letters, digits, '_' and '-'; keys start with a letter; a length and a label
    count (catalog gcp_limits.labels)."""
    limits = _gcp_label_limits()
    out: dict[str, str] = {}
    for key, value in tags.items():
        k = _gcp_part(key)
        if not k:
            continue
        if not k[0].isalpha():
            k = ("k" + k)[: limits.max_length]
        out[k] = _gcp_part(value)
    if len(out) > limits.max_labels:
        raise ValueError(f"{len(out)} labels exceed GCP's limit of {limits.max_labels} per resource")
    return out


def _k8s_value(text: str) -> str:
    value = _K8S_BAD.sub("_", str(text))[: _k8s_max_name()]
    return value.strip("_.-")


def k8s_labels(tags: dict[str, str]) -> dict[str, str]:
    """Kubernetes label rules: names and values cut to a length (catalog platform.kubernetes_labels),
    alphanumeric at both ends."""
    out: dict[str, str] = {"app.kubernetes.io/managed-by": MANAGED_BY}
    for key, value in tags.items():
        if key == "managed-by":
            continue
        name = _k8s_value(key)
        if name:
            out[name] = _k8s_value(value)
    return out


def tag_limit_issues(zone: LandingZone, index: int, catalog: Any, convert: Any, cloud: str) -> list[Any]:
    """The zone's tags plus ailz's own, on the most-tagged resource of a target (a GPU pool's), must
    fit the cloud's limit: caught in the spec checks, not in synthesis."""
    from ailz.spec.errors import SpecIssue

    target = zone.targets[index]
    pools = target.gpu_pools or [None]
    for pool in pools:
        machine = catalog.machines.get(pool.machine) if pool is not None else None
        try:
            convert(zone_tags(zone, target.name, pool, machine))
        except ValueError as error:
            given = len(zone.tags.as_dict())
            own = len(zone_tags(zone, target.name, pool, machine)) - given
            return [
                SpecIssue(
                    ("tags",),
                    f"{error} on target {target.name!r} ({given} in the spec, {own} ailz adds)",
                    f"keep the spec's tags to what {cloud} allows once ailz's own keys are added",
                )
            ]
    return []
