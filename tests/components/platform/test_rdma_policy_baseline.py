"""The RDMA namespaces' admission policy is exactly Pod Security baseline plus IPC_LOCK (and the
GPUDirect stacks' own paths and daemon capabilities): its CEL evaluated against pods."""

from __future__ import annotations

import copy

import pytest

from ailz.components.platform.team_manifests import rdma_pod_policy
from tests.test_integration import _admit

POLICY = rdma_pod_policy({}, ("/home/kubernetes/bin/nvidia",), {"tcpxo-daemon": ("NET_ADMIN",)})[0]
POD = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "p"},
    "spec": {"containers": [{"name": "nccl", "image": "x", "securityContext": {}}]},
}


def pod(**changes) -> dict:
    out = copy.deepcopy(POD)
    for path, value in changes.items():
        node = out
        *parents, leaf = path.split("__")
        for part in parents:
            node = node[int(part)] if part.isdigit() else node.setdefault(part, {})
        node[leaf] = value
    return out


ALLOWED = {
    "plain": POD,
    "ipc_lock": pod(spec__containers__0__securityContext__capabilities={"add": ["IPC_LOCK"]}),
    # dropping everything and re-adding baseline's capabilities is baseline
    "drop_all_readd_baseline": pod(
        spec__containers__0__securityContext__capabilities={
            "drop": ["ALL"],
            "add": ["NET_BIND_SERVICE", "IPC_LOCK"],
        }
    ),
    "runtime_default_seccomp": pod(spec__securityContext={"seccompProfile": {"type": "RuntimeDefault"}}),
    "container_t": pod(spec__containers__0__securityContext__seLinuxOptions={"type": "container_t"}),
    "safe_sysctl": pod(
        spec__securityContext={"sysctls": [{"name": "net.ipv4.ip_local_port_range", "value": "1 2"}]}
    ),
    "apparmor_localhost": pod(
        metadata__annotations={"container.apparmor.security.beta.kubernetes.io/nccl": "localhost/p"}
    ),
    "daemon_net_admin": pod(
        spec__containers__0__name="tcpxo-daemon",
        spec__containers__0__securityContext__capabilities={"add": ["NET_ADMIN"]},
    ),
    "platform_host_path": pod(
        spec__volumes=[{"name": "v", "hostPath": {"path": "/home/kubernetes/bin/nvidia"}}]
    ),
}
DENIED = {
    "privileged": (pod(spec__containers__0__securityContext__privileged=True), "privileged"),
    "sys_admin": (
        pod(spec__containers__0__securityContext__capabilities={"add": ["SYS_ADMIN"]}),
        "capabilit",
    ),
    "net_admin_outside_daemon": (
        pod(spec__containers__0__securityContext__capabilities={"add": ["NET_ADMIN"]}),
        "capabilit",
    ),
    "seccomp_unconfined_pod": (
        pod(spec__securityContext={"seccompProfile": {"type": "Unconfined"}}),
        "seccomp",
    ),
    "seccomp_unconfined_container": (
        pod(spec__containers__0__securityContext__seccompProfile={"type": "Unconfined"}),
        "seccomp",
    ),
    "apparmor_unconfined": (
        pod(spec__containers__0__securityContext__appArmorProfile={"type": "Unconfined"}),
        "AppArmor",
    ),
    "apparmor_annotation": (
        pod(metadata__annotations={"container.apparmor.security.beta.kubernetes.io/nccl": "unconfined"}),
        "AppArmor",
    ),
    "selinux_spc_t": (pod(spec__containers__0__securityContext__seLinuxOptions={"type": "spc_t"}), "SELinux"),
    "selinux_user": (pod(spec__securityContext={"seLinuxOptions": {"user": "system_u"}}), "SELinux"),
    "proc_unmasked": (pod(spec__containers__0__securityContext__procMount="Unmasked"), "/proc"),
    "unsafe_sysctl": (
        pod(spec__securityContext={"sysctls": [{"name": "kernel.msgmax", "value": "1"}]}),
        "sysctls",
    ),
    "host_process": (
        pod(spec__securityContext={"windowsOptions": {"hostProcess": True}}),
        "host process",
    ),
    "host_network": (pod(spec__hostNetwork=True), "host network"),
    "host_path": (pod(spec__volumes=[{"name": "v", "hostPath": {"path": "/"}}]), "hostPath"),
}


@pytest.mark.parametrize("name", sorted(ALLOWED))
def test_baseline_pods_are_admitted(name):
    assert _admit(POLICY, ALLOWED[name]) == []


@pytest.mark.parametrize("name", sorted(DENIED))
def test_pods_beyond_baseline_are_refused_with_the_reason(name):
    manifest, reason = DENIED[name]
    refused = _admit(POLICY, manifest)
    assert len(refused) == 1 and reason in refused[0], refused


def test_ephemeral_containers_added_to_a_running_pod_are_checked_too():
    # `kubectl debug` adds them through a subresource of its own, which PSA `privileged` lets by
    rules = POLICY["spec"]["matchConstraints"]["resourceRules"]
    assert {"pods", "pods/ephemeralcontainers"} <= {r for rule in rules for r in rule["resources"]}


def test_an_empty_apparmor_annotation_is_baseline():
    assert (
        _admit(POLICY, pod(metadata__annotations={"container.apparmor.security.beta.kubernetes.io/nccl": ""}))
        == []
    )
