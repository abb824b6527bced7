"""Validate Kubernetes objects: built-in kinds against the Kubernetes OpenAPI schema of the
target version, custom resources against the CRD schemas kept in tests/schemas/.

CRD schema files are named <group>_<version>_<Kind>.json (e.g. kueue.x-k8s.io_v1beta1_ClusterQueue.json)
and hold the openAPIV3Schema of that CRD version, written from the project's published API reference.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate

SCHEMAS = Path(__file__).resolve().parent / "schemas"
BUILTIN_GROUPS = {
    "",
    "apps",
    "batch",
    "rbac.authorization.k8s.io",
    "networking.k8s.io",
    "policy",
    "storage.k8s.io",
    "scheduling.k8s.io",
    "coordination.k8s.io",
    "admissionregistration.k8s.io",
    "apiextensions.k8s.io",
    "autoscaling",
    "node.k8s.io",
    "discovery.k8s.io",
}


def _group_version(api_version: str) -> tuple[str, str]:
    group, _, version = api_version.rpartition("/")
    return group, version


def crd_schema_path(api_version: str, kind: str) -> Path:
    group, version = _group_version(api_version)
    return SCHEMAS / f"{group}_{version}_{kind}.json"


def validate_manifest(obj: dict[str, Any], k8s_version: str = "1.32") -> None:
    """Raise AssertionError with the reason when `obj` would be rejected by the API server."""
    group, _ = _group_version(obj["apiVersion"])
    if group in BUILTIN_GROUPS:
        try:
            kubernetes_validate.validate(obj, k8s_version, strict=True)
        except kubernetes_validate.ValidationError as err:
            raise AssertionError(
                f"{obj['kind']} {obj.get('metadata', {}).get('name')}: {err.message}"
            ) from err
        return
    path = crd_schema_path(obj["apiVersion"], obj["kind"])
    assert path.exists(), f"no CRD schema for {obj['apiVersion']} {obj['kind']} at tests/schemas/{path.name}"
    schema = json.loads(path.read_text())
    body = {k: v for k, v in obj.items() if k not in ("apiVersion", "kind", "metadata")}
    try:
        jsonschema.validate(body, schema)
    except jsonschema.ValidationError as err:
        raise AssertionError(f"{obj['kind']} {obj.get('metadata', {}).get('name')}: {err.message}") from err
    name = obj.get("metadata", {}).get("name")
    assert name, f"{obj['kind']} has no metadata.name"
