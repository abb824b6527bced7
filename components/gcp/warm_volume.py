"""PersistentVolume specs for GCP warm tiers (static provisioning of an existing instance); pure."""

from __future__ import annotations

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
