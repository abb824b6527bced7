"""Kubernetes workload rules: privilege, IPC_LOCK, GPU requests, taints, /dev/shm, image digests."""

from __future__ import annotations

from ailz.policies import props as P
from ailz.policies.index import PlanIndex
from ailz.policies.registry import Messages, Params, resource_rule
from ailz.policies.rules_capacity import is_gpu_pool
from ailz.policies.rules_residency import images_of
from ailz.stacks.plan import PlanResource

NAMESPACE = "kubernetes:core/v1:Namespace"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
GPU_TAINT = "nvidia.com/gpu"
PRODUCTION = ("prod", "production")
WORKLOADS = tuple(sorted(P.WORKLOAD_TYPES))


def _capabilities(container: dict) -> list[str]:
    return [str(c) for c in P.known_list(container, "securityContext", "capabilities", "add")]


@resource_rule("AILZ-K8S-001", *WORKLOADS)
def no_privileged(resource: PlanResource, ix: PlanIndex, params: Params) -> Messages:
    if P.namespace_of(resource.inputs) in params["system_namespaces"]:
        return
    for where, spec, _ in P.pod_specs(resource.type, resource.inputs):
        for container in P.containers(spec):
            if P.truthy(P.get(container, "securityContext", "privileged")):
                yield f"{where}: container '{P.get(container, 'name')}' is privileged"


def _namespace(ix, resource, name: str):
    return ix.namespaces.get((resource.target, name))


@resource_rule("AILZ-K8S-002", *WORKLOADS)
def ipc_lock_in_training_namespaces(resource: PlanResource, ix: PlanIndex, params: Params) -> Messages:
    namespace = P.namespace_of(resource.inputs)
    if namespace in params["system_namespaces"]:
        return
    wants = [
        (where, container)
        for where, spec, _ in P.pod_specs(resource.type, resource.inputs)
        for container in P.containers(spec)
        if "IPC_LOCK" in _capabilities(container)
    ]
    if not wants:
        return
    ns = _namespace(ix, resource, namespace)
    accepted = params["rdma_labels"]
    labels = P.get(ns.inputs, "metadata", "labels") or {} if ns else {}
    if ns is None:
        yield f"adds IPC_LOCK in namespace '{namespace}', which the plan does not define (label unverifiable)"
    elif not any(str(labels.get(label, "")).lower() == "true" for label in accepted):
        yield f"adds IPC_LOCK in namespace '{namespace}', which is not labelled {accepted[0]}=true"


@resource_rule("AILZ-K8S-003", *WORKLOADS)
def gpu_requests_equal_limits(resource: PlanResource, ix: PlanIndex, params: Params) -> Messages:
    for where, spec, _ in P.pod_specs(resource.type, resource.inputs):
        for container in P.containers(spec):
            request, limit = P.gpu_count(container, "requests"), P.gpu_count(container, "limits")
            if request is None and limit is None:
                continue
            if request is not None and request != limit:
                yield (
                    f"{where}: container '{P.get(container, 'name')}' requests {request} GPUs "
                    f"but limits {limit}"
                )


@resource_rule("AILZ-K8S-004", NODE_GROUP)
def gpu_nodes_tainted(resource: PlanResource, ix: PlanIndex, params: Params) -> Messages:
    if not is_gpu_pool(resource, ix):
        return
    taints = [t for t in P.known_list(resource.inputs, "taints") if isinstance(t, dict)]
    if not any(P.get(t, "key") == GPU_TAINT and P.get(t, "effect") == "NO_SCHEDULE" for t in taints):
        yield f"GPU node group has no {GPU_TAINT} NO_SCHEDULE taint"


@resource_rule("AILZ-K8S-005", *WORKLOADS)
def dev_shm(resource: PlanResource, ix: PlanIndex, params: Params) -> Messages:
    for where, spec, _ in P.pod_specs(resource.type, resource.inputs):
        volumes = {P.get(v, "name"): v for v in P.known_list(spec, "volumes") if isinstance(v, dict)}
        uses_gpu = False
        for container in P.containers(spec):
            uses_gpu = uses_gpu or (P.gpu_count(container) or 0) > 0
            shm = [m for m in P.known_list(container, "volumeMounts") if P.get(m, "mountPath") == "/dev/shm"]
            name = P.get(container, "name")
            if uses_gpu and (P.gpu_count(container) or 0) > 0 and not shm:
                yield f"{where}: GPU container '{name}' does not mount a memory-backed /dev/shm"
            for mount in shm:
                empty_dir = P.get(volumes.get(P.get(mount, "name")) or {}, "emptyDir")
                if not isinstance(empty_dir, dict) or P.get(empty_dir, "medium") != "Memory":
                    yield f"{where}: /dev/shm of '{name}' is not an emptyDir with medium Memory"
                elif not P.get(empty_dir, "sizeLimit"):
                    yield f"{where}: /dev/shm of '{name}' has no sizeLimit"


@resource_rule("AILZ-K8S-006", *WORKLOADS)
def images_pinned(resource: PlanResource, ix: PlanIndex, params: Params) -> Messages:
    environment = ix.environment
    if environment is not None and environment.lower() not in PRODUCTION:
        return
    for where, image in images_of(resource):
        if not P.pinned(image):
            yield f"{where}: image {image} is not pinned by digest"
