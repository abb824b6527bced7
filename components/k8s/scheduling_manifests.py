"""Kueue objects: a ResourceFlavor per GPU pool, a ClusterQueue per team, LocalQueues; pure."""

from __future__ import annotations

from typing import Any

from ailz.stacks import naming

KUEUE_API = "kueue.x-k8s.io/v1beta1"
GPU_RESOURCE = "nvidia.com/gpu"


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
