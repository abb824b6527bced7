"""Private services access on the primary VPC: how Managed Lustre and Filestore reach the nodes."""

from __future__ import annotations

import pulumi
import pulumi_gcp as gcp

from ailz.components.gcp.component import GcpComponent


class PrivateServiceAccess(GcpComponent):
    """A reserved internal range (carved from the target CIDR) peered to servicenetworking."""

    def __init__(
        self,
        name: str,
        spec_path: str,
        *,
        project: str,
        network: gcp.compute.Network,
        cidr: str,
        labels: dict[str, str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("PrivateServiceAccess", name, spec_path, opts)
        address, _, prefix = cidr.partition("/")
        self.range = gcp.compute.GlobalAddress(
            name,
            name=name,
            project=project,
            purpose="VPC_PEERING",
            address_type="INTERNAL",
            address=address,
            prefix_length=int(prefix),
            network=network.id,
            labels=labels,
            opts=self.child(),
        )
        self.connection = gcp.servicenetworking.Connection(
            name,
            network=network.id,
            service="servicenetworking.googleapis.com",
            reserved_peering_ranges=[self.range.name],
            opts=self.child(),
        )
        self.register_outputs({"range": self.range.name})
