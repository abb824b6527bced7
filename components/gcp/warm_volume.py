"""The warm tier as a Kubernetes PersistentVolume (static provisioning of the existing instance)."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from ailz.components.gcp.component import GcpComponent

LUSTRE_CSI_DRIVER = "lustre.csi.storage.gke.io"


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


class WarmVolume(GcpComponent):
    """A cluster-scoped PersistentVolume; a PVC with `volumeName: <volume_name>` binds it."""

    def __init__(
        self,
        name: str,
        spec_path: str,
        *,
        volume_name: str,
        spec: pulumi.Input[dict],
        labels: dict[str, str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("WarmVolume", name, spec_path, opts)
        self.volume_name = volume_name
        self.volume = k8s.core.v1.PersistentVolume(
            name, metadata={"name": volume_name, "labels": labels}, spec=spec, opts=self.child()
        )
        self.register_outputs({"volume": volume_name})
