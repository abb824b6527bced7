"""The warm tier: Google Cloud Managed Lustre, reached through private services access."""

from __future__ import annotations

import pulumi
import pulumi_gcp as gcp

from ailz.components.gcp.component import GcpComponent


def filesystem_name(target: str) -> str:
    """Lustre file system names are at most 8 lowercase letters or digits."""
    cleaned = "".join(ch for ch in target.lower() if ch.isalnum())
    return (cleaned or "lustre")[:8]


class ManagedLustre(GcpComponent):
    """A Lustre instance in the GPU zone, reachable from GKE through the Lustre CSI driver.

    Inputs: project, zone, primary network, capacity (GiB), throughput tier, CMEK key; depends
    on the PrivateServiceAccess peering (passed as depends_on).
    """

    def __init__(
        self,
        name: str,
        spec_path: str,
        *,
        project: str,
        zone: str,
        network: gcp.compute.Network,
        capacity_gib: int,
        throughput: int,
        kms_key: pulumi.Input[str] | None,
        labels: dict[str, str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("ManagedLustre", name, spec_path, opts)
        self.filesystem = filesystem_name(name)
        self.instance_id = name
        self.instance = gcp.lustre.Instance(
            name,
            instance_id=name,
            project=project,
            location=zone,
            filesystem=self.filesystem,
            capacity_gib=str(capacity_gib),
            per_unit_storage_throughput=str(throughput),
            network=network.id,
            kms_key=kms_key,
            labels=labels,
            opts=self.child(),
        )
        self.mount_point = self.instance.mount_point
        self.register_outputs({"mount_point": self.mount_point})
