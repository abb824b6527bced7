"""The AWS EFA Kubernetes device plugin: advertises vpc.amazonaws.com/efa on GPU nodes."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from ailz.components.common.base import AilzComponent
from ailz.components.common.names import GPU_TAINT_KEY
from ailz.components.platform.charts import chart_source, platform_data
from ailz.components.platform.objects import helm_release

CHART = "aws-efa-k8s-device-plugin"


def eks_registry(region: str) -> str:
    """The regional EKS image registry (catalog/platform.yaml eks_image_registries)."""
    facts = platform_data()["eks_image_registries"]
    account = facts["accounts"].get(region, facts["default_account"])
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
            {"key": GPU_TAINT_KEY, "operator": "Exists", "effect": "NoSchedule"},
            {"key": "aws.amazon.com/efa", "operator": "Exists", "effect": "NoSchedule"},
        ],
    }


class EfaDevicePlugin(AilzComponent):
    def __init__(
        self,
        name: str,
        spec_path: str,
        *,
        region: str,
        kubernetes_provider: k8s.Provider,
        instance_types: list[str],
        depends_on: list[pulumi.Resource] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("aws", "EfaDevicePlugin", name, spec_path, opts)
        self.release = helm_release(
            CHART,
            chart_source(CHART),
            plugin_values(instance_types, region),
            self,
            kubernetes_provider,
            depends_on,
        )
        self.register_outputs({})
