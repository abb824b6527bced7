"""The `kind: onprem` target: an existing Kubernetes cluster on the user's own GPU servers."""

from __future__ import annotations

from typing import Literal

from ailz.stacks.spec_common import SpecModel, TargetBase
from pydantic import Field


class Cluster(SpecModel):
    context: str = Field(description="kubeconfig context of the existing cluster.")
    kubeconfig: str | None = Field(default=None, description="kubeconfig file; default: $KUBECONFIG")


class Fabric(SpecModel):
    kind: Literal["infiniband", "roce"]
    hcas: list[str] = Field(default_factory=list, description="HCA names, e.g. mlx5_0 .. mlx5_7")
    mtu: int = Field(default=4096, ge=1280, le=9216)
    gid_index: int | None = Field(default=None, ge=0, description="RoCE v2 GID index (often 3).")


class Registries(SpecModel):
    mirror: str = Field(description="In-jurisdiction registry that mirrors every image ailz uses.")
    allowed: list[str] = Field(default_factory=list, description="Registries pods may pull from.")


class OnpremTarget(TargetBase):
    kind: Literal["onprem"]
    region: str = Field(description="Site or region name, checked against residency.")
    cluster: Cluster
    fabric: Fabric | None = None
    registries: Registries | None = None

    @property
    def location(self) -> str:
        return self.region
