"""The on-prem target's infrastructure stack. ailz creates nothing outside the existing cluster, so
the stack holds no resource; it records the cluster it will reach (cluster_layer.py does the work)."""

from __future__ import annotations

import pulumi

from ailz.components.common.base import AilzComponent
from ailz.components.common.context import TargetContext


class OnpremLandingZone(AilzComponent):
    def __init__(self, ctx: TargetContext, opts: pulumi.ResourceOptions | None = None) -> None:
        target = ctx.target
        super().__init__("onprem", "LandingZone", target.name, ctx.path(), opts)
        self.outputs: dict[str, pulumi.Input] = {"context": target.cluster.context}
        self.register_outputs(self.outputs)
