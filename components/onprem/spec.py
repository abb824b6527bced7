"""The `kind: onprem` target: an existing Kubernetes cluster on the user's own GPU servers."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from ailz.spec.common import Fabric, SpecModel, TargetBase


class Cluster(SpecModel):
    context: str = Field(description="kubeconfig context of the existing cluster.")
    kubeconfig: str | None = Field(default=None, description="kubeconfig file; default: $KUBECONFIG")


class KmsPlugin(SpecModel):
    endpoint: str = Field(
        default="unix:///var/run/kmsplugin/socket.sock",
        pattern=r"^unix:///.+",
        description="Socket of the KMS v2 plugin that talks to the HSM or Vault.",
    )
    name: str = Field(default="ailz-hsm", pattern=r"^[a-z0-9][a-z0-9-]*$")
    timeout_seconds: int = Field(default=3, ge=1, le=60)


class Sovereignty(SpecModel):
    allow_load_balancers: bool = Field(
        default=False, description="Permit Services of type LoadBalancer (refused by default)."
    )
    kms: KmsPlugin = Field(default_factory=KmsPlugin)


class OnpremTarget(TargetBase):
    uses_key_service: ClassVar[bool] = False  # keys stay in the site's own HSM (KMS v2 plugin)
    manages_api_endpoint: ClassVar[bool] = False  # the existing cluster's API is the site's

    kind: Literal["onprem"]
    region: str = Field(description="Site or region name, checked against residency.")
    cluster: Cluster
    fabric: Fabric | None = None
    sovereignty: Sovereignty = Field(default_factory=Sovereignty)
    gpu_driver: Literal["operator", "host"] = Field(
        default="operator",
        description="operator: the GPU Operator runs the driver; host: the servers have it (DGX OS).",
    )

    @property
    def location(self) -> str:
        return self.region

    @property
    def site_fabric(self) -> Fabric | None:
        return self.fabric

    @property
    def existing_cluster(self) -> tuple[str | None, str] | None:
        return self.cluster.kubeconfig, self.cluster.context
