"""What every component needs to know about its place in the zone; pure, no Pulumi."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ailz.catalog import Catalog, Machine
from ailz.components.common.labels import zone_tags
from ailz.components.common.names import stack_name
from ailz.spec.common import GpuPool
from ailz.spec.zone import LandingZone


@dataclass(frozen=True)
class TargetContext:
    zone: LandingZone
    index: int
    catalog: Catalog

    @property
    def target(self):
        return self.zone.targets[self.index]

    @property
    def stack_name(self) -> str:
        return stack_name(self.zone.name, self.target.name)

    def path(self, *parts: str | int) -> str:
        """Spec path of something inside this target, e.g. targets[0].gpu_pools[1]."""
        out = f"targets[{self.index}]"
        for part in parts:
            out += f"[{part}]" if isinstance(part, int) else f".{part}"
        return out

    def pool_path(self, pool: GpuPool) -> str:
        return self.path("gpu_pools", self.target.gpu_pools.index(pool))

    def machine(self, pool: GpuPool) -> Machine:
        return self.catalog.machine(pool.machine)

    def tags(self, pool: GpuPool | None = None, **extra: str) -> dict[str, str]:
        """Spec tags plus the ailz keys; normalise with labels.aws_tags/gcp_labels/k8s_labels."""
        machine = self.machine(pool) if pool is not None else None
        return zone_tags(self.zone, self.target.name, pool, machine, extra)


@dataclass
class ClusterHandle:
    """What a target hands to the shared in-cluster layer (GPU stack, teams, scheduling)."""

    kubernetes_provider: Any
    gpu_driver_preinstalled: bool
    # the node image also ships the NVIDIA container toolkit (EKS AL2023 NVIDIA AMI does)
    container_toolkit_preinstalled: bool = False
    # False where the platform manages the GPU device plugin itself (GKE)
    install_gpu_operator: bool = True
    # (CIDR, port) where pods fetch cloud credentials; team namespaces may reach exactly these
    credential_endpoints: tuple[tuple[str, int], ...] = ()
    # what the platform's own GPUDirect stack needs inside RDMA pods (GKE: plugin host paths, the
    # rxdm daemon's network capabilities); everything else stays refused by the admission policy
    rdma_pod_host_paths: tuple[str, ...] = ()
    rdma_pod_daemon_capabilities: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # team name -> annotations for its workload ServiceAccount (cloud workload identity)
    service_account_annotations: dict[str, dict[str, Any]] = field(default_factory=dict)
    # resources the in-cluster layer must wait for (e.g. node pools, add-ons)
    depends_on: list[Any] = field(default_factory=list)
    # in-jurisdiction mirrors: image registry, OCI chart path, HTTPS base of release manifests
    registry_mirror: str | None = None
    # digests the spec gives for images ailz chooses (target.image_digests)
    image_digests: dict[str, str] = field(default_factory=dict)
    chart_mirror: str | None = None
    manifest_mirror: str | None = None
    # per GPU pool, the GPUs and fabric devices a node offers; None: the catalog's machine resources
    # (e.g. vpc.amazonaws.com/efa); on-prem the site's RDMA device plugin decides
    node_resources: list[dict[str, int]] | None = None
    # the site's RDMA stack: GPUDirect RDMA in the GPU Operator, and whether the Network Operator
    # runs the DOCA driver container (else the hosts have MOFED/DOCA installed)
    rdma: bool = False
    rdma_driver_container: bool = False
    # how the NIC reaches GPU memory: "peermem" (the GPU Operator loads nvidia-peermem) or "dma-buf"
    # (no module; the open GPU kernel modules and Linux 5.12+ export GPU memory as DMA-BUF)
    gpudirect: str = "peermem"
    # the site's OS package repository for driver containers that build kernel modules on the node:
    # (file name, content, PEM CA bundle or None); None: the nodes reach their distribution's own
    os_packages: tuple[str, str, str | None] | None = None
    # the site layer installs Node Feature Discovery (with the Network Operator): the GPU Operator
    # uses it instead of deploying a second one
    nfd_installed: bool = False
    # where pods reach storage: the HTTPS storage APIs of a cloud, or the site network and port
    storage_cidrs: tuple[str, ...] = ("0.0.0.0/0",)
    storage_ports: tuple[int, ...] = (443,)
    # an S3-compatible object store teams get as a ConfigMap (on-prem), else None
    object_store: dict[str, str] | None = None
    # what a training pod needs to use the site's RDMA fabric (the nccl-fabric ConfigMap's data),
    # copied into every team namespace, where team RBAC reads it
    fabric_config: dict[str, str] | None = None


def registry_mirrors(target) -> dict[str, Any]:
    """ClusterHandle mirror and digest fields from the target's `registries` (none: upstream
    registries) and `image_digests`."""
    registries = target.registries
    if registries is None:
        return {"registry_mirror": None, "chart_mirror": None, "manifest_mirror": None,
                "image_digests": dict(target.image_digests)}  # fmt: skip
    return {
        "image_digests": dict(target.image_digests),
        "registry_mirror": registries.mirror,
        "chart_mirror": registries.charts or f"oci://{registries.mirror}/charts",
        "manifest_mirror": registries.manifests,
    }
