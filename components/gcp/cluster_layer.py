"""The GCP target's platform stack: what GKE needs inside the cluster before the shared platform,
applied through the cluster's API from the infrastructure stack's outputs."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from ailz.catalog import load_catalog
from ailz.components.common import names
from ailz.components.common.base import AilzComponent
from ailz.components.common.context import ClusterHandle, TargetContext, registry_mirrors
from ailz.components.common.images import pinned
from ailz.components.common.labels import k8s_labels
from ailz.components.gcp.multi_network import GkeNetworkObjects
from ailz.components.gcp.names import fit
from ailz.components.gcp.nccl_plugin import NcclPluginInstaller
from ailz.components.gcp.nccl_plugin_plan import injector_accelerators, installer_families, pod_allowances
from ailz.components.gcp.nri_injector import NriDeviceInjector
from ailz.components.platform.warm_volume import WarmVolume


class GcpClusterLayer(AilzComponent):
    """The Kubernetes provider from the exported kubeconfig (gke-gcloud-auth-plugin), the GKE
    multi-network objects, the GPUDirect host plumbing (NCCL plugin installers, NRI device injector)
    and the warm tier's PersistentVolume; hands the platform its cluster."""

    def __init__(
        self, ctx: TargetContext, infra: dict[str, Any], opts: pulumi.ResourceOptions | None = None
    ) -> None:
        target = ctx.target
        super().__init__("gcp", "ClusterLayer", target.name, ctx.path("kubernetes"), opts)
        prefix = fit(ctx.stack_name, 30)
        provider = k8s.Provider(
            f"{prefix}-k8s",
            kubeconfig=pulumi.Output.secret(infra["kubeconfig"]),
            enable_server_side_apply=True,
            opts=self.child(),
        )
        in_cluster = pulumi.ResourceOptions(parent=self, providers={"kubernetes": provider})
        labels = k8s_labels(ctx.tags())
        # every image the GPUDirect host plumbing pulls comes from the mirror when there is one
        mirror = target.registries.mirror if target.registries is not None else None
        in_cluster_parts: list[pulumi.Resource] = []
        if infra.get("gkeNetworks"):
            in_cluster_parts.append(
                GkeNetworkObjects(
                    f"{prefix}-networks",
                    ctx.path("gpu_pools"),
                    nics=list(infra["gkeNetworks"]),
                    labels=labels,
                    opts=in_cluster,
                )
            )
        # host side of each GPUDirect fabric: one NCCL plugin installer per fabric profile
        machines = {pool.name: ctx.machine(pool) for pool in target.gpu_pools}
        families = installer_families(list(machines.values()))
        for profile, accelerators in families.items():
            first = next(p for p in target.gpu_pools if machines[p.name].nccl_profile == profile)
            in_cluster_parts.append(
                NcclPluginInstaller(
                    f"{prefix}-{profile}",
                    ctx.pool_path(first),
                    profile=profile,
                    image=pinned(ctx.catalog.fabric_profiles[profile].image, target.image_digests),
                    accelerators=accelerators,
                    labels=labels,
                    mirror=mirror,
                    opts=in_cluster,
                )
            )
        if injected := injector_accelerators(families):
            in_cluster_parts.append(
                NriDeviceInjector(
                    f"{prefix}-nri",
                    ctx.path("gpu_pools"),
                    accelerators=injected,
                    labels=labels,
                    mirror=mirror,
                    opts=in_cluster,
                )
            )
        if infra.get("warmVolumeSpec"):
            kind = infra["warmVolumeKind"]
            in_cluster_parts.append(
                WarmVolume(
                    f"{prefix}-{kind}-volume",
                    ctx.path("storage", "warm"),
                    volume_name=names.WARM_VOLUMES[kind],
                    spec=infra["warmVolumeSpec"],
                    labels=labels,
                    opts=in_cluster,
                )
            )
        host_paths, daemon_capabilities = pod_allowances(sorted({m.nccl_profile for m in machines.values()}))
        self.cluster = ClusterHandle(
            kubernetes_provider=provider,
            gpu_driver_preinstalled=True,
            install_gpu_operator=False,
            service_account_annotations={
                team: {"iam.gke.io/gcp-service-account": email}
                for team, email in (infra.get("teamServiceAccounts") or {}).items()
            },
            # Workload Identity: pods get credentials from the GKE metadata server on their node
            credential_endpoints=(load_catalog().gke_metadata_server.endpoint,),
            **registry_mirrors(target),
            rdma_pod_host_paths=host_paths,
            rdma_pod_daemon_capabilities=daemon_capabilities,
            # the platform's workloads wait for the fabric objects, host plumbing and volume
            depends_on=in_cluster_parts,
        )
        self.outputs: dict[str, pulumi.Input] = {}
        self.register_outputs({})
