"""Kueue objects: a ResourceFlavor per GPU pool, a ClusterQueue per team, LocalQueues; pure."""

from __future__ import annotations

from typing import Any

from ailz.components.common import names as naming
from ailz.components.common.images import mirrored_image, pinned
from ailz.components.common.names import GPU_RESOURCE
from ailz.components.platform.admission import core_writes
from ailz.components.platform.charts import platform_facts
from ailz.components.platform.quota_plan import QueueShare

KUEUE_API = "kueue.x-k8s.io/v1beta1"


def resource_flavor(pool_name: str, labels: dict[str, str]) -> dict[str, Any]:
    return {
        "apiVersion": KUEUE_API,
        "kind": "ResourceFlavor",
        "metadata": {"name": pool_name, "labels": dict(labels)},
        # pods admitted to a GPU flavor land on tainted GPU nodes, GPU-less ones (MPI launchers,
        # data preparation) included: the flavor hands them the toleration
        "spec": {
            "nodeLabels": {naming.POOL_LABEL: pool_name},
            "tolerations": [{"key": naming.GPU_TAINT_KEY, "operator": "Exists", "effect": "NoSchedule"}],
        },
    }


# A team reclaims its guaranteed GPUs from whoever borrowed them and, inside its own queue,
# preempts lower-priority work; the validation queue only ever borrows what is idle and gives it
# back (Kueue ClusterQueue preemption, v1beta1).
TEAM_PREEMPTION = {"reclaimWithinCohort": "Any", "withinClusterQueue": "LowerPriority"}
VALIDATION_PREEMPTION = {"reclaimWithinCohort": "Never", "withinClusterQueue": "Never"}


def _resource(name: str, nominal: Any, borrowing: Any | None) -> dict[str, Any]:
    entry = {"name": name, "nominalQuota": nominal}
    if borrowing is not None:
        entry["borrowingLimit"] = borrowing
    return entry


def cluster_queue(
    name: str,
    namespace: str,
    shares: dict[str, QueueShare],
    cpu_per_gpu: int,
    memory_gib_per_gpu: int,
    labels: dict[str, str],
    preemption: dict[str, str],
) -> dict[str, Any]:
    """One queue of the target's cohort (naming.KUEUE_COHORT): per flavor its guaranteed GPUs and
    what it may borrow (quota_plan.py); cpu and memory follow the GPUs. The namespace's
    ResourceQuota caps the sum across flavors."""
    flavors = []
    for pool, share in shares.items():
        borrow = share.borrowing_limit
        flavors.append(
            {
                "name": pool,
                "resources": [
                    _resource(
                        "cpu", share.nominal * cpu_per_gpu, None if borrow is None else borrow * cpu_per_gpu
                    ),
                    _resource(
                        "memory",
                        f"{share.nominal * memory_gib_per_gpu}Gi",
                        None if borrow is None else f"{borrow * memory_gib_per_gpu}Gi",
                    ),
                    _resource(GPU_RESOURCE, share.nominal, borrow),
                ],
            }
        )
    return {
        "apiVersion": KUEUE_API,
        "kind": "ClusterQueue",
        "metadata": {"name": name, "labels": dict(labels)},
        "spec": {
            "cohort": naming.KUEUE_COHORT,
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": namespace}},
            "queueingStrategy": "BestEffortFIFO",
            "preemption": dict(preemption),
            "resourceGroups": [{"coveredResources": ["cpu", "memory", GPU_RESOURCE], "flavors": flavors}],
        },
    }


def local_queue(namespace: str, cluster_queue_name: str, labels: dict[str, str]) -> dict[str, Any]:
    return {
        "apiVersion": KUEUE_API,
        "kind": "LocalQueue",
        "metadata": {"name": naming.LOCAL_QUEUE, "namespace": namespace, "labels": dict(labels)},
        "spec": {"clusterQueue": cluster_queue_name},
    }


VALIDATOR_ROLE = "ailz-validator"


def node_keys_policy(
    name: str,
    who: str,
    prefix: str,
    labels: dict[str, str],
    extra: list[dict[str, str]] | None = None,
) -> list[dict[str, Any]]:
    """RBAC lets `who` (a CEL condition on the request) patch any node; this admission policy
    narrows it to labels, annotations and taints under `prefix`, and nothing else of the node (no
    cordon, no other label, taint or annotation); `extra` adds validations (e.g. which nodes)."""

    # the prefix itself or prefix-...: `ailz.io/nccl` and `ailz.io/nccl-bad`, never `ailz.io/ncclx`
    def ours(key: str) -> str:
        return f"({key} == '{prefix}' || {key}.startsWith('{prefix}-'))"

    def same_outside(field: str) -> str:
        old, new = f"variables.old_{field}", f"variables.new_{field}"
        return (
            f"{old}.all(k, {ours('k')} || (k in {new} && {new}[k] == {old}[k])) && "
            f"{new}.all(k, {ours('k')} || k in {old})"
        )

    def unchanged(path: str) -> str:
        return f"(has(object.{path}) ? object.{path} : []) == (has(oldObject.{path}) ? oldObject.{path} : [])"

    def meta(obj: str, field: str) -> str:
        return f"has({obj}.metadata.{field}) ? {obj}.metadata.{field} : {{}}"

    taints = "has({0}.spec.taints) ? {0}.spec.taints : []"
    policy = {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingAdmissionPolicy",
        "metadata": {"name": name, "labels": dict(labels)},
        "spec": {
            "failurePolicy": "Fail",
            "matchConstraints": core_writes("nodes", ("UPDATE",)),
            "matchConditions": [{"name": "who", "expression": who}],
            "variables": [
                {"name": "old_labels", "expression": meta("oldObject", "labels")},
                {"name": "new_labels", "expression": meta("object", "labels")},
                {"name": "old_annotations", "expression": meta("oldObject", "annotations")},
                {"name": "new_annotations", "expression": meta("object", "annotations")},
                {"name": "old_taints", "expression": taints.format("oldObject")},
                {"name": "new_taints", "expression": taints.format("object")},
            ],
            "validations": [
                {"expression": same_outside("labels"), "message": f"only {prefix}* labels may change"},
                {
                    "expression": same_outside("annotations"),
                    "message": f"only {prefix}* annotations may change",
                },
                {
                    "expression": f"variables.old_taints.filter(t, !{ours('t.key')}) == "
                    f"variables.new_taints.filter(t, !{ours('t.key')})",
                    "message": f"only {prefix}* taints may change",
                },
                {
                    # an owner reference to a missing owner would let the garbage collector delete the node
                    "expression": unchanged("metadata.ownerReferences")
                    + " && "
                    + unchanged("metadata.finalizers"),
                    "message": "owner references and finalizers may not change",
                },
                {
                    "expression": "(has(object.spec.unschedulable) && object.spec.unschedulable) == "
                    "(has(oldObject.spec.unschedulable) && oldObject.spec.unschedulable)",
                    "message": "nodes may not be cordoned or uncordoned here",
                },
                *(extra or []),
            ],
        },
    }
    binding = {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingAdmissionPolicyBinding",
        "metadata": {"name": name, "labels": dict(labels)},
        "spec": {"policyName": name, "validationActions": ["Deny"]},
    }
    return [policy, binding]


def validator_node_policy(group: str, labels: dict[str, str]) -> list[dict[str, Any]]:
    """The validator group may set only validation's node keys (naming.VALIDATOR_NODE_KEYS)."""
    who = f"request.userInfo.groups.exists(g, g == '{group}')"
    return node_keys_policy(f"{VALIDATOR_ROLE}-nodes", who, naming.VALIDATOR_NODE_KEYS, labels)


def validator_rbac(namespace: str, group: str | None, labels: dict[str, str]) -> list[dict[str, Any]]:
    """What `ailz validate nccl` does, and nothing more: run jobs in the validation namespace,
    read their pods, logs, events and Kueue workloads,
    and read (label and taint) nodes. Bound when a group is set."""
    meta = {"name": VALIDATOR_ROLE, "labels": dict(labels)}
    run = ["create", "get", "list", "watch", "delete"]
    objects: list[dict[str, Any]] = [
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": meta,
            "rules": [
                {"apiGroups": [""], "resources": ["nodes"], "verbs": ["get", "list", "watch", "patch"]}
            ],
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "Role",
            "metadata": {**meta, "namespace": namespace},
            "rules": [
                {"apiGroups": [""], "resources": ["configmaps", "secrets"], "verbs": run},
                {
                    "apiGroups": [""],
                    "resources": ["pods", "pods/log", "events"],
                    "verbs": ["get", "list", "watch"],
                },
                {"apiGroups": ["kubeflow.org"], "resources": ["mpijobs"], "verbs": run},
                {"apiGroups": ["jobset.x-k8s.io"], "resources": ["jobsets"], "verbs": run},
                # why a test waits: the Kueue Workload's conditions (QuotaReserved, Admitted)
                {"apiGroups": ["kueue.x-k8s.io"], "resources": ["workloads"], "verbs": ["get", "list"]},
            ],
        },
    ]
    if group:
        subject = [{"kind": "Group", "name": group, "apiGroup": "rbac.authorization.k8s.io"}]
        role_ref = {"apiGroup": "rbac.authorization.k8s.io", "name": VALIDATOR_ROLE}
        objects += [
            {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "ClusterRoleBinding",
                "metadata": meta,
                "subjects": subject,
                "roleRef": {**role_ref, "kind": "ClusterRole"},
            },
            *validator_node_policy(group, labels),
            {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "RoleBinding",
                "metadata": {**meta, "namespace": namespace},
                "subjects": subject,
                "roleRef": {**role_ref, "kind": "Role"},
            },
        ]
    return objects


def mirror_image_patches(
    manifest: str, mirror: str | None, labels: dict[str, str], digests: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """Server-side patches that point a manifest's Deployments at the mirror and the digest the spec
    gives (force: the manifest applied the upstream image first); none when neither applies."""
    facts = platform_facts().manifests[manifest]
    patches = []
    for where, upstream in sorted(facts.images.items()):
        image = pinned(upstream, digests)
        if not mirror and image == upstream:
            continue
        deployment, container = where.split("/")
        patches.append(
            {
                "metadata": {
                    "name": deployment,
                    "namespace": facts.namespace,
                    "labels": labels,
                    "annotations": {"pulumi.com/patchForce": "true"},
                },
                "spec": {
                    "template": {
                        "spec": {"containers": [{"name": container, "image": mirrored_image(image, mirror)}]}
                    }
                },
            }
        )
    return patches
