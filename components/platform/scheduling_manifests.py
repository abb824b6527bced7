"""Kueue objects: a ResourceFlavor per GPU pool, a ClusterQueue per team, LocalQueues; pure."""

from __future__ import annotations

from typing import Any

from ailz.components.common import names as naming
from ailz.components.common.names import GPU_RESOURCE

KUEUE_API = "kueue.x-k8s.io/v1beta1"


def resource_flavor(pool_name: str, labels: dict[str, str]) -> dict[str, Any]:
    return {
        "apiVersion": KUEUE_API,
        "kind": "ResourceFlavor",
        "metadata": {"name": pool_name, "labels": dict(labels)},
        # pods admitted to a GPU flavor land on tainted GPU nodes, GPU-less ones (MPI launchers,
        # data preparation) included: the flavor hands them the toleration
        "spec": {
            "nodeLabels": {naming.POOL_LABEL: pool_name},
            "tolerations": [{"key": naming.GPU_TAINT_KEY, "operator": "Exists", "effect": "NoSchedule"}],
        },
    }


def cluster_queue(
    name: str,
    namespace: str,
    gpu_quota: int,
    pool_gpus: dict[str, int],
    cpu_per_gpu: int,
    memory_gib_per_gpu: int,
    labels: dict[str, str],
) -> dict[str, Any]:
    """Per flavor, the team may hold up to its quota (or the pool, if smaller); the namespace's
    ResourceQuota caps the sum across flavors."""
    flavors = []
    for pool, gpus in pool_gpus.items():
        share = min(gpu_quota, gpus)
        flavors.append(
            {
                "name": pool,
                "resources": [
                    {"name": "cpu", "nominalQuota": share * cpu_per_gpu},
                    {"name": "memory", "nominalQuota": f"{share * memory_gib_per_gpu}Gi"},
                    {"name": GPU_RESOURCE, "nominalQuota": share},
                ],
            }
        )
    return {
        "apiVersion": KUEUE_API,
        "kind": "ClusterQueue",
        "metadata": {"name": name, "labels": dict(labels)},
        "spec": {
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": namespace}},
            "queueingStrategy": "BestEffortFIFO",
            "resourceGroups": [{"coveredResources": ["cpu", "memory", GPU_RESOURCE], "flavors": flavors}],
        },
    }


def local_queue(namespace: str, cluster_queue_name: str, labels: dict[str, str]) -> dict[str, Any]:
    return {
        "apiVersion": KUEUE_API,
        "kind": "LocalQueue",
        "metadata": {"name": naming.LOCAL_QUEUE, "namespace": namespace, "labels": dict(labels)},
        "spec": {"clusterQueue": cluster_queue_name},
    }


VALIDATOR_ROLE = "ailz-validator"


def validator_rbac(namespace: str, group: str | None, labels: dict[str, str]) -> list[dict[str, Any]]:
    """What `ailz validate nccl` does, and nothing more: run jobs in the validation namespace,
    read their pods, logs and events, and read (label and taint) nodes. Bound when a group is set."""
    meta = {"name": VALIDATOR_ROLE, "labels": dict(labels)}
    run = ["create", "get", "list", "watch", "delete"]
    objects: list[dict[str, Any]] = [
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": meta,
            "rules": [
                {"apiGroups": [""], "resources": ["nodes"], "verbs": ["get", "list", "watch", "patch"]}
            ],
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "Role",
            "metadata": {**meta, "namespace": namespace},
            "rules": [
                {"apiGroups": [""], "resources": ["configmaps", "secrets"], "verbs": run},
                {
                    "apiGroups": [""],
                    "resources": ["pods", "pods/log", "events"],
                    "verbs": ["get", "list", "watch"],
                },
                {"apiGroups": ["kubeflow.org"], "resources": ["mpijobs"], "verbs": run},
                {"apiGroups": ["jobset.x-k8s.io"], "resources": ["jobsets"], "verbs": run},
            ],
        },
    ]
    if group:
        subject = [{"kind": "Group", "name": group, "apiGroup": "rbac.authorization.k8s.io"}]
        role_ref = {"apiGroup": "rbac.authorization.k8s.io", "name": VALIDATOR_ROLE}
        objects += [
            {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "ClusterRoleBinding",
                "metadata": meta,
                "subjects": subject,
                "roleRef": {**role_ref, "kind": "ClusterRole"},
            },
            {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "RoleBinding",
                "metadata": {**meta, "namespace": namespace},
                "subjects": subject,
                "roleRef": {**role_ref, "kind": "Role"},
            },
        ]
    return objects
