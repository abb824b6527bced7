"""A GKE GPU node pool: whole accelerator machines wired to every fabric NIC."""

from __future__ import annotations

import pulumi
import pulumi_gcp as gcp

from ailz.catalog import Machine
from ailz.components.gcp import gpu_pool_plan
from ailz.components.gcp.component import GcpComponent
from ailz.components.gcp.gpu_networks import AttachedSubnet
from ailz.components.gcp.network_plan import GPU_MAX_PODS
from ailz.spec.common import GpuPool

BOOT_DISK_GB = 200


class GpuNodePool(GcpComponent):
    """Machine and accelerators from the catalog, GKE-managed driver, reservation, compact
    placement, one additional node network per extra NIC, local SSD as ephemeral storage,
    CMEK boot disk, shielded nodes, GKE metadata server, GPU taint, dedicated service account.
    """

    def __init__(
        self,
        name: str,
        spec_path: str,
        *,
        project: str,
        location: str,
        zone: str,
        cluster: pulumi.Input[str],
        pool: GpuPool,
        machine: Machine,
        target: str,
        extra_nics: list[AttachedSubnet],
        service_account: pulumi.Input[str],
        boot_disk_key: pulumi.Input[str] | None,
        tags: dict[str, str],
        resource_labels: dict[str, str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("GpuNodePool", name, spec_path, opts)
        facts = machine.gcp
        assert facts is not None, f"{machine.name} has no GCP facts in the catalog"
        node_config = {
            "machine_type": machine.name,
            "guest_accelerators": [
                {
                    "type": facts.accelerator_type,
                    "count": machine.gpu.count,
                    "gpu_driver_installation_config": {"gpu_driver_version": "LATEST"},
                }
            ],
            "gvnic": {"enabled": True},
            "image_type": "COS_CONTAINERD",
            "ephemeral_storage_local_ssd_config": {"local_ssd_count": machine.local_nvme.count},
            "disk_type": facts.boot_disk_type,
            "disk_size_gb": BOOT_DISK_GB,
            "boot_disk_kms_key": boot_disk_key,
            "shielded_instance_config": {"enable_secure_boot": True, "enable_integrity_monitoring": True},
            "workload_metadata_config": {"mode": "GKE_METADATA"},
            "reservation_affinity": gpu_pool_plan.reservation_affinity(pool),
            "spot": pool.capacity.kind == "spot" or None,
            "taints": [gpu_pool_plan.GPU_TAINT],
            "labels": gpu_pool_plan.node_labels(tags, pool, target),
            "resource_labels": resource_labels,
            "service_account": service_account,
            "oauth_scopes": ["https://www.googleapis.com/auth/cloud-platform"],
            "metadata": {"disable-legacy-endpoints": "true"},
        }
        placement = {"type": "COMPACT"} if gpu_pool_plan.compact_placement(pool, machine) else None
        # a pool larger than one node pool may hold in its zone is several, on the same reservation;
        # the first keeps the pool's name
        self.node_pools = [
            gcp.container.NodePool(
                share.name(name),
                name=share.name(pool.name),
                project=project,
                location=location,
                cluster=cluster,
                node_locations=[zone],
                max_pods_per_node=GPU_MAX_PODS,
                **gpu_pool_plan.scaling(pool, share),
                placement_policy=placement,
                management={"auto_repair": True, "auto_upgrade": True},
                upgrade_settings=gpu_pool_plan.upgrade_settings(share),
                network_config={
                    "additional_node_network_configs": [
                        {"network": nic.network_name, "subnetwork": nic.subnet_name} for nic in extra_nics
                    ],
                },
                node_config=node_config,
                # hundreds of GPU VMs take longer than the provider's default 30 minutes to create
                opts=self.child(custom_timeouts=pulumi.CustomTimeouts(create="3h", update="6h")),
            )
            for share in gpu_pool_plan.node_pools(pool)
        ]
        self.node_pool = self.node_pools[0]
        self.register_outputs({"names": [p.name for p in self.node_pools]})
