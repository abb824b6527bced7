"""Recurring node health checks of one GPU pool (validation.health): a CronJob whose pods each take a
whole idle node, run DCGM diagnostics and NCCL all_reduce over NVLink (and through the NICs where one
pod can reach them), and record the result on the node (components/common/health.py). Pure.

Idle only: the jobs are admitted through the validation namespace's Kueue queue, which borrows idle
GPUs and never preempts a team (teams reclaim them), with partial admission so a busy pool still gets
its idle nodes checked; each pod asks for every GPU of its node, so it only fits an idle one.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

from ailz.catalog import Machine, load_catalog
from ailz.components.common import names as naming
from ailz.components.common.health import HEALTH_KEYS, HEALTH_TAINT, transition_table
from ailz.components.common.images import mirrored_image, pinned
from ailz.components.common.nccl import nccl_profile_name, nccl_test_image
from ailz.components.platform.scheduling_manifests import node_keys_policy

HEALTH_ROLE = "ailz-health"
NODE_CLAIM = "authentication.kubernetes.io/node-name"
SCRIPT_DIR = "/ailz"
RESULTS_DIR = "/results"
# NVLink all_reduce from 4 to 8 GiB: the sizes NVLS needs to reach the machine's one-node figure
MIN_BYTES, MAX_BYTES = 4 * 2**30, "8G"
PRIORITY_CLASS = "ailz-health"
TOKEN_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"
CA_ITEM = {"key": "ca.crt", "path": "ca.crt"}  # the cluster CA every namespace gets (kube-root-ca.crt)


def check_name(pool: str) -> str:
    return f"{HEALTH_ROLE}-{pool}"


def transitions_text() -> str:
    """The contract's table, one `history-before result bad-now history-after state` per line
    ("-": no history, bad-now 1 or 0)."""
    lines = [
        f"{before or '-'} {result} {int(was_bad)} {after or '-'} {state}"
        for (before, result, was_bad), (after, state) in sorted(transition_table().items())
    ]
    return "\n".join(lines) + "\n"


def check_script() -> str:
    return resources.files("ailz.components.platform").joinpath("health_check.sh").read_text(encoding="utf-8")


def setup_script(pod_facts: Any, profile: Any) -> str:
    exports = [f"export {key}={value}" for key, value in sorted(profile.nccl_env.items())]
    return "\n".join([*pod_facts.setup, *exports]) + "\n"


def priority_class(labels: dict[str, str]) -> dict[str, Any]:
    """One per cluster: the checks never preempt anything and never make an autoscaler add nodes."""
    return {
        "apiVersion": "scheduling.k8s.io/v1",
        "kind": "PriorityClass",
        "metadata": {"name": PRIORITY_CLASS, "labels": dict(labels)},
        "value": load_catalog().health_check.priority,
        "preemptionPolicy": "Never",
        "globalDefault": False,
        "description": "ailz node health checks: idle nodes only, never preempting, never scaling up.",
    }


def health_rbac(pool: str, labels: dict[str, str]) -> list[dict[str, Any]]:
    """The pool's checker reads and patches nodes and writes events; its admission policy lets it
    change only the health keys, and only on nodes of its own pool."""
    name = check_name(pool)
    namespace = naming.VALIDATION_NAMESPACE
    user = f"system:serviceaccount:{namespace}:{name}"
    meta = {"name": name, "labels": dict(labels)}
    own_pool = (
        f"has(oldObject.metadata.labels) && '{naming.POOL_LABEL}' in oldObject.metadata.labels && "
        f"oldObject.metadata.labels['{naming.POOL_LABEL}'] == '{pool}'"
    )
    return [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {**meta, "namespace": namespace}},
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": meta,
            "rules": [
                {"apiGroups": [""], "resources": ["nodes"], "verbs": ["get", "patch"]},
                {"apiGroups": [""], "resources": ["events"], "verbs": ["create"]},
            ],
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRoleBinding",
            "metadata": meta,
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": name},
            "subjects": [{"kind": "ServiceAccount", "name": name, "namespace": namespace}],
        },
        *node_keys_policy(
            name,
            f"request.userInfo.username == '{user}'",
            HEALTH_KEYS,
            labels,
            extra=[
                {"expression": own_pool, "message": f"only nodes of pool {pool} may be changed"},
                {
                    "expression": "variables.new_taints.filter(t, t.key.startsWith('ailz.io/health'))"
                    f".all(t, t.key == '{HEALTH_TAINT}' && t.effect == 'NoSchedule')",
                    "message": f"the only health taint is {HEALTH_TAINT}:NoSchedule",
                },
                {
                    # bound tokens name the pod's node (Kubernetes 1.30+): a check pod marks its own node
                    "expression": "!has(request.userInfo.extra) || "
                    f"!('{NODE_CLAIM}' in request.userInfo.extra) || "
                    f"request.userInfo.extra['{NODE_CLAIM}'][0] == object.metadata.name",
                    "message": "a check pod may change only the node it runs on",
                },
            ],
        ),
    ]


def _rdma_devices(machine: Machine, target: Any) -> int:
    fabric = target.site_fabric
    if fabric is not None:
        return 0  # named one by one (RDMA_NAMES), or hidden from the pod under SR-IOV
    if machine.efa is not None:  # the pod holds every EFA device of the node
        return machine.network.gpu_nics
    # GKE: the RDMA NICs reach a pod only through its network attachments, which the check does
    # not take; whether sysfs shows them anyway is unverified, and a wrong count would fail every node
    return 0


def health_cronjob(
    pool: Any, machine: Machine, target: Any, settings: Any, min_fraction: float, labels: dict[str, str]
) -> list[dict[str, Any]]:
    """The ConfigMap with the script and the contract's table, and the CronJob."""
    catalog = load_catalog()
    name = check_name(pool.name)
    namespace = naming.VALIDATION_NAMESPACE
    profile = nccl_profile_name(machine, target)
    pod_facts = catalog.nccl_pods[profile]
    mirror = target.registries.mirror if target.registries is not None else None
    dcgm_image = mirrored_image(pinned(catalog.health_check.dcgm_image, target.image_digests), mirror)
    nvlink_line = round(machine.expected.intra_node_busbw_gbps * min_fraction, 1)
    gpus = {k: str(v) for k, v in machine.kubernetes_resources.items() if k == naming.GPU_RESOURCE}
    resources_all = dict(machine.kubernetes_resources)
    fabric = target.site_fabric
    if fabric is not None:
        resources_all.update(naming.onprem_rdma_request(fabric.device_plugin, len(fabric.hcas)))
    facts = catalog.health_check
    loopback = profile in facts.loopback_profiles
    limits = {k: str(v) for k, v in resources_all.items()} if loopback else dict(gpus)
    if loopback and pod_facts.hugepages_2mi:
        limits["hugepages-2Mi"] = pod_facts.hugepages_2mi
    limits["memory"] = pod_facts.memory
    run_labels = {**labels, "ailz.io/role": "health-check", naming.POOL_LABEL: pool.name}
    env = {
        "GPUS": str(machine.gpus),
        "TESTS_DIR": pod_facts.nccl_tests_dir,
        "NVLINK_LINE": str(nvlink_line),
        "MIN_BYTES": str(MIN_BYTES),
        "MAX_BYTES": MAX_BYTES,
        "LOOPBACK": "1" if loopback else "0",
        "RDMA_DEVICES": str(_rdma_devices(machine, target)),
        # on-prem the spec names the compute HCAs: each must have an ACTIVE port (not with SR-IOV:
        # exclusive RDMA namespaces hide the host's devices from a pod without a VF)
        "RDMA_NAMES": " ".join(fabric.hcas) if fabric is not None and fabric.device_plugin != "sriov" else "",
        "DCGM_LEVEL": str(settings.dcgm_level),
    }
    libraries = []
    if machine.gcp is not None:  # GKE's device plugin mounts the driver's libraries here
        libraries = [{"name": "LD_LIBRARY_PATH", "value": facts.gke_driver_libraries}]
    config_map = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": namespace, "labels": dict(labels)},
        "data": {
            "check.sh": check_script(),
            "transitions.txt": transitions_text(),
            # where the loopback runs: what every NCCL rank of the fabric runs first (library paths)
            # and its NCCL environment; elsewhere nothing (their setup needs host plugin mounts)
            "setup.sh": setup_script(pod_facts, catalog.fabric_profiles[profile]) if loopback else "\n",
        },
    }
    hardened = {"allowPrivilegeEscalation": False, "privileged": False, "capabilities": {"drop": ["ALL"]}}
    check_context = {
        **hardened,
        "capabilities": {"drop": ["ALL"], "add": list(pod_facts.capabilities)}
        if loopback
        else {"drop": ["ALL"]},
    }
    pod_spec: dict[str, Any] = {
        "restartPolicy": "Never",
        "serviceAccountName": name,
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,
        # below the cluster autoscaler's expendable cutoff (-10): a check never grows a pool
        "priorityClassName": PRIORITY_CLASS,
        "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
        "nodeSelector": {naming.POOL_LABEL: pool.name},
        "tolerations": [
            {"key": naming.GPU_TAINT_KEY, "operator": "Exists", "effect": "NoSchedule"},
            # a bad node is cleared only by passing a re-check: the check runs there too
            {"key": HEALTH_TAINT, "operator": "Exists", "effect": "NoSchedule"},
        ],
        "affinity": {
            "podAntiAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": [
                    {
                        "labelSelector": {"matchLabels": dict(run_labels)},
                        "topologyKey": "kubernetes.io/hostname",
                    }
                ]
            }
        },
        "initContainers": [
            {
                "name": "dcgm-diag",
                "image": dcgm_image,
                "command": ["/bin/bash", "-c"],
                # a diag that found a failing test is the node's (its exit code); one that could not
                # run (the host engine not starting, refused) is no result: "setup"
                "args": [
                    f"nv-hostengine || {{ echo setup > {RESULTS_DIR}/dcgm.rc; exit 0; }}; "
                    f'out=$(dcgmi diag -r {settings.dcgm_level} 2>&1); rc=$?; echo "$out"; '
                    f"if [ $rc -ne 0 ] && ! printf '%s' \"$out\" | grep -qw 'Fail'; then rc=setup; fi; "
                    f"echo $rc > {RESULTS_DIR}/dcgm.rc; nv-hostengine --term || true"
                ],
                "env": list(libraries),
                "resources": {"requests": dict(gpus), "limits": dict(gpus)},
                "securityContext": hardened,
                "volumeMounts": [
                    {"name": "results", "mountPath": RESULTS_DIR},
                    {"name": "dshm", "mountPath": "/dev/shm"},
                ],
            }
        ],
        "containers": [
            {
                "name": "check",
                "image": nccl_test_image(profile, target),
                "command": ["/bin/bash", f"{SCRIPT_DIR}/check.sh"],
                "env": [
                    {"name": "NODE_NAME", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}},
                    *({"name": k, "value": v} for k, v in env.items()),
                    *libraries,
                ],
                "resources": {"requests": {**limits, "cpu": pod_facts.cpu}, "limits": limits},
                "securityContext": check_context,
                "volumeMounts": [
                    {"name": "scripts", "mountPath": SCRIPT_DIR},
                    {"name": "results", "mountPath": RESULTS_DIR},
                    {"name": "dshm", "mountPath": "/dev/shm"},
                    # the API token only here, in ailz's script; the DCGM container gets none
                    {"name": "token", "mountPath": TOKEN_DIR, "readOnly": True},
                ],
            }
        ],
        "volumes": [
            {
                "name": "token",
                "projected": {
                    "sources": [
                        {"serviceAccountToken": {"path": "token", "expirationSeconds": 3600}},
                        {
                            "configMap": {
                                "name": "kube-root-ca.crt",
                                "items": [{"key": "ca.crt", "path": "ca.crt"}],
                            }
                        },
                    ]
                },
            },
            {"name": "scripts", "configMap": {"name": name, "defaultMode": 0o555}},
            {"name": "results", "emptyDir": {}},
            {"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": pod_facts.shm_size}},
        ],
    }
    nodes = pool.nodes  # the pool's size, not its autoscaling maximum
    # Kueue may admit fewer pods than nodes (only the idle ones get checked); it then lowers
    # completions with parallelism only for Indexed Jobs that ask for it, and needs 2+ pods for it
    partial = (
        {
            "kueue.x-k8s.io/job-min-parallelism": "1",
            "kueue.x-k8s.io/job-completions-equal-parallelism": "true",
        }
        if nodes >= 2
        else {}
    )
    cronjob = {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": name, "namespace": namespace, "labels": dict(labels)},
        "spec": {
            "schedule": settings.schedule,
            # a run Kueue never admitted stays suspended (its deadline does not run): the next
            # scheduled run replaces it rather than being skipped behind it
            "concurrencyPolicy": "Replace",
            "startingDeadlineSeconds": 600,
            "successfulJobsHistoryLimit": 1,
            "failedJobsHistoryLimit": 3,
            "jobTemplate": {
                "metadata": {
                    "labels": {**run_labels, "kueue.x-k8s.io/queue-name": naming.LOCAL_QUEUE},
                    "annotations": partial,
                },
                "spec": {
                    "suspend": True,  # Kueue starts it on admission
                    "completionMode": "Indexed",
                    "parallelism": nodes,
                    "completions": nodes,
                    "backoffLimit": nodes,
                    "activeDeadlineSeconds": settings.timeout_minutes * 60,
                    "ttlSecondsAfterFinished": 3600,
                    "template": {
                        "metadata": {"labels": dict(run_labels)},
                        "spec": pod_spec,
                    },
                },
            },
        },
    }
    return [config_map, cronjob]


def gpu_minutes_per_node_per_day(schedule: str, minutes_per_check: float, gpus: int) -> float | None:
    """What the schedule costs one node: runs per day x minutes x GPUs (None for schedules not
    written as every-N-hours or fixed hours)."""
    minute, hour, day, month, weekday = schedule.split()
    if day != "*" or month != "*" or weekday != "*" or not minute.isdigit():
        return None
    if hour == "*":
        runs = 24
    elif hour.startswith("*/") and hour[2:].isdigit():
        runs = -(-24 // int(hour[2:]))
    elif all(part.isdigit() for part in hour.split(",")):
        runs = len(hour.split(","))
    else:
        return None
    return runs * minutes_per_check * gpus
