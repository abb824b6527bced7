"""The AWS target: one component that owns the provider and every AWS part of the zone."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws
from ailz.components.base import AilzComponent
from ailz.components.context import ClusterHandle, TargetContext


class AwsLandingZone(AilzComponent):
    def __init__(self, ctx: TargetContext, opts: pulumi.ResourceOptions | None = None) -> None:
        target = ctx.target
        super().__init__("aws", "LandingZone", target.name, ctx.path(), opts)
        self.provider = aws.Provider(
            f"{target.name}-aws",
            region=target.region,
            opts=self.child(),
        )
        self.outputs: dict[str, pulumi.Input] = {"region": target.region, "zone": target.zone}
        self.cluster: ClusterHandle | None = None  # set once the cluster exists
        self.register_outputs(self.outputs)
