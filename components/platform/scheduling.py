"""Batch scheduling: Kueue, the MPI operator and JobSet, GPU flavors and the validation queue."""

from __future__ import annotations

from typing import Any

import pulumi
import yaml

from ailz.components.common import names as naming
from ailz.components.common.base import AilzComponent
from ailz.components.common.context import ClusterHandle
from ailz.components.platform.charts import (
    chart_source,
    image_repository,
    kueue_config,
    manifest_url,
    scheduling_facts,
)
from ailz.components.platform.objects import declare, helm_release, namespace
from ailz.components.platform.quota_plan import QueueShare
from ailz.components.platform.scheduling_manifests import (
    VALIDATION_PREEMPTION,
    cluster_queue,
    local_queue,
    mirror_image_patches,
    resource_flavor,
    validator_rbac,
)
from ailz.components.platform.team_manifests import namespace_network_policies, workload_namespace_labels


def kueue_manager_config() -> dict[str, Any]:
    """Kueue's Configuration: the chart defaults plus gang admission and fabric devices left out
    of quota (a ClusterQueue refuses workloads that request resources it does not cover)."""
    facts = kueue_config()
    return {
        "apiVersion": facts["apiVersion"],
        "kind": "Configuration",
        "health": {"healthProbeBindAddress": facts["health_probe_bind_address"]},
        "metrics": {"bindAddress": facts["metrics_bind_address"]},
        "webhook": {"port": facts["webhook_port"]},
        "leaderElection": {"leaderElect": True, "resourceName": facts["leader_election_resource_name"]},
        # all-or-nothing per job, without holding every other admission while one job starts
        "waitForPodsReady": {"enable": True, "blockAdmission": False, "timeout": "10m"},
        # a job without a queue name is still Kueue's (LocalQueue defaulting puts it in the
        # namespace's `default` queue), in ailz's workload namespaces only: system namespaces and
        # the operators' own are never touched
        "manageJobsWithoutQueueName": True,
        "managedJobsNamespaceSelector": {"matchLabels": {naming.KUEUE_MANAGED_LABEL: "true"}},
        "integrations": {"frameworks": list(facts["frameworks"])},
        "resources": {"excludeResourcePrefixes": list(facts["exclude_resource_prefixes"])},
    }


def kueue_values(mirror: str | None) -> dict[str, Any]:
    config = yaml.safe_dump(kueue_manager_config(), sort_keys=False)
    values: dict[str, Any] = {"managerConfig": {"controllerManagerConfigYaml": config}}
    if mirror:
        values["controllerManager"] = {
            "manager": {"image": {"repository": image_repository("kueue", mirror)}}
        }
    return values


def jobset_values(mirror: str | None) -> dict[str, Any]:
    """No ServiceMonitor (the Prometheus operator is not part of the platform); image from the mirror."""
    values: dict[str, Any] = {"prometheus": {"enable": False}}
    if mirror:
        # the chart reads image.repository (jobset v0.8.1 templates); it has no image.registry
        values["image"] = {"repository": image_repository("jobset", mirror)}
    return values


class Scheduling(AilzComponent):
    def __init__(
        self,
        name: str,
        spec_path: str,
        *,
        cluster: ClusterHandle,
        pool_gpus: dict[str, int],
        queue_shares: dict[str, QueueShare],
        storage_cidrs: list[str],
        storage_ports: list[int],
        labels: dict[str, str],
        runner_group: str | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("k8s", "Scheduling", name, spec_path, opts)
        import pulumi_kubernetes as k8s

        provider, after = cluster.kubernetes_provider, cluster.depends_on
        kueue_src = chart_source("kueue", cluster.chart_mirror)
        jobset_src = chart_source("jobset", cluster.chart_mirror)
        kueue_ns = declare(namespace(kueue_src.namespace, labels), self, provider, after)
        jobset_ns = declare(namespace(jobset_src.namespace, labels), self, provider, after)
        self.kueue = helm_release(
            "kueue", kueue_src, kueue_values(cluster.registry_mirror), self, provider, [kueue_ns, *after]
        )
        self.jobset = helm_release(
            "jobset", jobset_src, jobset_values(cluster.registry_mirror), self, provider, [jobset_ns, *after]
        )
        mirror = cluster.registry_mirror
        self.mpi_operator = k8s.yaml.v2.ConfigFile(
            "mpi-operator",
            file=manifest_url("mpi-operator", cluster.manifest_mirror),
            # with a mirror, the Docker Hub image the manifest names never pulls: the patch below
            # points the Deployment at the mirror and waits for it instead
            skip_await=bool(mirror) or None,
            opts=pulumi.ResourceOptions(parent=self, provider=provider, depends_on=after),
        )
        if mirror or cluster.image_digests:
            for body in mirror_image_patches("mpi-operator", mirror, labels, cluster.image_digests):
                k8s.apps.v1.DeploymentPatch(
                    f"mpi-operator-{body['metadata']['name']}-image",
                    metadata=body["metadata"],
                    spec=body["spec"],
                    opts=pulumi.ResourceOptions(
                        parent=self, provider=provider, depends_on=[self.mpi_operator]
                    ),
                )
        self.flavors = [
            declare(resource_flavor(pool, labels), self, provider, [self.kueue]) for pool in pool_gpus
        ]
        facts = scheduling_facts()
        ns = naming.VALIDATION_NAMESPACE
        validation_ns = declare(
            namespace(ns, {**labels, **workload_namespace_labels(rdma_pods=True)}), self, provider, after
        )
        for obj in namespace_network_policies(ns, storage_cidrs, storage_ports, labels):
            declare(obj, self, provider, [validation_ns])
        # validation owns what the teams leave and borrows any idle GPU, never preempting a team
        queue = cluster_queue(
            ns,
            ns,
            queue_shares,
            facts["cpu_per_gpu"],
            facts["memory_gib_per_gpu"],
            labels,
            VALIDATION_PREEMPTION,
        )
        cq = declare(queue, self, provider, [self.kueue, *self.flavors])
        declare(local_queue(ns, ns, labels), self, provider, [cq, validation_ns])
        for obj in validator_rbac(ns, runner_group, labels):
            declare(obj, self, provider, [validation_ns])
        self.register_outputs({"kueueVersion": kueue_src.version, "jobsetVersion": jobset_src.version})
