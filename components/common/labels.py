"""One place that decides tags and labels, and how each platform's rules reshape them."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ailz.catalog import Machine
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
COST_KEYS = ("cost-center", "team", "environment", ZONE_KEY)
POOL_COST_KEYS = (POOL_KEY, GPU_KEY)

AWS_MAX_TAGS, AWS_MAX_KEY, AWS_MAX_VALUE = 50, 128, 256
_AWS_BAD = re.compile(r"[^\w\s.:/=+\-@]", re.UNICODE)
GCP_MAX_LABELS, GCP_MAX_LEN = 64, 63
_GCP_BAD = re.compile(r"[^a-z0-9_-]")
K8S_MAX_NAME = 63
_K8S_BAD = re.compile(r"[^A-Za-z0-9_.-]")


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
    """AWS rules: at most 50 tags, keys <= 128 and values <= 256 chars, a restricted charset."""
    out: dict[str, str] = {}
    for key, value in tags.items():
        k = _AWS_BAD.sub("_", str(key))[:AWS_MAX_KEY]
        if not k or k.lower().startswith("aws:"):
            continue
        out[k] = _AWS_BAD.sub("_", str(value))[:AWS_MAX_VALUE]
    if len(out) > AWS_MAX_TAGS:
        raise ValueError(f"{len(out)} tags exceed AWS's limit of {AWS_MAX_TAGS} per resource")
    return out


def _gcp_part(text: str) -> str:
    return _GCP_BAD.sub("_", str(text).lower())[:GCP_MAX_LEN]


def gcp_labels(tags: dict[str, str]) -> dict[str, str]:
    """GCP rules: lowercase letters, digits, '_' and '-'; keys start with a letter; 63 chars; 64 labels."""
    out: dict[str, str] = {}
    for key, value in tags.items():
        k = _gcp_part(key)
        if not k:
            continue
        if not k[0].isalpha():
            k = ("k" + k)[:GCP_MAX_LEN]
        out[k] = _gcp_part(value)
    if len(out) > GCP_MAX_LABELS:
        raise ValueError(f"{len(out)} labels exceed GCP's limit of {GCP_MAX_LABELS} per resource")
    return out


def _k8s_value(text: str) -> str:
    value = _K8S_BAD.sub("_", str(text))[:K8S_MAX_NAME]
    return value.strip("_.-")


def k8s_labels(tags: dict[str, str]) -> dict[str, str]:
    """Kubernetes label rules: names and values <= 63 chars, alphanumeric at both ends."""
    out: dict[str, str] = {"app.kubernetes.io/managed-by": MANAGED_BY}
    for key, value in tags.items():
        if key == "managed-by":
            continue
        name = _k8s_value(key)
        if name:
            out[name] = _k8s_value(value)
    return out
