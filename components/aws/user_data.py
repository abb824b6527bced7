"""Node user data for EKS AL2023 nodes: a MIME multipart document carrying a nodeadm NodeConfig.

EKS merges this document with the NodeConfig it generates for managed node groups (cluster
name, endpoint, CA), so it only carries what ailz adds: the instance-store NVMe disks striped
into one RAID0 array that kubelet and containerd use (nodeadm `localStorage.strategy: RAID0`), and
kubelet's maxPods.
"""

from __future__ import annotations

import yaml

BOUNDARY = "==AILZBOUNDARY=="
NODECONFIG_CONTENT_TYPE = "application/node.eks.aws"


def node_config(local_nvme_disks: int, max_pods: int | None = None) -> dict:
    """The nodeadm NodeConfig (node.eks.aws/v1alpha1) for a GPU node. `max_pods`: the pods the node
    can really address (address_plan.py); nodeadm's own figure counts interfaces that are efa-only
    here (100 on a p5.48xlarge, which has addresses for 51)."""
    spec: dict = {}
    if local_nvme_disks > 0:
        spec["instance"] = {"localStorage": {"strategy": "RAID0"}}
    if max_pods is not None:
        spec["kubelet"] = {"config": {"maxPods": max_pods}}
    return {"apiVersion": "node.eks.aws/v1alpha1", "kind": "NodeConfig", "spec": spec}


def node_user_data(local_nvme_disks: int, max_pods: int | None = None) -> str:
    """The MIME multipart user data (plain text; the launch template wants it base64)."""
    body = yaml.safe_dump(node_config(local_nvme_disks, max_pods), sort_keys=False)
    return (
        "MIME-Version: 1.0\n"
        f'Content-Type: multipart/mixed; boundary="{BOUNDARY}"\n'
        "\n"
        f"--{BOUNDARY}\n"
        f"Content-Type: {NODECONFIG_CONTENT_TYPE}\n"
        "\n"
        "---\n"
        f"{body}"
        "\n"
        f"--{BOUNDARY}--\n"
    )
