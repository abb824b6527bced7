"""The in-cluster layer every target shares: GPU stack, pod security, scheduling, teams."""

from __future__ import annotations

from typing import Any

import pulumi

from ailz.components.common import names as naming
from ailz.components.common.base import AilzComponent
from ailz.components.common.context import ClusterHandle, TargetContext
from ailz.components.common.labels import k8s_labels
from ailz.components.common.os_packages import driver_references
from ailz.components.platform.gpu_operator import GpuOperator
from ailz.components.platform.gpu_operator_values import GpuStackOptions
from ailz.components.platform.health import PoolHealthCheck
from ailz.components.platform.health_manifests import priority_class
from ailz.components.platform.objects import declare
from ailz.components.platform.pod_security import RdmaPodSecurity
from ailz.components.platform.quota_plan import plan_quotas
from ailz.components.platform.scheduling import Scheduling
from ailz.components.platform.team import TeamNamespace
from ailz.components.platform.team_manifests import rdma_per_gpu


def pool_gpus(ctx: TargetContext) -> dict[str, int]:
    """GPUs each pool can grow to: the ceiling of its Kueue flavor."""
    return {pool.name: pool.scaling[2] * ctx.machine(pool).gpu.count for pool in ctx.target.gpu_pools}


def fabric_per_gpu(ctx: TargetContext, cluster: ClusterHandle) -> dict[str, float]:
    """Fabric devices per GPU: what the target says its nodes offer, else the catalog's extended
    resources of each pool's machine (e.g. vpc.amazonaws.com/efa)."""
    nodes = cluster.node_resources
    if nodes is None:
        nodes = [dict(ctx.machine(p).kubernetes_resources) for p in ctx.target.gpu_pools]
    return rdma_per_gpu(nodes)


def gpu_stack_options(ctx: TargetContext, cluster: ClusterHandle) -> GpuStackOptions:
    warm = ctx.target.storage.warm
    return GpuStackOptions(
        driver_preinstalled=cluster.gpu_driver_preinstalled,
        toolkit_preinstalled=cluster.container_toolkit_preinstalled,
        rdma=cluster.rdma,
        host_mofed=not (cluster.rdma and cluster.rdma_driver_container),
        dma_buf=cluster.rdma and cluster.gpudirect == "dma-buf",
        repo_config=driver_references(cluster.os_packages)[0],
        cert_config=driver_references(cluster.os_packages)[1],
        gds=cluster.rdma and warm is not None and warm.kind == "parallel-fs",
        gdrcopy=cluster.rdma,
        registry_mirror=cluster.registry_mirror,
        nfd=not cluster.nfd_installed,
    )


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
                cluster=cluster,
                options=gpu_stack_options(ctx, cluster),
                labels=labels,
                opts=here,
            )
        RdmaPodSecurity(f"{ctx.target.name}-rdma-pods", path, cluster=cluster, labels=labels, opts=here)
        gpus = pool_gpus(ctx)
        teams = [team for team in ctx.zone.teams if ctx.target.name in team.targets]
        # one cohort whose guaranteed quotas add up to the GPUs there are (quota_plan.py)
        shares = plan_quotas({t.name: t.gpu_quota for t in teams}, gpus, naming.VALIDATION_NAMESPACE)
        cidrs, ports = list(cluster.storage_cidrs), list(cluster.storage_ports)
        self.scheduling = Scheduling(
            f"{ctx.target.name}-scheduling",
            path,
            cluster=cluster,
            pool_gpus=gpus,
            queue_shares=shares[naming.VALIDATION_NAMESPACE],
            storage_cidrs=cidrs,
            storage_ports=ports,
            labels=labels,
            opts=here,
            runner_group=ctx.zone.validation.nccl.runner_group,
        )
        health = ctx.zone.validation.health
        if health is not None and ctx.target.gpu_pools:  # one recurring check per GPU pool
            priority = declare(priority_class(labels), self, cluster.kubernetes_provider, cluster.depends_on)
            for pool in ctx.target.gpu_pools:
                PoolHealthCheck(
                    f"{ctx.target.name}-{pool.name}-health",
                    ctx.pool_path(pool),
                    cluster=cluster,
                    pool=pool,
                    machine=ctx.machine(pool),
                    target=ctx.target,
                    settings=health,
                    min_fraction=ctx.zone.validation.nccl.min_fraction,
                    labels=labels,
                    depends_on=[self.scheduling, priority],
                    opts=here,
                )
        per_gpu = fabric_per_gpu(ctx, cluster)
        store = cluster.object_store
        self.teams: list[Any] = []
        for team in teams:
            self.teams.append(
                TeamNamespace(
                    team.name,
                    path,
                    team=team,
                    cluster=cluster,
                    labels=k8s_labels(ctx.tags(team=team.name)),
                    fabric_per_gpu=per_gpu,
                    storage_cidrs=cidrs,
                    storage_ports=ports,
                    queue_shares=shares[team.name],
                    kueue=[self.scheduling.kueue, *self.scheduling.flavors],
                    object_store=store,
                    fabric_config=cluster.fabric_config,
                    opts=here,
                )
            )
        self.register_outputs({})
