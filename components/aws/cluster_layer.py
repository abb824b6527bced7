"""The AWS target's platform stack: what EKS needs inside the cluster before the shared platform,
applied through the cluster's API from the infrastructure stack's outputs."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from ailz.catalog import load_catalog
from ailz.components.aws.efa_plugin import EfaDevicePlugin
from ailz.components.common.base import AilzComponent
from ailz.components.common.context import ClusterHandle, TargetContext, registry_mirrors
from ailz.components.common.labels import k8s_labels
from ailz.components.common.names import WARM_VOLUMES
from ailz.components.platform.warm_volume import WarmVolume


class AwsClusterLayer(AilzComponent):
    """The Kubernetes provider from the exported kubeconfig (`aws eks get-token`), the EFA device
    plugin on EFA machines, and the FSx for Lustre PersistentVolume; hands the platform its cluster."""

    def __init__(
        self, ctx: TargetContext, infra: dict[str, Any], opts: pulumi.ResourceOptions | None = None
    ) -> None:
        target = ctx.target
        super().__init__("aws", "ClusterLayer", target.name, ctx.path("kubernetes"), opts)
        provider = k8s.Provider(
            f"{target.name}-k8s",
            kubeconfig=pulumi.Output.secret(infra["kubeconfig"]),
            enable_server_side_apply=True,
            delete_unreachable=False,
            opts=self.child(),
        )
        in_cluster = pulumi.ResourceOptions(parent=self, providers={"kubernetes": provider})
        efa_machines = [ctx.machine(p).name for p in target.gpu_pools if ctx.machine(p).efa]
        if efa_machines:
            EfaDevicePlugin(
                f"{target.name}-efa-plugin",
                ctx.path("gpu_pools"),
                region=target.region,
                kubernetes_provider=provider,
                instance_types=efa_machines,
                opts=in_cluster,
            )
        self.outputs: dict[str, pulumi.Input] = {}
        if infra.get("warmVolumeSpec"):
            volume = WarmVolume(
                f"{target.name}-lustre-volume",
                ctx.path("storage", "warm"),
                volume_name=WARM_VOLUMES["lustre"],
                spec=infra["warmVolumeSpec"],
                labels=k8s_labels(ctx.tags()),
                opts=in_cluster,
            )
            self.outputs["lustreVolume"] = volume.volume_name
        self.cluster = ClusterHandle(
            kubernetes_provider=provider,
            gpu_driver_preinstalled=True,
            container_toolkit_preinstalled=True,
            # EKS Pod Identity: pods get credentials from the agent on their node
            credential_endpoints=(load_catalog().eks_pod_identity_agent.endpoint,),
            **registry_mirrors(target),
        )
        self.register_outputs(self.outputs)
