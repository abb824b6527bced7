"""A team's slice of a cluster: namespace, RBAC, quotas, network policies, pod security; pure."""

from __future__ import annotations

import math
from typing import Any

from ailz.catalog import load_catalog
from ailz.components.common import names as naming
from ailz.components.common.names import GPU_RESOURCE
from ailz.components.platform.admission import cel_list, pod_writes
from ailz.components.platform.charts import platform_facts

RDMA_POD_LABEL = "ailz.io/rdma-pods"
RDMA_POD_POLICY = "ailz-rdma-pods"
# Pod Security Admission: restricted for everything; RDMA training namespaces are enforced by the
# ValidatingAdmissionPolicy below instead (baseline refuses IPC_LOCK, which RDMA needs to pin memory).
PSA_VERSION = "latest"


def psa_labels(level: str, audit_level: str | None = None) -> dict[str, str]:
    audit = audit_level or level
    return {
        "pod-security.kubernetes.io/enforce": level,
        "pod-security.kubernetes.io/enforce-version": PSA_VERSION,
        "pod-security.kubernetes.io/audit": audit,
        "pod-security.kubernetes.io/warn": audit,
    }


def workload_namespace_labels(rdma_pods: bool) -> dict[str, str]:
    """restricted PSA, or for RDMA pods: PSA audits baseline and the admission policy enforces."""
    managed = {naming.KUEUE_MANAGED_LABEL: "true"}  # Kueue admits its jobs, queue name or not
    if not rdma_pods:
        return {**psa_labels("restricted"), **managed}
    return {**psa_labels("privileged", audit_level="baseline"), RDMA_POD_LABEL: "true", **managed}


def rdma_per_gpu(node_resources: list[dict[str, int]]) -> dict[str, float]:
    """Fabric resources per GPU, the most any pool's nodes need (e.g. 4 EFA per GPU on p5)."""
    out: dict[str, float] = {}
    for resources in node_resources:
        gpus = resources.get(GPU_RESOURCE, 0)
        if not gpus:
            continue
        for name, count in resources.items():
            if name != GPU_RESOURCE:
                out[name] = max(out.get(name, 0.0), count / gpus)
    return dict(sorted(out.items()))


def rdma_quota(gpu_quota: int, per_gpu: dict[str, float]) -> dict[str, int]:
    """Fabric resources a team may request, in proportion to its GPUs."""
    return {name: math.ceil(gpu_quota * ratio) for name, ratio in per_gpu.items()}


def _meta(name: str, namespace: str | None, labels: dict[str, str], **extra: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "labels": dict(labels)}
    if namespace:
        meta["namespace"] = namespace
    meta.update(extra)
    return meta


def namespace_network_policies(
    namespace: str,
    storage_cidrs: list[str],
    storage_ports: list[int],
    labels: dict[str, str],
    credential_endpoints: tuple[tuple[str, int], ...] = (),
) -> list[dict[str, Any]]:
    """Default deny in and out; then DNS, the namespace's own pods, the storage endpoints and,
    on clouds, the node-local endpoint that hands pods their workload identity."""

    def policy(name: str, spec: dict[str, Any]) -> dict[str, Any]:
        return {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": _meta(name, namespace, labels),
            "spec": spec,
        }

    same_namespace = [{"podSelector": {}}]
    credentials = [
        policy(
            "allow-workload-identity",
            {
                "podSelector": {},
                "policyTypes": ["Egress"],
                "egress": [
                    {"to": [{"ipBlock": {"cidr": cidr}}], "ports": [{"protocol": "TCP", "port": port}]}
                    for cidr, port in credential_endpoints
                ],
            },
        )
    ]
    return [
        policy("default-deny", {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}),
        *(credentials if credential_endpoints else []),
        policy(
            "allow-dns",
            {
                "podSelector": {},
                "policyTypes": ["Egress"],
                "egress": [
                    {
                        "to": [
                            {
                                "namespaceSelector": {
                                    "matchLabels": {"kubernetes.io/metadata.name": "kube-system"}
                                },
                                "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
                            },
                            # NodeLocal DNSCache answers on the node at a link-local address
                            # (GKE enables it; pods do not reach it through a pod selector)
                            {"ipBlock": {"cidr": load_catalog().platform.node_local_dns.cidr}},
                        ],
                        "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
                    }
                ],
            },
        ),
        policy(
            "allow-same-namespace",
            {
                "podSelector": {},
                "policyTypes": ["Ingress", "Egress"],
                "ingress": [{"from": same_namespace}],
                "egress": [{"to": same_namespace}],
            },
        ),
        policy(
            "allow-storage",
            {
                "podSelector": {},
                "policyTypes": ["Egress"],
                "egress": [
                    {
                        "to": [{"ipBlock": {"cidr": cidr}} for cidr in storage_cidrs],
                        "ports": [{"protocol": "TCP", "port": port} for port in storage_ports],
                    }
                ],
            },
        ),
    ]


TEAM_ROLE_RULES = [
    {
        "apiGroups": [""],
        "resources": ["pods", "pods/log", "services", "configmaps", "persistentvolumeclaims", "events"],
        "verbs": ["get", "list", "watch", "create", "update", "patch", "delete"],
    },
    {"apiGroups": [""], "resources": ["pods/exec", "pods/portforward"], "verbs": ["create"]},
    {"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list"]},
    {
        "apiGroups": ["batch", "kubeflow.org", "jobset.x-k8s.io"],
        "resources": ["jobs", "mpijobs", "jobsets"],
        "verbs": ["get", "list", "watch", "create", "update", "patch", "delete"],
    },
    {
        "apiGroups": ["kueue.x-k8s.io"],
        "resources": ["localqueues", "workloads"],
        "verbs": ["get", "list", "watch"],
    },
]


def team_manifests(
    team: Any,
    labels: dict[str, str],
    fabric_per_gpu: dict[str, float],
    storage_cidrs: list[str],
    storage_ports: list[int],
    service_account_annotations: dict[str, Any] | None = None,
    credential_endpoints: tuple[tuple[str, int], ...] = (),
) -> list[dict[str, Any]]:
    """Every object of one team in one cluster, namespace first."""
    ns = naming.team_namespace(team.name)
    ns_labels = {**labels, **workload_namespace_labels(team.training)}
    hard = {f"requests.{GPU_RESOURCE}": str(team.gpu_quota)}
    for name, count in rdma_quota(team.gpu_quota, fabric_per_gpu).items():
        hard[f"requests.{name}"] = str(count)
    objects: list[dict[str, Any]] = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": _meta(ns, None, ns_labels)},
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": _meta(
                naming.team_service_account(team.name),
                ns,
                labels,
                annotations=dict(service_account_annotations or {}),
            ),
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "Role",
            "metadata": _meta("team-member", ns, labels),
            "rules": TEAM_ROLE_RULES,
        },
        {
            "apiVersion": "v1",
            "kind": "ResourceQuota",
            "metadata": _meta("gpu-quota", ns, labels),
            "spec": {"hard": hard},
        },
        {
            "apiVersion": "v1",
            "kind": "LimitRange",
            "metadata": _meta("defaults", ns, labels),
            "spec": {
                "limits": [
                    {
                        "type": "Container",
                        # requests only: a default *limit* would become the limit of every
                        # container that sets a request (e.g. 32 CPUs) and reject it
                        "defaultRequest": {"cpu": "250m", "memory": "512Mi"},
                    }
                ]
            },
        },
    ]
    if team.group:
        objects.append(
            {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "RoleBinding",
                "metadata": _meta("team-member", ns, labels),
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "team-member"},
                "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": team.group}],
            }
        )
    objects += namespace_network_policies(ns, storage_cidrs, storage_ports, labels, credential_endpoints)
    return objects


def _all_containers() -> str:
    return (
        "object.spec.containers + "
        "(has(object.spec.initContainers) ? object.spec.initContainers : []) + "
        "(has(object.spec.ephemeralContainers) ? object.spec.ephemeralContainers : [])"
    )


def rdma_pod_policy(
    labels: dict[str, str],
    host_paths: tuple[str, ...] = (),
    daemon_capabilities: dict[str, tuple[str, ...]] | None = None,
) -> list[dict[str, Any]]:
    """Admission policy for RDMA namespaces: exactly the Pod Security baseline (catalog
    `pod_security_baseline`) plus IPC_LOCK, which PSA cannot express. A platform's GPUDirect stack
    may need exact host paths and, for its named daemon containers, exact capabilities; only those
    are let through."""
    daemons = daemon_capabilities or {}
    baseline = platform_facts().pod_security_baseline
    daemon_rule = " || ".join(
        f"(c.name == '{name}' && cap in {cel_list(caps)})" for name, caps in sorted(daemons.items())
    )
    allowed = cel_list([*baseline.capabilities, "IPC_LOCK"])
    capability_rule = f"cap in {allowed}" + (f" || {daemon_rule}" if daemon_rule else "")
    host_path_rule = "!has(v.hostPath)"
    if host_paths:
        host_path_rule += f" || v.hostPath.path in {cel_list(host_paths)}"
    volumes_rule = f"!has(object.spec.volumes) || object.spec.volumes.all(v, {host_path_rule})"
    # the pod's and every container's securityContext: `x` is either
    contexts = (
        "[has(object.spec.securityContext) ? object.spec.securityContext : {}] + "
        "variables.containers.map(c, has(c.securityContext) ? c.securityContext : {})"
    )

    def every_context(rule: str) -> str:
        return f"variables.contexts.all(x, {rule})"

    validations = [
        {
            "expression": "variables.containers.all(c, !has(c.securityContext) || "
            "!has(c.securityContext.privileged) || c.securityContext.privileged == false)",
            "message": "privileged containers are not allowed",
        },
        {
            "expression": "variables.containers.all(c, !has(c.securityContext) || "
            "!has(c.securityContext.capabilities) || !has(c.securityContext.capabilities.add) || "
            f"c.securityContext.capabilities.add.all(cap, {capability_rule}))",
            "message": "a container may add only the baseline capabilities and IPC_LOCK"
            + (" (and the GPUDirect daemon's own)" if daemons else ""),
        },
        {
            "expression": "!(has(object.spec.hostNetwork) && object.spec.hostNetwork) && "
            "!(has(object.spec.hostPID) && object.spec.hostPID) && "
            "!(has(object.spec.hostIPC) && object.spec.hostIPC)",
            "message": "host network, PID and IPC namespaces are not allowed",
        },
        {
            "expression": volumes_rule,
            "message": "hostPath volumes are not allowed"
            + (f" except {', '.join(host_paths)}" if host_paths else ""),
        },
        {
            "expression": "variables.containers.all(c, !has(c.ports) || "
            "c.ports.all(p, !has(p.hostPort) || p.hostPort == 0))",
            "message": "host ports are not allowed",
        },
        {
            "expression": every_context(
                "!has(x.windowsOptions) || !has(x.windowsOptions.hostProcess) || "
                "x.windowsOptions.hostProcess == false"
            ),
            "message": "Windows host process containers are not allowed",
        },
        {
            "expression": every_context(
                "!has(x.seccompProfile) || !has(x.seccompProfile.type) || "
                "x.seccompProfile.type != 'Unconfined'"
            ),
            "message": "seccomp profile Unconfined is not allowed",
        },
        {
            "expression": every_context(
                "!has(x.appArmorProfile) || !has(x.appArmorProfile.type) || "
                "x.appArmorProfile.type != 'Unconfined'"
            )
            + " && (!has(object.metadata.annotations) || object.metadata.annotations.all(k, "
            "!k.startsWith('container.apparmor.security.beta.kubernetes.io/') || "
            "object.metadata.annotations[k] in ['', 'runtime/default'] || "
            "object.metadata.annotations[k].startsWith('localhost/')))",
            "message": "AppArmor profile Unconfined is not allowed",
        },
        {
            "expression": every_context(
                "!has(x.seLinuxOptions) || ("
                "(!has(x.seLinuxOptions.type) || "
                f"x.seLinuxOptions.type in {cel_list(baseline.selinux_types)}) && "
                "(!has(x.seLinuxOptions.user) || x.seLinuxOptions.user == '') && "
                "(!has(x.seLinuxOptions.role) || x.seLinuxOptions.role == ''))"
            ),
            "message": "SELinux may not set a user or role, nor a type outside the baseline's",
        },
        {
            "expression": "variables.containers.all(c, !has(c.securityContext) || "
            "!has(c.securityContext.procMount) || c.securityContext.procMount == 'Default')",
            "message": "an unmasked /proc mount is not allowed",
        },
        {
            "expression": "!has(object.spec.securityContext) || !has(object.spec.securityContext.sysctls) || "
            f"object.spec.securityContext.sysctls.all(s, s.name in {cel_list(baseline.sysctls)})",
            "message": "only the baseline's safe sysctls are allowed",
        },
    ]
    policy = {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingAdmissionPolicy",
        "metadata": _meta(RDMA_POD_POLICY, None, labels),
        "spec": {
            "failurePolicy": "Fail",
            "matchConstraints": pod_writes(),
            "variables": [
                {"name": "containers", "expression": _all_containers()},
                {"name": "contexts", "expression": contexts},
            ],
            "validations": validations,
        },
    }
    binding = {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingAdmissionPolicyBinding",
        "metadata": _meta(RDMA_POD_POLICY, None, labels),
        "spec": {
            "policyName": RDMA_POD_POLICY,
            "validationActions": ["Deny"],
            "matchResources": {"namespaceSelector": {"matchLabels": {RDMA_POD_LABEL: "true"}}},
        },
    }
    return [policy, binding]
