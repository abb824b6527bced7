"""The `kind: aws` target."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field, model_validator

from ailz.spec.common import Cidr, Network, SpecModel, TargetBase

SUBNET_ID = r"^subnet-[0-9a-f]{8,17}$"


class SystemNodes(SpecModel):
    """CPU nodes for cluster services (CoreDNS, CSI and operator controllers); GPU nodes are tainted."""

    instance_type: str = Field(default="m7i.2xlarge", pattern=r"^[a-z0-9-]+\.[a-z0-9-]+$")
    nodes: int = Field(default=2, ge=1, le=100)
    max_nodes: int = Field(default=4, ge=1, le=100)

    @model_validator(mode="after")
    def _bounds(self) -> SystemNodes:
        if self.max_nodes < self.nodes:
            raise ValueError(f"max_nodes ({self.max_nodes}) must be at least nodes ({self.nodes})")
        return self


class ExistingVpc(SpecModel):
    """A VPC the network team already runs. ailz creates no VPC, subnet, route, gateway or flow log
    in it, only its own security groups (and the endpoints it is asked for), and checks at deploy
    time that the subnets are in the VPC, in the right zones and large enough."""

    vpc_id: str = Field(pattern=r"^vpc-[0-9a-f]{8,17}$", description="e.g. vpc-0123456789abcdef0")
    cluster_subnet_ids: list[Annotated[str, Field(pattern=SUBNET_ID)]] = Field(
        min_length=2,
        max_length=16,
        description="Private subnets in two or more zones for the EKS control plane's interfaces and "
        "the system nodes.",
    )
    gpu_subnet_ids: list[Annotated[str, Field(pattern=SUBNET_ID)]] = Field(
        min_length=1,
        max_length=16,
        description="Private subnets in the target's zone for the GPU nodes (and the Lustre file system).",
    )
    create_endpoints: bool = Field(
        default=False,
        description="Create the S3 gateway and interface endpoints ailz needs in this VPC. Off: the "
        "network team provides them (a second interface endpoint with private DNS for the same "
        "service cannot be created).",
    )

    @model_validator(mode="after")
    def _distinct(self) -> ExistingVpc:
        # a GPU subnet may also be a cluster subnet; a subnet twice in one list is a typo
        for ids in (self.cluster_subnet_ids, self.gpu_subnet_ids):
            twice = sorted({i for i in ids if ids.count(i) > 1})
            if twice:
                raise ValueError(f"{', '.join(twice)} listed twice")
        return self


class AwsNetwork(Network):
    """The AWS target's VPC: created by ailz from `cidr`, or an existing one (`existing`)."""

    secondary_cidrs: list[Cidr] = Field(
        default_factory=list,
        max_length=4,
        description="Secondary VPC CIDR blocks (RFC 1918, or RFC 6598 100.64.0.0/10), each one GPU "
        "node subnet in the GPU zone: GPU nodes and their pods take addresses there, not from `cidr`.",
    )
    prefix_delegation: bool = Field(
        default=False,
        description="VPC CNI prefix delegation: pods get addresses from /28 prefixes, so a node runs "
        "more pods but takes more addresses.",
    )
    existing: ExistingVpc | None = Field(
        default=None,
        description="Deploy into this VPC and its subnets instead of creating them; `cidr` is then "
        "the VPC's primary CIDR (checked at deploy time).",
    )


class EksQuotas(SpecModel):
    """The account's EKS quotas where AWS raised them (defaults: catalog `eks_quotas`)."""

    node_groups_per_cluster: int | None = Field(default=None, ge=1, le=1000)
    nodes_per_node_group: int | None = Field(default=None, ge=1, le=10000)


class AwsTarget(TargetBase):
    capacity_kinds: ClassVar[tuple[str, ...]] = ("on-demand", "reservation", "capacity-block", "spot")
    mirror_example: ClassVar[str | None] = "an ECR repository"
    regions_catalog: ClassVar[str | None] = "aws_regions"

    kind: Literal["aws"]
    # eusc-de-east-1 is the European Sovereign Cloud's; Local and Wavelength Zones are not GPU zones
    region: str = Field(pattern=r"^[a-z]{2,4}(-[a-z]{2})?(-gov)?-[a-z]+-\d$", description="e.g. eu-west-1")
    zone: str = Field(
        pattern=r"^[a-z]{2,4}(-[a-z]{2})?(-gov)?-[a-z]+-\d[a-z]$",
        description="An Availability Zone of the region, e.g. eu-west-1a (Local and Wavelength Zones "
        "such as us-east-1-bos-1a hold no GPU instances ailz supports)",
    )
    network: AwsNetwork
    system_nodes: SystemNodes = Field(default_factory=SystemNodes)
    eks_quotas: EksQuotas = Field(default_factory=EksQuotas)

    @property
    def location(self) -> str:
        return self.region

    @property
    def availability_zone(self) -> str | None:
        return self.zone
