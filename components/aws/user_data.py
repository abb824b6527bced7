"""Node user data for EKS AL2023 nodes: a MIME multipart document carrying a nodeadm NodeConfig.

EKS merges this document with the NodeConfig it generates for managed node groups (cluster
name, endpoint, CA), so it only carries what ailz adds: the instance-store NVMe disks striped
into one RAID0 array that kubelet and containerd use (nodeadm `localStorage.strategy: RAID0`).
"""

from __future__ import annotations

import yaml

BOUNDARY = "==AILZBOUNDARY=="
NODECONFIG_CONTENT_TYPE = "application/node.eks.aws"


def node_config(local_nvme_disks: int) -> dict:
    """The nodeadm NodeConfig (node.eks.aws/v1alpha1) for a GPU node."""
    spec: dict = {}
    if local_nvme_disks > 0:
        spec["instance"] = {"localStorage": {"strategy": "RAID0"}}
    return {"apiVersion": "node.eks.aws/v1alpha1", "kind": "NodeConfig", "spec": spec}


def node_user_data(local_nvme_disks: int) -> str:
    """The MIME multipart user data (plain text; the launch template wants it base64)."""
    body = yaml.safe_dump(node_config(local_nvme_disks), sort_keys=False)
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
