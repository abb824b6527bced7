"""The small CPU node pool that runs cluster services (the default pool is removed)."""

from __future__ import annotations

import pulumi
import pulumi_gcp as gcp

from ailz.components.gcp.component import GcpComponent
from ailz.components.gcp.network_plan import SYSTEM_NODES

SYSTEM_MACHINE = "n2-standard-8"


class SystemNodePool(GcpComponent):
    """CPU nodes for kube-system, Kueue and operators; same hardening as the GPU pools."""

    def __init__(
        self,
        name: str,
        spec_path: str,
        *,
        project: str,
        location: str,
        zone: str,
        cluster: pulumi.Input[str],
        service_account: pulumi.Input[str],
        boot_disk_key: pulumi.Input[str] | None,
        labels: dict[str, str],
        resource_labels: dict[str, str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("SystemNodePool", name, spec_path, opts)
        self.node_pool = gcp.container.NodePool(
            name,
            name="system",
            project=project,
            location=location,
            cluster=cluster,
            node_locations=[zone],
            initial_node_count=1,
            autoscaling={"min_node_count": 1, "max_node_count": SYSTEM_NODES, "location_policy": "BALANCED"},
            management={"auto_repair": True, "auto_upgrade": True},
            node_config={
                "machine_type": SYSTEM_MACHINE,
                "image_type": "COS_CONTAINERD",
                "disk_type": "pd-balanced",
                "disk_size_gb": 100,
                "boot_disk_kms_key": boot_disk_key,
                "gvnic": {"enabled": True},
                "shielded_instance_config": {"enable_secure_boot": True, "enable_integrity_monitoring": True},
                "workload_metadata_config": {"mode": "GKE_METADATA"},
                "labels": labels,
                "resource_labels": resource_labels,
                "service_account": service_account,
                "oauth_scopes": ["https://www.googleapis.com/auth/cloud-platform"],
                "metadata": {"disable-legacy-endpoints": "true"},
            },
            opts=self.child(),
        )
        self.register_outputs({"name": self.node_pool.name})
