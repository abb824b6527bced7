"""The on-prem target's platform stack: everything ailz does on an existing cluster goes through its
Kubernetes API (its infrastructure stack, landing_zone.py, holds no resource)."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from ailz.components.common import names
from ailz.components.common.base import AilzComponent
from ailz.components.common.context import ClusterHandle, TargetContext, registry_mirrors
from ailz.components.common.labels import k8s_labels
from ailz.components.onprem.fabric_manifests import nccl_fabric_config
from ailz.components.onprem.rdma_fabric import RdmaFabric
from ailz.components.onprem.sovereignty import SovereigntyControls
from ailz.components.onprem.spec import Fabric
from ailz.components.onprem.storage import StorageTiers
from ailz.components.onprem.storage_manifests import bucket_names, endpoint_port, object_store_data
from ailz.spec.common import ColdTier


def node_resources(ctx: TargetContext, fabric: Fabric | None) -> list[dict[str, int]]:
    """What each pool's nodes offer: GPUs and one RDMA resource per HCA of the site's device
    plugin; without a fabric, no fabric devices at all."""
    if fabric is None:
        return []
    hcas = len(fabric.hcas)
    # the shared plugin: every HCA; SR-IOV: a virtual function of each rail (per whole-node pod)
    fabric_devices = (
        {names.onprem_rdma_resource("shared"): hcas}
        if fabric.device_plugin == "shared"
        else names.onprem_rdma_request("sriov", hcas)
    )
    return [
        {names.GPU_RESOURCE: ctx.machine(pool).gpu.count, **fabric_devices} for pool in ctx.target.gpu_pools
    ]


def object_store(zone: str, target: str, cold: ColdTier | None) -> dict[str, str] | None:
    """The site's S3-compatible store as teams see it, when the cold tier names an endpoint."""
    if cold is None or not cold.endpoint:
        return None
    buckets = bucket_names(zone, target, list(cold.buckets))
    return object_store_data(cold.endpoint, buckets, cold.credentials_secret)


class OnpremClusterLayer(AilzComponent):
    """The existing cluster through the kubeconfig context the spec names: RDMA fabric, storage
    classes and sovereign controls; hands the platform its cluster."""

    def __init__(
        self, ctx: TargetContext, infra: dict[str, Any], opts: pulumi.ResourceOptions | None = None
    ) -> None:
        target = ctx.target
        super().__init__("onprem", "ClusterLayer", target.name, ctx.path(), opts)
        provider = k8s.Provider(
            f"{target.name}-k8s",
            context=target.cluster.context,
            kubeconfig=target.cluster.kubeconfig,
            enable_server_side_apply=True,
            opts=self.child(),
        )
        fabric = target.fabric if target.fabric is not None and target.fabric.hcas else None
        cold = target.storage.cold
        self.cluster = ClusterHandle(
            kubernetes_provider=provider,
            gpu_driver_preinstalled=target.gpu_driver == "host",
            **registry_mirrors(target),
            node_resources=node_resources(ctx, fabric),
            rdma=fabric is not None,
            rdma_driver_container=fabric is not None and fabric.install_driver,
            gpudirect=fabric.gpudirect if fabric is not None else "peermem",
            os_packages=(
                (target.os_packages.file_name, target.os_packages.repository, target.os_packages.ca_bundle)
                if target.os_packages is not None
                else None
            ),
            nfd_installed=fabric is not None,
            fabric_config=nccl_fabric_config(fabric, {})["data"] if fabric is not None else None,
            # pods reach storage on the site network only
            storage_cidrs=(target.network.cidr,),
            storage_ports=(endpoint_port(cold.endpoint) if cold and cold.endpoint else 443,),
            object_store=object_store(ctx.zone.name, target.name, cold),
        )
        labels = k8s_labels(ctx.tags())
        here = self.child()
        if target.fabric is not None and target.fabric.hcas:
            pools = {pool.name: pool.scaling[2] for pool in target.gpu_pools}
            RdmaFabric(
                f"{target.name}-fabric",
                ctx.path("fabric"),
                fabric=target.fabric,
                pools=pools,
                cluster=self.cluster,
                labels=labels,
                opts=here,
            )
        StorageTiers(
            f"{target.name}-storage",
            ctx.path("storage"),
            storage=target.storage,
            cluster=self.cluster,
            labels=labels,
            opts=here,
        )
        controls = SovereigntyControls(
            f"{target.name}-sovereignty",
            ctx.path("sovereignty"),
            target=target,
            cluster=self.cluster,
            labels=labels,
            opts=here,
        )
        self.outputs: dict[str, pulumi.Input] = {
            "context": target.cluster.context,
            "encryptionConfiguration": controls.encryption_configuration,
            "auditPolicy": controls.audit_policy,
        }
        self.register_outputs(self.outputs)
