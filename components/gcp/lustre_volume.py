"""The Managed Lustre instance as a Kubernetes PersistentVolume (static provisioning)."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s
from ailz.components.gcp.component import GcpComponent

LUSTRE_CSI_DRIVER = "lustre.csi.storage.gke.io"
VOLUME_NAME = "ailz-lustre"


def lustre_pv_spec(
    project: str, zone: str, instance: str, mount_point: str, filesystem: str, gib: int
) -> dict:
    """Static PV for an existing instance: GKE Lustre CSI volume handle and the MGS address."""
    return {
        "capacity": {"storage": f"{gib}Gi"},
        "accessModes": ["ReadWriteMany"],
        "persistentVolumeReclaimPolicy": "Retain",
        "storageClassName": "",
        "volumeMode": "Filesystem",
        "csi": {
            "driver": LUSTRE_CSI_DRIVER,
            "volumeHandle": f"{project}/{zone}/{instance}",
            "volumeAttributes": {"ip": mount_point.split("@", 1)[0], "filesystem": filesystem},
        },
    }


class LustreVolume(GcpComponent):
    """A cluster-scoped PersistentVolume; a PVC with volumeName `ailz-lustre` binds it."""

    def __init__(
        self,
        name: str,
        spec_path: str,
        *,
        project: str,
        zone: str,
        instance_id: str,
        mount_point: pulumi.Input[str],
        filesystem: str,
        capacity_gib: int,
        labels: dict[str, str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("LustreVolume", name, spec_path, opts)
        self.volume = k8s.core.v1.PersistentVolume(
            name,
            metadata={"name": VOLUME_NAME, "labels": labels},
            spec=pulumi.Output.from_input(mount_point).apply(
                lambda mount: lustre_pv_spec(project, zone, instance_id, mount, filesystem, capacity_gib)
            ),
            opts=self.child(),
        )
        self.register_outputs({"volume": VOLUME_NAME})
