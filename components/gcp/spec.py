"""The `kind: gcp` target."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from ailz.spec.common import TargetBase


class GcpTarget(TargetBase):
    zone_example: ClassVar[str] = "{region}-a"
    mirror_example: ClassVar[str | None] = "an Artifact Registry repository"

    kind: Literal["gcp"]
    project: str = Field(pattern=r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$", description="GCP project id.")
    region: str = Field(pattern=r"^[a-z]+-[a-z]+\d+$", description="e.g. europe-west4")
    zone: str = Field(pattern=r"^[a-z]+-[a-z]+\d+-[a-z]$", description="e.g. europe-west4-b")
    regional_cluster: bool = Field(
        default=False, description="Regional control plane; GPU pools stay in `zone`."
    )

    @property
    def location(self) -> str:
        return self.region

    @property
    def availability_zone(self) -> str | None:
        return self.zone
