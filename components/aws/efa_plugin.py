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
# Regional EKS image registries (EKS user guide, "View Amazon container image registries for
# Amazon EKS add-ons"): nodes pull from their own region, through the ECR endpoints when the VPC
# has no internet egress. Regions not listed use the common account.
EKS_REGISTRY_ACCOUNT = "602401143452"
EKS_REGISTRY_ACCOUNTS = {
    "af-south-1": "877085696533",
    "ap-east-1": "800184023465",
    "ap-southeast-3": "296578399912",
    "ap-south-2": "900889452093",
    "ap-southeast-4": "491585149902",
    "ap-southeast-5": "151610086707",
    "ap-southeast-6": "333609536671",
    "ap-southeast-7": "121268973566",
    "cn-north-1": "918309763551",
    "cn-northwest-1": "961992271922",
}


def eks_registry(region: str) -> str:
    account = EKS_REGISTRY_ACCOUNTS.get(region, EKS_REGISTRY_ACCOUNT)
    suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return f"{account}.dkr.ecr.{region}.{suffix}"


def plugin_values(instance_types: list[str], region: str) -> dict:
    """Run on the zone's EFA machines only, tolerating the GPU taint those nodes carry."""
    return {
        "image": {"repository": f"{eks_registry(region)}/eks/aws-efa-k8s-device-plugin"},
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
            values=plugin_values(instance_types, target.region),
            atomic=True,
            opts=pulumi.ResourceOptions(
                parent=self, provider=kubernetes_provider, depends_on=depends_on or []
            ),
        )
        self.register_outputs({})
