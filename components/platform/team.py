"""One team in one cluster: namespace, identity, RBAC, quotas, network policies, queue."""

from __future__ import annotations

from typing import Any

import pulumi

from ailz.components.common import names as naming
from ailz.components.common.base import AilzComponent
from ailz.components.common.context import ClusterHandle
from ailz.components.platform.charts import scheduling_facts
from ailz.components.platform.objects import declare
from ailz.components.platform.quota_plan import QueueShare
from ailz.components.platform.scheduling_manifests import TEAM_PREEMPTION, cluster_queue, local_queue
from ailz.components.platform.team_manifests import team_manifests


class TeamNamespace(AilzComponent):
    def __init__(
        self,
        name: str,
        spec_path: str,
        *,
        team: Any,
        cluster: ClusterHandle,
        labels: dict[str, str],
        fabric_per_gpu: dict[str, float],
        storage_cidrs: list[str],
        storage_ports: list[int],
        queue_shares: dict[str, QueueShare],
        kueue: list[Any],
        object_store: dict[str, str] | None = None,
        fabric_config: dict[str, str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("k8s", "Team", name, spec_path, opts)
        provider = cluster.kubernetes_provider
        objects = team_manifests(
            team,
            labels,
            fabric_per_gpu,
            storage_cidrs,
            storage_ports,
            cluster.service_account_annotations.get(team.name, {}),
            cluster.credential_endpoints,
        )
        ns = naming.team_namespace(team.name)
        self.namespace = declare(objects[0], self, provider, cluster.depends_on)
        for obj in objects[1:]:
            declare(obj, self, provider, [self.namespace])
        # what the site hands every team: its fabric's NCCL settings, its object store
        for name, data in (("nccl-fabric", fabric_config), ("object-store", object_store)):
            if data:
                config = {
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "metadata": {"name": name, "namespace": ns, "labels": dict(labels)},
                    "data": data,
                }
                declare(config, self, provider, [self.namespace])
        facts = scheduling_facts()
        queue = cluster_queue(
            ns, ns, queue_shares, facts["cpu_per_gpu"], facts["memory_gib_per_gpu"], labels, TEAM_PREEMPTION
        )
        cq = declare(queue, self, provider, kueue)
        declare(local_queue(ns, ns, labels), self, provider, [cq, self.namespace])
        self.register_outputs({"namespace": ns})
