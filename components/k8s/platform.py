"""The in-cluster layer every target shares: GPU stack, pod security, scheduling, teams."""

from __future__ import annotations

from typing import Any

import pulumi

from ailz.components.base import AilzComponent
from ailz.components.context import ClusterHandle, TargetContext
from ailz.components.k8s.gpu_operator import GpuOperator
from ailz.components.k8s.gpu_operator_values import GpuStackOptions
from ailz.components.k8s.pod_security import RdmaPodSecurity
from ailz.components.k8s.scheduling import Scheduling
from ailz.components.k8s.storage_manifests import bucket_names, endpoint_port, object_store_data
from ailz.components.k8s.team import TeamNamespace
from ailz.components.k8s.team_manifests import rdma_per_gpu
from ailz.components.labels import k8s_labels
from ailz.stacks import naming

ANYWHERE = "0.0.0.0/0"


def pool_gpus(ctx: TargetContext) -> dict[str, int]:
    """GPUs each pool can grow to: the ceiling of its Kueue flavor."""
    return {pool.name: pool.scaling[2] * ctx.machine(pool).gpu.count for pool in ctx.target.gpu_pools}


def fabric_per_gpu(ctx: TargetContext) -> dict[str, float]:
    """On-prem: the RDMA resource of the Network Operator policy, one per HCA; clouds: the catalog's
    extended resources of each pool's machine (e.g. vpc.amazonaws.com/efa)."""
    target = ctx.target
    if target.kind == "onprem":
        if target.fabric is None or not target.fabric.hcas:
            return {}
        resource = naming.onprem_rdma_resource(target.fabric.device_plugin)
        nodes = [
            {"nvidia.com/gpu": ctx.machine(p).gpu.count, resource: len(target.fabric.hcas)}
            for p in target.gpu_pools
        ]
        return rdma_per_gpu(nodes)
    return rdma_per_gpu([dict(ctx.machine(p).kubernetes_resources) for p in target.gpu_pools])


def storage_endpoints(ctx: TargetContext) -> tuple[list[str], list[int]]:
    """Where pods may reach storage: on-prem the site network only, clouds the HTTPS storage APIs."""
    target = ctx.target
    if target.kind == "onprem":
        cold = target.storage.cold
        port = endpoint_port(cold.endpoint) if cold and cold.endpoint else 443
        return [target.network.cidr], [port]
    return [ANYWHERE], [443]


def gpu_stack_options(ctx: TargetContext, cluster: ClusterHandle) -> GpuStackOptions:
    target = ctx.target
    fabric = getattr(target, "fabric", None)
    rdma = fabric is not None and bool(fabric.hcas)
    warm = target.storage.warm
    return GpuStackOptions(
        driver_preinstalled=cluster.gpu_driver_preinstalled,
        toolkit_preinstalled=cluster.container_toolkit_preinstalled,
        rdma=rdma,
        host_mofed=not (rdma and fabric.install_driver),
        gds=rdma and warm is not None and warm.kind == "parallel-fs",
        gdrcopy=rdma,
        registry_mirror=cluster.registry_mirror,
    )


def object_store(ctx: TargetContext) -> dict[str, str] | None:
    cold = ctx.target.storage.cold
    if ctx.target.kind != "onprem" or cold is None or not cold.endpoint:
        return None
    buckets = bucket_names(ctx.zone.name, ctx.target.name, list(cold.buckets))
    return object_store_data(cold.endpoint, buckets, cold.credentials_secret)


class ClusterPlatform(AilzComponent):
    def __init__(
        self, ctx: TargetContext, cluster: ClusterHandle, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("k8s", "ClusterPlatform", ctx.target.name, ctx.path("kubernetes"), opts)
        labels = k8s_labels(ctx.tags())
        path = ctx.path("kubernetes")
        here = pulumi.ResourceOptions(parent=self)
        self.gpu_operator: GpuOperator | None = None
        if cluster.install_gpu_operator:
            self.gpu_operator = GpuOperator(
                f"{ctx.target.name}-gpu-operator",
                ctx.path("gpu_pools"),
                cluster,
                gpu_stack_options(ctx, cluster),
                labels,
                here,
            )
        RdmaPodSecurity(f"{ctx.target.name}-rdma-pods", path, cluster, labels, here)
        gpus = pool_gpus(ctx)
        cidrs, ports = storage_endpoints(ctx)
        self.scheduling = Scheduling(
            f"{ctx.target.name}-scheduling",
            path,
            cluster,
            gpus,
            cidrs,
            ports,
            labels,
            here,
            runner_group=ctx.zone.validation.nccl.runner_group,
        )
        per_gpu = fabric_per_gpu(ctx)
        store = object_store(ctx)
        self.teams: list[Any] = []
        for team in ctx.zone.teams:
            if ctx.target.name not in team.targets:
                continue
            self.teams.append(
                TeamNamespace(
                    path,
                    team,
                    cluster,
                    k8s_labels(ctx.tags(team=team.name)),
                    per_gpu,
                    cidrs,
                    ports,
                    gpus,
                    [self.scheduling.kueue, *self.scheduling.flavors],
                    store,
                    here,
                )
            )
        self.register_outputs({})
