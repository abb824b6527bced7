"""The GCP target: one component that owns the provider and every GCP part of the zone."""

from __future__ import annotations

import pulumi
import pulumi_gcp as gcp
from ailz.components.base import AilzComponent
from ailz.components.context import ClusterHandle, TargetContext


class GcpLandingZone(AilzComponent):
    def __init__(self, ctx: TargetContext, opts: pulumi.ResourceOptions | None = None) -> None:
        target = ctx.target
        super().__init__("gcp", "LandingZone", target.name, ctx.path(), opts)
        self.provider = gcp.Provider(
            f"{target.name}-gcp",
            project=target.project,
            region=target.region,
            zone=target.zone,
            opts=self.child(),
        )
        self.outputs: dict[str, pulumi.Input] = {
            "project": target.project,
            "region": target.region,
            "zone": target.zone,
        }
        self.cluster: ClusterHandle | None = None  # set once the cluster exists
        self.register_outputs(self.outputs)
