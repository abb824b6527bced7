"""The `kind: gcp` target."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from ailz.spec.common import Cidr, Network, SpecModel, TargetBase

RESOURCE_NAME = r"^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$"


class ExistingGcpNetwork(SpecModel):
    """A VPC the network team runs, in this project or a Shared VPC host project: ailz creates no
    VPC, subnet, route, NAT, firewall rule, DNS zone or private services connection in it. The GPU
    NIC networks stay the cluster's own (ailz creates them in the target's project, from
    `gpu_cidr`)."""

    host_project: str | None = Field(
        default=None,
        pattern=r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$",
        description="The Shared VPC host project; default: the target's project.",
    )
    network: str = Field(pattern=RESOURCE_NAME, description="VPC name.")
    subnetwork: str = Field(
        pattern=RESOURCE_NAME,
        description="Subnet in the target's region for nodes; its primary range is `cidr`.",
    )
    pods_range: str = Field(pattern=RESOURCE_NAME, description="Its secondary range for pods.")
    services_range: str = Field(pattern=RESOURCE_NAME, description="Its secondary range for services.")
    control_plane_cidr: Cidr = Field(description="A free /28 for the private control plane.")
    gpu_cidr: Cidr | None = Field(
        default=None, description="Where ailz carves the GPU NIC networks' subnets (A3, A4 families)."
    )
    private_services_range: str | None = Field(
        default=None,
        pattern=RESOURCE_NAME,
        description="The network's private services access range (Managed Lustre, Filestore).",
    )


class GcpNetwork(Network):
    existing: ExistingGcpNetwork | None = None


class GcpTarget(TargetBase):
    zone_example: ClassVar[str] = "{region}-a"
    mirror_example: ClassVar[str | None] = "an Artifact Registry repository"
    regions_catalog: ClassVar[str | None] = "gcp_regions"

    kind: Literal["gcp"]
    project: str = Field(pattern=r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$", description="GCP project id.")
    region: str = Field(pattern=r"^[a-z]+-[a-z]+\d+$", description="e.g. europe-west4")
    zone: str = Field(
        pattern=r"^[a-z]+-[a-z]+\d+-([a-z]|ai\d[a-z])$",
        description="e.g. europe-west4-b, or an AI zone (us-central1-ai1a)",
    )
    network: GcpNetwork
    regional_cluster: bool = Field(
        default=False, description="Regional control plane; GPU pools stay in `zone`."
    )

    @property
    def location(self) -> str:
        return self.region

    @property
    def availability_zone(self) -> str | None:
        return self.zone
