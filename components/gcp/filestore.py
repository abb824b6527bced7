"""The warm tier as NFS: a Filestore Zonal instance, reached through private services access."""

from __future__ import annotations

import pulumi
import pulumi_gcp as gcp

from ailz.components.gcp.component import GcpComponent

SHARE = "warm"
FILESTORE_CSI_DRIVER = "filestore.csi.storage.gke.io"


def filestore_pv_spec(zone: str, instance: str, ip: str, gib: int) -> dict:
    """Static PV for an existing instance (GKE docs: access pre-existing Filestore instances)."""
    return {
        "capacity": {"storage": f"{gib}Gi"},
        "accessModes": ["ReadWriteMany"],
        "persistentVolumeReclaimPolicy": "Retain",
        "storageClassName": "",
        "volumeMode": "Filesystem",
        "csi": {
            "driver": FILESTORE_CSI_DRIVER,
            "volumeHandle": f"modeInstance/{zone}/{instance}/{SHARE}",
            "volumeAttributes": {"ip": ip, "volume": SHARE},
        },
    }


class FilestoreShare(GcpComponent):
    """Zonal tier (sized for AI/HPC throughput, supports CMEK) in the GPU zone, with one share."""

    def __init__(
        self,
        name: str,
        spec_path: str,
        *,
        project: str,
        zone: str,
        network: gcp.compute.Network,
        reserved_range: pulumi.Input[str],
        capacity_gib: int,
        kms_key: pulumi.Input[str] | None,
        labels: dict[str, str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("FilestoreShare", name, spec_path, opts)
        self.instance_id = name
        self.instance = gcp.filestore.Instance(
            name,
            name=name,
            project=project,
            location=zone,
            tier="ZONAL",
            file_shares={"name": SHARE, "capacity_gb": capacity_gib},
            networks=[
                {
                    "network": network.name,
                    "modes": ["MODE_IPV4"],
                    "connect_mode": "PRIVATE_SERVICE_ACCESS",
                    "reserved_ip_range": reserved_range,
                }
            ],
            kms_key_name=kms_key,
            labels=labels,
            opts=self.child(),
        )
        self.ip = self.instance.networks.apply(lambda nets: nets[0].ip_addresses[0])
        self.register_outputs({"ip": self.ip})
