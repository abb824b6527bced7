"""Kubernetes workload rules: privilege, IPC_LOCK, GPU requests, taints, /dev/shm, image digests."""

from __future__ import annotations

from ailz.policies import props as P
from ailz.policies.index import PlanIndex
from ailz.policies.registry import Messages, Params, resource_rule, stack_rule
from ailz.policies.rules_capacity import is_gpu_pool
from ailz.policies.rules_residency import images_of
from ailz.stacks.plan import PlanResource

NAMESPACE = "kubernetes:core/v1:Namespace"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
GPU_TAINT = "nvidia.com/gpu"


def _capabilities(container: dict) -> list[str]:
    return [str(c) for c in P.known_list(container, "securityContext", "capabilities", "add")]


@resource_rule("AILZ-K8S-001", prefixes=P.WORKLOAD_PREFIX)
def no_privileged(resource: PlanResource, ix: PlanIndex, params: Params) -> Messages:
    if P.namespace_of(resource.inputs) in params["system_namespaces"]:
        return
    for where, spec, _ in P.pod_specs(resource.type, resource.inputs):
        for container in P.containers(spec):
            if P.truthy(P.get(container, "securityContext", "privileged")):
                yield f"{where}: container '{P.get(container, 'name')}' is privileged"


def _namespace(ix, resource, name: str):
    return ix.namespaces.get((resource.target, name))


@resource_rule("AILZ-K8S-002", prefixes=P.WORKLOAD_PREFIX)
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


@resource_rule("AILZ-K8S-003", prefixes=P.WORKLOAD_PREFIX)
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


@resource_rule("AILZ-K8S-005", prefixes=P.WORKLOAD_PREFIX)
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


@resource_rule("AILZ-K8S-006", prefixes=P.WORKLOAD_PREFIX)
def images_pinned(resource: PlanResource, ix: PlanIndex, params: Params) -> Messages:
    # blocking in the prod profile, advisory in dev: the profile decides, not the zone's environment
    # tag, which the change under review could edit
    if not P.is_workload(resource.type):  # chart values name repositories, the chart its tags
        return
    for where, image in images_of(resource):
        if not P.pinned(image):
            yield f"{where}: image {image} is not pinned by digest"


# --- what ailz's own admission policies forbid --------------------------------------------------

NAMESPACED_BINDING = "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding"
CLUSTER_BINDING = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding"
NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
PERSISTENT_VOLUME = "kubernetes:core/v1:PersistentVolume"
VAP = "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy"
VAP_BINDING = "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding"
PSA_ENFORCE = "pod-security.kubernetes.io/enforce"
RDMA_POLICY = "ailz-rdma-pods"  # the ValidatingAdmissionPolicy that holds RDMA namespaces to baseline
WORLD = ("0.0.0.0/0", "::/0")


def _labels(resource) -> dict:
    return P.get(resource.inputs, "metadata", "labels") or {}


def _rdma_namespace(ix, resource, namespace: str, params) -> bool:
    ns = _namespace(ix, resource, namespace)
    return ns is not None and any(
        str(_labels(ns).get(k, "")).lower() == "true" for k in params["rdma_labels"]
    )


@resource_rule("AILZ-K8S-007", prefixes=P.WORKLOAD_PREFIX)
def no_host_namespaces(resource: PlanResource, ix: PlanIndex, params: Params) -> Messages:
    if P.namespace_of(resource.inputs) in params["system_namespaces"]:
        return
    for where, spec, _ in P.pod_specs(resource.type, resource.inputs):
        for key in ("hostNetwork", "hostPID", "hostIPC"):
            if P.truthy(P.get(spec, key)):
                yield f"{where}: {key} shares the node's namespace"
        for container in P.containers(spec):
            for port in P.known_list(container, "ports"):
                if isinstance(port, dict) and P.get(port, "hostPort"):
                    name, host_port = P.get(container, "name"), P.get(port, "hostPort")
                    yield f"{where}: container '{name}' binds host port {host_port}"


def _allowances(ix, resource) -> list:
    """The GPUDirect stacks' pod allowances (catalog) for the resource's target: GKE's only on GCP
    targets, as ailz's own admission policy grants them; all of them where the target is unknown."""
    kind = ix.target_info(resource).get("kind")
    if kind not in (None, "gcp"):
        return []
    return list(ix.catalog.gpudirect_host.pod_allowances.profiles.values())


def _allowed_host_paths(ix, resource) -> set[str]:
    return {p for a in _allowances(ix, resource) for p in a.host_paths}


@resource_rule("AILZ-K8S-008", prefixes=P.WORKLOAD_PREFIX)
def no_host_paths(resource: PlanResource, ix: PlanIndex, params: Params) -> Messages:
    if resource.type == PERSISTENT_VOLUME:  # a claim in any namespace could mount it
        path = P.get(resource.inputs, "spec", "hostPath", "path")
        if path is not None:
            yield f"PersistentVolume exposes the node's {path} (hostPath) to whoever claims it"
        return
    namespace = P.namespace_of(resource.inputs)
    if namespace in params["system_namespaces"]:
        return
    for where, spec, _ in P.pod_specs(resource.type, resource.inputs):
        for volume in P.known_list(spec, "volumes"):
            path = P.get(volume, "hostPath", "path") if isinstance(volume, dict) else None
            if path is None:
                continue
            # the GPUDirect plugin directories, in a namespace the RDMA admission policy governs
            if path in _allowed_host_paths(ix, resource) and _rdma_namespace(ix, resource, namespace, params):
                continue
            yield f"{where}: volume '{P.get(volume, 'name')}' mounts the node's {path}"


@resource_rule("AILZ-K8S-009", prefixes=P.WORKLOAD_PREFIX)
def capabilities_within_baseline(resource: PlanResource, ix: PlanIndex, params: Params) -> Messages:
    if P.namespace_of(resource.inputs) in params["system_namespaces"]:
        return
    allowed = set(ix.catalog.platform.pod_security_baseline.capabilities) | {"IPC_LOCK"}
    daemons: dict[str, set[str]] = {}
    for allowance in _allowances(ix, resource):
        for name, caps in allowance.daemon_capabilities.items():
            daemons.setdefault(name, set()).update(caps)
    for where, spec, _ in P.pod_specs(resource.type, resource.inputs):
        yield from _pod_beyond_baseline(where, spec, ix)
        for container in P.containers(spec):
            name = str(P.get(container, "name") or "")
            extra = {c.upper().removeprefix("CAP_") for c in _capabilities(container)} - allowed
            extra -= daemons.get(name, set())
            yield from _beyond_baseline(where, name, container, ix)
            if extra:
                added = ", ".join(sorted(extra))
                yield f"{where}: container '{name}' adds {added} beyond Pod Security baseline"


def _beyond_baseline(where: str, name: str, container: dict, ix) -> Messages:
    """Pod Security baseline beyond capabilities: no Unconfined seccomp or AppArmor, default /proc."""
    context = P.get(container, "securityContext") or {}
    if P.get(context, "seccompProfile", "type") == "Unconfined":
        yield f"{where}: container '{name}' runs seccomp Unconfined"
    if P.get(context, "appArmorProfile", "type") == "Unconfined":
        yield f"{where}: container '{name}' runs AppArmor Unconfined"
    if P.get(context, "procMount") not in (None, "Default"):
        yield f"{where}: container '{name}' mounts /proc {P.get(context, 'procMount')}"


def _pod_beyond_baseline(where: str, spec: dict, ix) -> Messages:
    context = P.get(spec, "securityContext") or {}
    if P.get(context, "seccompProfile", "type") == "Unconfined":
        yield f"{where}: pod runs seccomp Unconfined"
    safe = set(ix.catalog.platform.pod_security_baseline.sysctls)
    for sysctl in P.known_list(context, "sysctls"):
        if isinstance(sysctl, dict) and P.get(sysctl, "name") not in safe:
            yield f"{where}: pod sets unsafe sysctl {P.get(sysctl, 'name')}"


@resource_rule("AILZ-K8S-010", NAMESPACE)
def pod_security_level(resource: PlanResource, ix: PlanIndex, params: Params) -> Messages:
    name = P.get(resource.inputs, "metadata", "name") or resource.name
    if name in params["system_namespaces"]:
        return
    level = _labels(resource).get(PSA_ENFORCE)
    if level is None:
        yield f"namespace '{name}' sets no {PSA_ENFORCE} label (the API server admits privileged pods)"
    elif level == "privileged":
        rdma = any(str(_labels(resource).get(k, "")).lower() == "true" for k in params["rdma_labels"])
        guarded = _rdma_policy_enforced(ix, resource.target)
        if not (rdma and guarded):
            yield (
                f"namespace '{name}' enforces Pod Security 'privileged'; only RDMA namespaces the "
                f"{RDMA_POLICY} admission policy holds to baseline may"
            )
    elif level not in ("baseline", "restricted"):
        yield f"namespace '{name}' enforces unknown Pod Security level '{level}'"


def _rdma_policy_enforced(ix, target) -> bool:
    """ailz's RDMA admission policy and a binding that denies with it, in this target."""
    policies = [
        v
        for v in ix.of_type(VAP)
        if v.target == target and P.get(v.inputs, "metadata", "name") == RDMA_POLICY
    ]
    bindings = [
        b
        for b in ix.of_type(VAP_BINDING)
        if b.target == target
        and P.get(b.inputs, "spec", "policyName") == RDMA_POLICY
        and "Deny" in (P.get(b.inputs, "spec", "validationActions") or [])
    ]
    return bool(policies and bindings)


def _opens_to_world(peers: list) -> bool:
    """A peer of 0.0.0.0/0 or ::/0, with or without carve-outs (except)."""
    return any(isinstance(p, dict) and P.get(p, "ipBlock", "cidr") in WORLD for p in peers)


def _policy_types(spec: dict) -> list[str]:
    """Kubernetes' default: Ingress, plus Egress when the policy has egress rules."""
    given = P.get(spec, "policyTypes")
    if given:
        return list(given)
    return ["Ingress", *(["Egress"] if P.get(spec, "egress") else [])]


def _selects_all(spec: dict) -> bool:
    selector = P.get(spec, "podSelector") or {}
    return not (P.get(selector, "matchLabels") or P.get(selector, "matchExpressions"))


@stack_rule("AILZ-K8S-011", NAMESPACE, NETWORK_POLICY)
def network_default_deny(resource: PlanResource, ix: PlanIndex, params: Params) -> Messages:
    if resource.type == NETWORK_POLICY:
        name = P.get(resource.inputs, "metadata", "name")
        for rule in P.known_list(resource.inputs, "spec", "ingress"):
            peers = P.known_list(rule, "from") if isinstance(rule, dict) else []
            if not peers or _opens_to_world(peers):
                yield f"NetworkPolicy '{name}' admits ingress from anywhere"
        for rule in P.known_list(resource.inputs, "spec", "egress"):
            if not isinstance(rule, dict) or P.known_list(rule, "ports"):
                continue
            peers = P.known_list(rule, "to")
            if not peers or _opens_to_world(peers):
                yield f"NetworkPolicy '{name}' lets pods reach anywhere on every port"
        return
    name = P.get(resource.inputs, "metadata", "name") or resource.name
    if name in params["system_namespaces"]:
        return
    for policy in ix.of_type(NETWORK_POLICY):
        if policy.target != resource.target or P.get(policy.inputs, "metadata", "namespace") != name:
            continue
        spec = P.get(policy.inputs, "spec") or {}
        if _selects_all(spec) and "Ingress" in _policy_types(spec) and not P.get(spec, "ingress"):
            return
    yield f"namespace '{name}' has no default-deny NetworkPolicy (podSelector {{}}, Ingress, no rules)"


def _role_grants_admin(ix, binding) -> str | None:
    """What makes the bound role administrative: its name, or rules with wildcards or the verbs that
    hand out more rights (escalate, bind, impersonate)."""
    ref = P.get(binding.inputs, "roleRef") or {}
    kind = "ClusterRole" if P.get(ref, "kind") == "ClusterRole" else "Role"
    namespace = P.get(binding.inputs, "metadata", "namespace")
    for role in ix.of_type(f"kubernetes:rbac.authorization.k8s.io/v1:{kind}"):
        same = P.get(role.inputs, "metadata", "name") == P.get(ref, "name") and role.target == binding.target
        if not same or (kind == "Role" and P.get(role.inputs, "metadata", "namespace") != namespace):
            continue
        for rule in P.known_list(role.inputs, "rules"):
            verbs = {str(v) for v in P.known_list(rule, "verbs")} if isinstance(rule, dict) else set()
            resources = {str(r) for r in P.known_list(rule, "resources")} if isinstance(rule, dict) else set()
            if "*" in verbs and "*" in resources:
                return "every verb on every resource"
            risky = verbs & {"escalate", "bind", "impersonate"}
            if risky:
                return f"{', '.join(sorted(risky))}"
    return None


@resource_rule("AILZ-K8S-012", CLUSTER_BINDING, NAMESPACED_BINDING)
def no_admin_for_broad_groups(resource: PlanResource, ix: PlanIndex, params: Params) -> Messages:
    role = P.get(resource.inputs, "roleRef", "name")
    grants = "administrator" if role in params["admin_roles"] else _role_grants_admin(ix, resource)
    if grants is None:
        return
    for subject in P.known_list(resource.inputs, "subjects"):
        name = str(P.get(subject, "name") or "") if isinstance(subject, dict) else ""
        if name in params["broad_subjects"] or name.startswith("system:serviceaccounts:"):
            yield f"binds {role} ({grants}) to {P.get(subject, 'kind')} '{name}'"
