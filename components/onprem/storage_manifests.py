"""On-prem storage tiers as StorageClasses, and where the object store is; pure."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from ailz.components.common.names import GPU_TAINT_KEY
from ailz.components.platform.charts import chart_facts, image_repository

HOT_CLASS, WARM_CLASS = "ailz-hot", "ailz-warm"
# Local NVMe (DGX: the data drives as one RAID 0) is mounted, or bind-mounted per volume, here.
HOT_HOST_DIR = "/mnt/ailz-nvme"
LOCAL_PROVISIONER = "kubernetes.io/no-provisioner"


def hot_class(labels: dict[str, str]) -> dict[str, Any]:
    """Static local PVs: bound where the pod lands, deleted with the claim."""
    return {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": {"name": HOT_CLASS, "labels": dict(labels)},
        "provisioner": LOCAL_PROVISIONER,
        "volumeBindingMode": "WaitForFirstConsumer",
        "reclaimPolicy": "Delete",
    }


def local_provisioner_values(mirror: str | None) -> dict[str, Any]:
    values: dict[str, Any] = {
        "classes": [
            {
                "name": HOT_CLASS,
                "hostDir": HOT_HOST_DIR,
                "mountDir": HOT_HOST_DIR,
                "volumeMode": "Filesystem",
                "fsType": "ext4",
                "storageClass": False,  # ailz declares the class itself, labelled
            }
        ],
        # the hot tier is the GPU nodes' NVMe: serve the tainted GPU nodes too (the chart's
        # top-level `tolerations`, empty by default, helm/provisioner values.yaml)
        "tolerations": [{"key": GPU_TAINT_KEY, "operator": "Exists", "effect": "NoSchedule"}],
    }
    if mirror:
        tag = chart_facts("local-static-provisioner")["image_tag"]
        values["image"] = f"{image_repository('local-static-provisioner', mirror)}:{tag}"
    return values


def warm_class(csi_driver: str, parameters: dict[str, str], labels: dict[str, str]) -> dict[str, Any]:
    """Shared parallel filesystem: data outlives the claim."""
    obj: dict[str, Any] = {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": {"name": WARM_CLASS, "labels": dict(labels)},
        "provisioner": csi_driver,
        "volumeBindingMode": "Immediate",
        "reclaimPolicy": "Retain",
        "allowVolumeExpansion": True,
    }
    if parameters:
        obj["parameters"] = dict(parameters)
    return obj


def bucket_names(zone: str, target: str, kinds: list[str]) -> dict[str, str]:
    return {kind: f"{zone}-{target}-{kind}" for kind in kinds}


def object_store_data(
    endpoint: str, buckets: dict[str, str], credentials_secret: str | None
) -> dict[str, str]:
    """Endpoint and bucket names for workloads; credentials stay in the named Secret."""
    data = {"endpoint": endpoint, **{f"bucket-{kind}": name for kind, name in buckets.items()}}
    if credentials_secret:
        data["credentialsSecret"] = credentials_secret
    return data


def endpoint_port(endpoint: str) -> int:
    url = urlparse(endpoint)
    return url.port or (80 if url.scheme == "http" else 443)
