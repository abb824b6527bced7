"""The AWS EFA Kubernetes device plugin: advertises vpc.amazonaws.com/efa on GPU nodes."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s
from ailz.components.base import AilzComponent
from ailz.components.context import TargetContext

# aws/eks-charts stable/aws-efa-k8s-device-plugin (Chart.yaml: version v0.5.20, app v0.5.13).
CHART = "aws-efa-k8s-device-plugin"
CHART_VERSION = "v0.5.20"
CHART_REPO = "https://aws.github.io/eks-charts"
NAMESPACE = "kube-system"


def plugin_values(instance_types: list[str]) -> dict:
    """Run on the zone's EFA machines only, tolerating the GPU taint those nodes carry."""
    return {
        "supportedInstanceLabels": {
            "keys": ["node.kubernetes.io/instance-type"],
            "values": sorted(set(instance_types)),
        },
        "tolerations": [
            {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"},
            {"key": "aws.amazon.com/efa", "operator": "Exists", "effect": "NoSchedule"},
        ],
    }


class EfaDevicePlugin(AilzComponent):
    def __init__(
        self,
        ctx: TargetContext,
        kubernetes_provider: k8s.Provider,
        instance_types: list[str],
        depends_on: list[pulumi.Resource] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        target = ctx.target
        super().__init__("aws", "EfaDevicePlugin", f"{target.name}-efa-plugin", ctx.path("gpu_pools"), opts)
        self.release = k8s.helm.v3.Release(
            f"{target.name}-efa-device-plugin",
            name=CHART,
            chart=CHART,
            version=CHART_VERSION,
            repository_opts={"repo": CHART_REPO},
            namespace=NAMESPACE,
            values=plugin_values(instance_types),
            atomic=True,
            opts=pulumi.ResourceOptions(
                parent=self, provider=kubernetes_provider, depends_on=depends_on or []
            ),
        )
        self.register_outputs({})
