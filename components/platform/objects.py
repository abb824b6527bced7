"""Declare a plain Kubernetes manifest (a dict) as the matching pulumi-kubernetes resource.

Planners build manifests as data; this is the one place that turns them into resources, so every
object carries the same provider, parent and labels, and the plan holds the manifest verbatim.
"""

from __future__ import annotations

import re
from typing import Any

import pulumi

# (apiVersion, kind) -> pulumi_kubernetes module path and class of the typed resource.
TYPED = {
    ("v1", "Namespace"): ("core.v1", "Namespace"),
    ("v1", "ConfigMap"): ("core.v1", "ConfigMap"),
    ("v1", "ServiceAccount"): ("core.v1", "ServiceAccount"),
    ("v1", "ResourceQuota"): ("core.v1", "ResourceQuota"),
    ("v1", "LimitRange"): ("core.v1", "LimitRange"),
    ("rbac.authorization.k8s.io/v1", "Role"): ("rbac.v1", "Role"),
    ("rbac.authorization.k8s.io/v1", "RoleBinding"): ("rbac.v1", "RoleBinding"),
    ("rbac.authorization.k8s.io/v1", "ClusterRole"): ("rbac.v1", "ClusterRole"),
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"): ("rbac.v1", "ClusterRoleBinding"),
    ("networking.k8s.io/v1", "NetworkPolicy"): ("networking.v1", "NetworkPolicy"),
    ("batch/v1", "CronJob"): ("batch.v1", "CronJob"),
    ("scheduling.k8s.io/v1", "PriorityClass"): ("scheduling.v1", "PriorityClass"),
    ("storage.k8s.io/v1", "StorageClass"): ("storage.v1", "StorageClass"),
    ("admissionregistration.k8s.io/v1", "ValidatingAdmissionPolicy"): (
        "admissionregistration.v1",
        "ValidatingAdmissionPolicy",
    ),
    ("admissionregistration.k8s.io/v1", "ValidatingAdmissionPolicyBinding"): (
        "admissionregistration.v1",
        "ValidatingAdmissionPolicyBinding",
    ),
}

_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


def _snake(key: str) -> str:
    return _CAMEL.sub("_", key).lower()


def resource_name(manifest: dict[str, Any]) -> str:
    """Pulumi name of an object: unique per kind, namespace and name within a stack."""
    meta = manifest["metadata"]
    parts = [manifest["kind"].lower(), meta.get("namespace", ""), meta["name"]]
    return "-".join(p for p in parts if p)


def declare(
    manifest: dict[str, Any],
    parent: pulumi.Resource,
    provider: Any,
    depends_on: list[Any] | None = None,
) -> pulumi.CustomResource:
    import pulumi_kubernetes as k8s

    opts = pulumi.ResourceOptions(parent=parent, provider=provider, depends_on=depends_on or [])
    key = (manifest["apiVersion"], manifest["kind"])
    name = resource_name(manifest)
    if key not in TYPED:
        body = {k: v for k, v in manifest.items() if k not in ("apiVersion", "kind", "metadata")}
        return k8s.apiextensions.CustomResource(
            name,
            api_version=manifest["apiVersion"],
            kind=manifest["kind"],
            metadata=manifest["metadata"],
            spec=body.pop("spec", None),
            opts=opts,
            **body,
        )
    module_path, cls_name = TYPED[key]
    module = k8s
    for part in module_path.split("."):
        module = getattr(module, part)
    args = {_snake(k): v for k, v in manifest.items() if k not in ("apiVersion", "kind")}
    return getattr(module, cls_name)(name, opts=opts, **args)


def helm_release(
    name: str,
    source: Any,
    values: dict[str, Any],
    parent: pulumi.Resource,
    provider: Any,
    depends_on: list[Any] | None = None,
) -> pulumi.CustomResource:
    """A Helm release Pulumi tracks as one resource (helm.v3.Release), pinned to `source.version`."""
    import pulumi_kubernetes as k8s

    return k8s.helm.v3.Release(
        name,
        name=name,
        chart=source.chart,
        version=source.version,
        repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=source.repository) if source.repository else None,
        namespace=source.namespace,
        create_namespace=False,
        atomic=True,
        wait_for_jobs=True,
        values=values,
        opts=pulumi.ResourceOptions(parent=parent, provider=provider, depends_on=depends_on or []),
    )


def namespace(name: str, labels: dict[str, str]) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": dict(labels)}}
