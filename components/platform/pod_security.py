"""Admission policy for namespaces that run RDMA pods: IPC_LOCK and nothing else beyond baseline."""

from __future__ import annotations

import pulumi

from ailz.components.common.base import AilzComponent
from ailz.components.common.context import ClusterHandle
from ailz.components.platform.objects import declare
from ailz.components.platform.team_manifests import rdma_pod_policy


class RdmaPodSecurity(AilzComponent):
    def __init__(
        self,
        name: str,
        spec_path: str,
        *,
        cluster: ClusterHandle,
        labels: dict[str, str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("k8s", "RdmaPodSecurity", name, spec_path, opts)
        policy, binding = rdma_pod_policy(
            labels, cluster.rdma_pod_host_paths, cluster.rdma_pod_daemon_capabilities
        )
        self.policy = declare(policy, self, cluster.kubernetes_provider, cluster.depends_on)
        self.binding = declare(binding, self, cluster.kubernetes_provider, [self.policy])
        self.register_outputs({})
