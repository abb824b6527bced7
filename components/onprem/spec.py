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


class OsPackages(SpecModel):
    """The site's mirror of the GPU nodes' OS packages. Without egress, the GPU driver and DOCA
    driver containers install the running kernel's headers and modules from it to build their
    kernel modules (GPU Operator and Network Operator air-gapped guides)."""

    format: Literal["apt", "yum"] = Field(
        default="apt", description="apt: Ubuntu sources.list lines; yum: a RHEL/Rocky .repo file."
    )
    repository: str = Field(
        min_length=8,
        description="The repository file's content, e.g. "
        "'deb [arch=amd64] https://pkgs.site/ubuntu jammy main universe' (one line per repository).",
    )
    ca_bundle: str | None = Field(
        default=None,
        pattern=r"-----BEGIN CERTIFICATE-----",
        description="PEM certificates of the repository's HTTPS server, when a private CA signs it.",
    )

    @property
    def file_name(self) -> str:
        """The file the driver containers read: sources.list.d/*.list or yum.repos.d/*.repo."""
        return "ailz-os-packages.list" if self.format == "apt" else "ailz-os-packages.repo"


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
    node_os: str = Field(
        default="ubuntu22.04",
        pattern=r"^[a-z]+[0-9]+(\.[0-9]+)?$",
        description="The GPU nodes' OS as /etc/os-release names it (ID and VERSION_ID: ubuntu22.04, "
        "ubuntu24.04, rhel9.4): the driver images the operators pull carry it in their tags.",
    )
    os_packages: OsPackages | None = Field(
        default=None,
        description="The site's OS package mirror; needed without egress when a driver container "
        "builds on the nodes (gpu_driver: operator, fabric.install_driver).",
    )

    @property
    def location(self) -> str:
        return self.region

    @property
    def site_fabric(self) -> Fabric | None:
        return self.fabric

    @property
    def driver_os_tag(self) -> str | None:
        return self.node_os

    @property
    def existing_cluster(self) -> tuple[str | None, str] | None:
        return self.cluster.kubeconfig, self.cluster.context
