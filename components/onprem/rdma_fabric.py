"""On-prem RDMA fabric: NVIDIA Network Operator, NicClusterPolicy, per-rail networks and IP pools."""

from __future__ import annotations

from typing import Any

import pulumi

from ailz.components.common import names as naming
from ailz.components.common.base import AilzComponent
from ailz.components.common.context import ClusterHandle
from ailz.components.common.os_packages import os_package_config_maps
from ailz.components.onprem.fabric_manifests import (
    ip_pools,
    nccl_fabric_config,
    network_operator_values,
    nic_cluster_policy,
    rail_networks,
    sriov_node_policies,
    sriov_pool_config,
)
from ailz.components.platform.charts import chart_source
from ailz.components.platform.objects import declare, helm_release, namespace
from ailz.components.platform.team_manifests import psa_labels


class RdmaFabric(AilzComponent):
    def __init__(
        self,
        name: str,
        spec_path: str,
        *,
        fabric: Any,
        pools: dict[str, int],
        cluster: ClusterHandle,
        labels: dict[str, str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("k8s", "RdmaFabric", name, spec_path, opts)
        provider, after = cluster.kubernetes_provider, cluster.depends_on
        source = chart_source("network-operator", cluster.chart_mirror)
        operator_ns = declare(
            namespace(source.namespace, {**labels, **psa_labels("privileged")}), self, provider, after
        )
        sriov = fabric.device_plugin == "sriov"
        nodes = sum(pools.values())
        self.operator = helm_release(
            "network-operator",
            source,
            network_operator_values(cluster.registry_mirror, sriov),
            self,
            provider,
            [operator_ns, *after],
        )
        packages = [
            declare(config, self, provider, [operator_ns])
            for config in (
                os_package_config_maps(cluster.os_packages, source.namespace, labels)
                if cluster.os_packages and fabric.install_driver
                else []
            )
        ]
        self.policy = declare(
            nic_cluster_policy(fabric, cluster.registry_mirror, labels, cluster.os_packages),
            self,
            provider,
            [self.operator, *packages],
        )
        fabric_ns = declare(namespace(naming.FABRIC_NAMESPACE, labels), self, provider, after)
        ip = [declare(pool, self, provider, [self.policy]) for pool in ip_pools(fabric, nodes, labels)]
        vfs = []
        if sriov:  # the SR-IOV operator's CRDs come with the release
            exclusive = declare(sriov_pool_config(nodes, labels), self, provider, [self.operator])
            vfs = [
                declare(policy, self, provider, [self.operator, exclusive])
                for policy in sriov_node_policies(fabric, list(pools), labels)
            ]
        self.networks = [
            declare(net, self, provider, [self.operator, self.policy, fabric_ns, *ip, *vfs])
            for net in rail_networks(fabric, labels)
        ]
        declare(nccl_fabric_config(fabric, labels), self, provider, [fabric_ns])
        self.register_outputs({"networks": [n["metadata"]["name"] for n in rail_networks(fabric, labels)]})
