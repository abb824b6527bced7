"""The on-prem target: an existing cluster reached through its kubeconfig context."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s
from ailz.components.base import AilzComponent
from ailz.components.context import ClusterHandle, TargetContext


class OnpremLandingZone(AilzComponent):
    def __init__(self, ctx: TargetContext, opts: pulumi.ResourceOptions | None = None) -> None:
        target = ctx.target
        super().__init__("onprem", "LandingZone", target.name, ctx.path(), opts)
        provider = k8s.Provider(
            f"{target.name}-k8s",
            context=target.cluster.context,
            kubeconfig=target.cluster.kubeconfig,
            enable_server_side_apply=True,
            opts=self.child(),
        )
        self.cluster = ClusterHandle(kubernetes_provider=provider, gpu_driver_preinstalled=False)
        self.outputs: dict[str, pulumi.Input] = {"context": target.cluster.context}
        self.register_outputs(self.outputs)
