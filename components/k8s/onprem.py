"""The on-prem target: an existing cluster reached through its kubeconfig context."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from ailz.components.base import AilzComponent
from ailz.components.context import ClusterHandle, TargetContext, registry_mirrors
from ailz.components.k8s.rdma_fabric import RdmaFabric
from ailz.components.k8s.sovereignty import SovereigntyControls
from ailz.components.k8s.storage import StorageTiers
from ailz.components.labels import k8s_labels


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
        self.cluster = ClusterHandle(
            kubernetes_provider=provider,
            gpu_driver_preinstalled=target.gpu_driver == "host",
            **registry_mirrors(target),
        )
        labels = k8s_labels(ctx.tags())
        here = self.child()
        if target.fabric is not None and target.fabric.hcas:
            nodes = sum(pool.scaling[2] for pool in target.gpu_pools)
            RdmaFabric(
                f"{target.name}-fabric", ctx.path("fabric"), target.fabric, nodes, self.cluster, labels, here
            )
        StorageTiers(
            f"{target.name}-storage", ctx.path("storage"), target.storage, self.cluster, labels, here
        )
        controls = SovereigntyControls(
            f"{target.name}-sovereignty", ctx.path("sovereignty"), target, self.cluster, labels, here
        )
        self.outputs: dict[str, pulumi.Input] = {
            "context": target.cluster.context,
            "encryptionConfiguration": controls.encryption_configuration,
            "auditPolicy": controls.audit_policy,
        }
        self.register_outputs(self.outputs)
