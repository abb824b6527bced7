"""The `kind: aws` target."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, model_validator

from ailz.spec.common import SpecModel, TargetBase


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


class AwsTarget(TargetBase):
    capacity_kinds: ClassVar[tuple[str, ...]] = ("on-demand", "reservation", "capacity-block", "spot")
    mirror_example: ClassVar[str | None] = "an ECR repository"

    kind: Literal["aws"]
    region: str = Field(pattern=r"^[a-z]{2}(-gov)?-[a-z]+-\d$", description="e.g. eu-west-1")
    zone: str = Field(pattern=r"^[a-z]{2}(-gov)?-[a-z]+-\d[a-z]$", description="e.g. eu-west-1a")
    system_nodes: SystemNodes = Field(default_factory=SystemNodes)

    @property
    def location(self) -> str:
        return self.region

    @property
    def availability_zone(self) -> str | None:
        return self.zone
