"""Stand-ins for the AWS and GCP target components that hand the platform a cluster the way the
real ones will (drivers preinstalled on EKS; GKE manages the device plugin itself)."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from ailz.components.common.base import AilzComponent
from ailz.components.common.context import ClusterHandle, TargetContext

ROLE_ARN = "arn:aws:iam::111111111111:role/research-workload"
GCP_SA = "research@acme-ai-train.iam.gserviceaccount.com"


class NoInfrastructure:
    """The infrastructure stage of a stubbed cloud target: nothing, no outputs."""

    def __init__(self, ctx: TargetContext, opts: pulumi.ResourceOptions | None = None) -> None:
        self.outputs: dict = {}


class CloudClusterStub(AilzComponent):
    def __init__(self, ctx: TargetContext, infra: dict, opts: pulumi.ResourceOptions | None = None) -> None:
        target = ctx.target
        super().__init__("test", "CloudCluster", target.name, ctx.path(), opts)
        provider = k8s.Provider(f"{target.name}-k8s", kubeconfig="{}", opts=self.child())
        if target.kind == "aws":
            self.cluster = ClusterHandle(
                kubernetes_provider=provider,
                gpu_driver_preinstalled=True,
                container_toolkit_preinstalled=True,
                service_account_annotations={"research": {"eks.amazonaws.com/role-arn": ROLE_ARN}},
            )
        else:
            self.cluster = ClusterHandle(
                kubernetes_provider=provider,
                gpu_driver_preinstalled=True,
                install_gpu_operator=False,
                service_account_annotations={"research": {"iam.gke.io/gcp-service-account": GCP_SA}},
            )
        self.outputs: dict[str, pulumi.Input] = {}
        self.register_outputs({})
