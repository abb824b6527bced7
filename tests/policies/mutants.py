"""Realistic single defects, each injected into an example plan (plus a compliant team job) one at a
time: what a reviewer must catch in a landing-zone change. The gate detects a mutant when a blocking
finding appears that the unmutated plan does not have. Used by test_mutants.py and
benchmarks/policy_mutants.py."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass

from ailz.policies.gate import run_gate
from ailz.policies.props import pod_specs
from ailz.stacks.plan import Plan, PlanResource

WORLD = "0.0.0.0/0"
EXAMPLES = {
    # example: (target, pool) a team job runs on
    "aws-p5-training": ("aws-train", "h100"),
    "aws-existing-vpc": ("aws-train", "h100"),
    "gcp-a3-ultra": ("gcp-train", "h200"),
    "gcp-a3-mega": ("gcp-ft", "h100-mega"),
    "onprem-sovereign": ("fra-dgx", "dgx"),
    "onprem-sriov-roce": ("ams-hgx", "hgx"),
}


@dataclass(frozen=True)
class Mutation:
    name: str
    category: str
    apply: Callable[[Plan], bool]  # False: nothing in this plan to mutate


def _of(
    plan: Plan, type_token: str, where: Callable[[PlanResource], bool] = lambda r: True
) -> list[PlanResource]:
    return [r for r in plan.resources if r.type == type_token and where(r)]


def _first(plan, type_token, where=lambda r: True) -> PlanResource | None:
    found = _of(plan, type_token, where)
    return found[0] if found else None


def _set(type_token: str, path: tuple, value, where=lambda r: True) -> Callable[[Plan], bool]:
    def apply(plan: Plan) -> bool:
        resource = _first(plan, type_token, where)
        if resource is None:
            return False
        node = resource.inputs
        for part in path[:-1]:
            node = node.setdefault(part, {}) if isinstance(node, dict) else node[part]
        if value is _DROP:
            if path[-1] not in node:
                return False
            del node[path[-1]]
        else:
            node[path[-1]] = value
        return True

    return apply


_DROP = object()


def _edit(
    type_token: str, fn: Callable[[PlanResource], bool], where=lambda r: True
) -> Callable[[Plan], bool]:
    def apply(plan: Plan) -> bool:
        resource = _first(plan, type_token, where)
        return resource is not None and fn(resource) is not False

    return apply


def _policy_doc(resource: PlanResource, key: str, statement: dict) -> None:
    doc = json.loads(resource.inputs[key])
    doc["Statement"].append(statement)
    resource.inputs[key] = json.dumps(doc)


def _team_pod(plan: Plan) -> tuple[PlanResource, dict] | None:
    for resource in plan.resources:
        if resource.urn.startswith("urn:pulumi:team::") and resource.type.endswith(":MPIJob"):
            specs = pod_specs(resource.type, resource.inputs)
            return resource, specs[-1][1]  # the worker
    return None


def _pod(fn: Callable[[dict], None]) -> Callable[[Plan], bool]:
    def apply(plan: Plan) -> bool:
        found = _team_pod(plan)
        if found is None:
            return False
        fn(found[1])
        return True

    return apply


def _container(fn: Callable[[dict], None]) -> Callable[[Plan], bool]:
    return _pod(lambda pod: fn(pod["containers"][0]))


def _team_namespace(plan: Plan) -> PlanResource | None:
    found = _team_pod(plan)
    if found is None:
        return None
    name = found[0].inputs["metadata"]["namespace"]
    return _first(plan, "kubernetes:core/v1:Namespace", lambda r: r.inputs["metadata"]["name"] == name)


def _namespace_label(key: str, value) -> Callable[[Plan], bool]:
    def apply(plan: Plan) -> bool:
        ns = _team_namespace(plan)
        if ns is None:
            return False
        labels = ns.inputs["metadata"].setdefault("labels", {})
        if value is _DROP:
            labels.pop(key, None)
        else:
            labels[key] = value
        return True

    return apply


def _drop_default_deny(plan: Plan) -> bool:
    ns = _team_namespace(plan)
    if ns is None:
        return False
    name = ns.inputs["metadata"]["name"]
    before = len(plan.resources)
    plan.resources = [
        r for r in plan.resources
        if not (r.type.endswith(":NetworkPolicy") and r.inputs["metadata"].get("namespace") == name
                and r.inputs["metadata"]["name"] == "default-deny")
    ]  # fmt: skip
    return len(plan.resources) < before


def _open_ingress(plan: Plan) -> bool:
    policy = _first(plan, "kubernetes:networking.k8s.io/v1:NetworkPolicy")
    if policy is None:
        return False
    policy.inputs["spec"]["ingress"] = [{"from": [{"ipBlock": {"cidr": WORLD}}]}]
    policy.inputs["spec"].setdefault("policyTypes", ["Ingress"])
    return True


def _broad_admin(plan: Plan) -> bool:
    binding = _first(plan, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding")
    if binding is None:
        return False
    binding.inputs["roleRef"] = {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "ClusterRole",
        "name": "cluster-admin",
    }
    binding.inputs["subjects"] = [
        {"kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": "system:authenticated"}
    ]
    return True


def _public_cloud_in_onprem(plan: Plan) -> bool:
    site = next((t.name for t in plan.targets if t.kind == "onprem"), None)
    if site is None:
        return False
    urn = "urn:pulumi:x::y::aws:s3/bucket:Bucket::exfil"
    plan.resources.append(
        PlanResource(type="aws:s3/bucket:Bucket", name="exfil", urn=urn, parent=None, target=site, inputs={})
    )
    return True


def _efa_drop_interface(r: PlanResource) -> bool:
    nics = r.inputs.get("networkInterfaces") or []
    if len(nics) < 2:
        return False
    nics.pop()
    return True


def _extra_sg_ingress(plan: Plan) -> bool:
    rule = _first(plan, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    if rule is None:
        return False
    clone = copy.deepcopy(rule)
    clone.name, clone.urn = "open-ssh", rule.urn + "-open-ssh"
    clone.inputs.update({"cidrIpv4": WORLD, "ipProtocol": "tcp", "fromPort": 22, "toPort": 22})
    clone.inputs.pop("referencedSecurityGroupId", None)
    clone.property_dependencies = {
        k: v for k, v in clone.property_dependencies.items() if k != "referencedSecurityGroupId"
    }
    plan.resources.append(clone)
    return True


def _gpu_group(r: PlanResource) -> bool:
    return "gpu-type" in (r.inputs.get("tags") or {})


def _training_group(r: PlanResource) -> bool:
    return _gpu_group(r) and (r.inputs.get("tags") or {}).get("purpose") == "training"


def _gpu_pool(r: PlanResource) -> bool:
    return "gpu-type" in ((r.inputs.get("nodeConfig") or {}).get("resourceLabels") or {})


def _training_pool(r: PlanResource) -> bool:
    return _gpu_pool(r) and r.inputs["nodeConfig"]["resourceLabels"].get("purpose") == "training"


def _restricted_registries(plan: Plan) -> bool:
    targets = (plan.context or {}).get("targets") or {}
    return any((t or {}).get("registries") for t in targets.values())


def _only_with_registries(apply: Callable[[Plan], bool]) -> Callable[[Plan], bool]:
    """A public image is a defect only where the spec restricts registries."""
    return lambda plan: _restricted_registries(plan) and apply(plan)


def _without_fabric(pod_template_spec: dict) -> None:
    for container in pod_template_spec["containers"]:
        for kind in ("limits", "requests"):
            held = container.get("resources", {}).get(kind, {})
            for name in [n for n in held if n not in ("nvidia.com/gpu", "cpu", "memory")]:
                held.pop(name)


def _strip_fabric(plan: Plan) -> bool:
    found = _team_pod(plan)
    if found is None:
        return False
    job, pod = found
    _without_fabric(pod)
    for _, _, meta in pod_specs(job.type, job.inputs):
        annotations = meta.get("annotations") or {}
        for key in [k for k in annotations if "networks" in k or k.startswith("networking.gke.io")]:
            annotations.pop(key)
    return True


def _drop_rdma_admission(plan: Plan) -> bool:
    before = len(plan.resources)

    def guard(r: PlanResource) -> bool:
        return (
            r.type.startswith("kubernetes:admissionregistration")
            and r.inputs["metadata"]["name"] == "ailz-rdma-pods"
        )

    plan.resources = [r for r in plan.resources if not guard(r)]
    return len(plan.resources) < before


def _gke_api_public(r: PlanResource) -> None:
    r.inputs.setdefault("privateClusterConfig", {})["enablePrivateEndpoint"] = False
    r.inputs["masterAuthorizedNetworksConfig"] = {"cidrBlocks": [{"cidrBlock": WORLD}]}


def _gpu_subnet_public(plan: Plan) -> bool:
    group = _first(plan, "aws:eks/nodeGroup:NodeGroup", _gpu_group)
    urns = group.property_dependencies.get("subnetIds", []) if group else []
    subnet = _first(plan, "aws:ec2/subnet:Subnet", lambda r: r.urn in urns)
    if subnet is None:
        return False
    subnet.inputs["mapPublicIpOnLaunch"] = True
    return True


def _attach(policy: str) -> Callable[[Plan], bool]:
    return _set(
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        ("policyArn",),
        f"arn:aws:iam::aws:policy/{policy}",
    )


LT = "aws:ec2/launchTemplate:LaunchTemplate"
NG = "aws:eks/nodeGroup:NodeGroup"
EKS = "aws:eks/cluster:Cluster"
GKE = "gcp:container/cluster:Cluster"
POOL = "gcp:container/nodePool:NodePool"
GCS = "gcp:storage/bucket:Bucket"
S3 = "aws:s3/bucket:Bucket"
ROLE = "aws:iam/role:Role"

MUTATIONS: tuple[Mutation, ...] = (
    # fabric
    Mutation("efa-interface-dropped", "fabric", _edit(LT, _efa_drop_interface)),
    Mutation("efa-group-two-zones", "fabric", _set(NG, ("subnetIds",), ["subnet-a", "subnet-b"], _gpu_group)),
    Mutation("efa-sg-open", "fabric", _extra_sg_ingress),
    Mutation(
        "gke-rdma-networks-dropped",
        "fabric",
        _set(POOL, ("networkConfig", "additionalNodeNetworkConfigs"), [], _gpu_pool),
    ),
    Mutation(
        "roce-mtu-default",
        "fabric",
        _set(
            "gcp:compute/network:Network",
            ("mtu",),
            1460,
            lambda r: "roce" in str(r.inputs.get("networkProfile", "")),
        ),
    ),
    Mutation("job-without-rdma", "fabric", _strip_fabric),
    Mutation(
        "lustre-out-of-region",
        "residency",
        _set("gcp:lustre/instance:Instance", ("location",), "us-central1-a"),
    ),
    Mutation("bucket-us-multiregion", "residency", _set(GCS, ("location",), "US")),
    Mutation(
        "fsx-other-region",
        "residency",
        _set("aws:fsx/lustreFileSystem:LustreFileSystem", ("region",), "us-east-1"),
    ),
    Mutation("public-cloud-in-sovereign-site", "residency", _public_cloud_in_onprem),
    Mutation(
        "job-image-docker-hub",
        "residency",
        _only_with_registries(
            _container(lambda c: c.__setitem__("image", "docker.io/library/python@sha256:" + "b" * 64))
        ),
    ),
    Mutation(
        "chart-values-public-image",
        "residency",
        _only_with_registries(
            _edit(
                "kubernetes:helm.sh/v3:Release",
                lambda r: r.inputs.setdefault("values", {}).__setitem__("extra", {"image": "quay.io/x/y:1"}),
            )
        ),
    ),
    Mutation(
        "fsx-no-cmk", "encryption", _set("aws:fsx/lustreFileSystem:LustreFileSystem", ("kmsKeyId",), _DROP)
    ),
    Mutation("eks-no-envelope", "encryption", _set(EKS, ("encryptionConfig",), _DROP)),
    Mutation("kms-no-rotation", "encryption", _set("aws:kms/key:Key", ("enableKeyRotation",), False)),
    Mutation("gke-no-envelope", "encryption", _set(GKE, ("databaseEncryption",), _DROP)),
    Mutation("gcs-no-cmk", "encryption", _set(GCS, ("encryption",), _DROP)),
    Mutation(
        "gke-boot-disk-google-key",
        "encryption",
        _set(POOL, ("nodeConfig", "bootDiskKmsKey"), _DROP, _gpu_pool),
    ),
    Mutation(
        "s3-sse-s3",
        "encryption",
        _edit(
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            lambda r: r.inputs.__setitem__(
                "rules", [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}]
            ),
        ),
    ),
    Mutation(
        "gcp-key-no-rotation", "encryption", _set("gcp:kms/cryptoKey:CryptoKey", ("rotationPeriod",), _DROP)
    ),
    Mutation(
        "key-policy-open",
        "encryption",
        _edit(
            "aws:kms/key:Key",
            lambda r: _policy_doc(
                r,
                "policy",
                {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:*", "Resource": "*"},
            ),
        ),
    ),
    Mutation("log-group-no-cmk", "logging", _set("aws:cloudwatch/logGroup:LogGroup", ("kmsKeyId",), _DROP)),
    # capacity and cost
    Mutation("training-on-spot", "capacity", _set(NG, ("capacityType",), "SPOT", _training_group)),
    Mutation("gke-training-spot", "capacity", _set(POOL, ("nodeConfig", "spot"), True, _training_pool)),
    Mutation("cost-tags-dropped", "cost", _set("aws:ec2/vpc:Vpc", ("tags",), {"Name": "vpc"})),
    Mutation(
        "gpu-type-tag-dropped", "cost", _edit(NG, lambda r: r.inputs["tags"].pop("gpu-type"), _gpu_group)
    ),
    Mutation("launch-tags-dropped", "cost", _set(LT, ("tagSpecifications",), _DROP)),
    Mutation("bucket-labels-dropped", "cost", _set(GCS, ("labels",), {})),
    Mutation("gke-pool-labels-dropped", "cost", _set(POOL, ("nodeConfig", "resourceLabels"), {}, _gpu_pool)),
    # exposure
    Mutation(
        "gpu-public-ip",
        "exposure",
        _edit(LT, lambda r: r.inputs["networkInterfaces"][0].__setitem__("associatePublicIpAddress", "true")),
    ),
    Mutation(
        "bucket-public-access-allowed",
        "exposure",
        _set("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", ("restrictPublicBuckets",), False),
    ),
    Mutation(
        "bucket-plain-http",
        "exposure",
        _set("aws:s3/bucketPolicy:BucketPolicy", ("policy",), '{"Version":"2012-10-17","Statement":[]}'),
    ),
    Mutation("imdsv1", "exposure", _set(LT, ("metadataOptions", "httpTokens"), "optional")),
    Mutation(
        "eks-api-public",
        "exposure",
        _edit(
            EKS,
            lambda r: r.inputs["vpcConfig"].update(
                {"endpointPublicAccess": True, "publicAccessCidrs": [WORLD]}
            ),
        ),
    ),
    Mutation("gke-api-world", "exposure", _edit(GKE, _gke_api_public)),
    Mutation(
        "gke-public-nodes", "exposure", _set(POOL, ("networkConfig", "enablePrivateNodes"), False, _gpu_pool)
    ),
    Mutation(
        "gcs-all-users",
        "exposure",
        _set("gcp:storage/bucketIAMMember:BucketIAMMember", ("member",), "allUsers"),
    ),
    Mutation(
        "gke-node-metadata-exposed",
        "exposure",
        _set(POOL, ("nodeConfig", "workloadMetadataConfig", "mode"), "GCE_METADATA", _gpu_pool),
    ),
    Mutation(
        "gke-legacy-endpoints",
        "exposure",
        _set(POOL, ("nodeConfig", "metadata"), {"disable-legacy-endpoints": "false"}, _gpu_pool),
    ),
    Mutation(
        "gke-no-secure-boot",
        "exposure",
        _set(POOL, ("nodeConfig", "shieldedInstanceConfig", "enableSecureBoot"), False),
    ),
    Mutation("gke-legacy-abac", "exposure", _set(GKE, ("enableLegacyAbac",), True)),
    # identity
    Mutation("role-no-boundary", "identity", _set(ROLE, ("permissionsBoundary",), _DROP)),
    Mutation(
        "admin-policy",
        "identity",
        _edit(
            "aws:iam/rolePolicy:RolePolicy",
            lambda r: _policy_doc(r, "policy", {"Effect": "Allow", "Action": "*", "Resource": "*"}),
        ),
    ),
    Mutation(
        "passrole-any",
        "identity",
        _edit(
            "aws:iam/rolePolicy:RolePolicy",
            lambda r: _policy_doc(
                r, "policy", {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}
            ),
        ),
    ),
    Mutation(
        "iam-star",
        "identity",
        _edit(
            "aws:iam/rolePolicy:RolePolicy",
            lambda r: _policy_doc(
                r,
                "policy",
                {"Effect": "Allow", "Action": "iam:*", "Resource": "arn:aws:iam::111111111111:role/x"},
            ),
        ),
    ),
    Mutation(
        "notaction-allow",
        "identity",
        _edit(
            "aws:iam/rolePolicy:RolePolicy",
            lambda r: _policy_doc(r, "policy", {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}),
        ),
    ),
    Mutation(
        "trust-anyone",
        "identity",
        _edit(
            ROLE,
            lambda r: _policy_doc(
                r,
                "assumeRolePolicy",
                {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"},
            ),
        ),
    ),
    Mutation("administrator-access", "identity", _attach("AdministratorAccess")),
    Mutation("power-user", "identity", _attach("PowerUserAccess")),
    Mutation(
        "node-role-s3",
        "identity",
        _set(
            "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
            ("policyArn",),
            "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
            lambda r: "WorkerNode" in str(r.inputs.get("policyArn")),
        ),
    ),
    Mutation(
        "gcp-sa-editor",
        "identity",
        _set(
            "gcp:projects/iAMMember:IAMMember",
            ("role",),
            "roles/editor",
            lambda r: str(r.inputs.get("member", "")).startswith("serviceAccount:"),
        ),
    ),
    Mutation(
        "gcp-owner-gmail",
        "identity",
        _edit(
            "gcp:projects/iAMMember:IAMMember",
            lambda r: r.inputs.update({"role": "roles/owner", "member": "user:someone@gmail.com"}),
        ),
    ),
    # network
    Mutation(
        "firewall-ssh-world",
        "network",
        _edit(
            "gcp:compute/firewall:Firewall",
            lambda r: r.inputs.update(
                {"sourceRanges": [WORLD], "allows": [{"protocol": "tcp", "ports": ["22"]}]}
            ),
        ),
    ),
    Mutation("gpu-subnet-public", "network", _gpu_subnet_public),
    Mutation("netpol-ingress-world", "network", _open_ingress),
    Mutation("namespace-no-default-deny", "network", _drop_default_deny),
    # workloads
    Mutation(
        "job-privileged",
        "workloads",
        _container(lambda c: c.setdefault("securityContext", {}).__setitem__("privileged", True)),
    ),
    Mutation("job-host-network", "workloads", _pod(lambda p: p.__setitem__("hostNetwork", True))),
    Mutation("job-host-pid", "workloads", _pod(lambda p: p.__setitem__("hostPID", True))),
    Mutation(
        "job-host-path",
        "workloads",
        _pod(
            lambda p: p.setdefault("volumes", []).append(
                {"name": "host", "hostPath": {"path": "/var/run/docker.sock"}}
            )
        ),
    ),
    Mutation(
        "job-sys-admin",
        "workloads",
        _container(
            lambda c: (
                c.setdefault("securityContext", {})
                .setdefault("capabilities", {})
                .setdefault("add", [])
                .append("SYS_ADMIN")
            )
        ),
    ),
    Mutation(
        "job-gpu-overcommit",
        "workloads",
        _container(lambda c: c["resources"]["requests"].__setitem__("nvidia.com/gpu", "1")),
    ),
    Mutation(
        "job-no-shm",
        "workloads",
        _container(
            lambda c: c.__setitem__(
                "volumeMounts", [m for m in c.get("volumeMounts", []) if m.get("mountPath") != "/dev/shm"]
            )
        ),
    ),
    Mutation(
        "job-image-by-tag",
        "workloads",
        _container(lambda c: c.__setitem__("image", c["image"].split("@")[0].rsplit(":", 1)[0] + ":latest")),
    ),
    Mutation(
        "namespace-without-pod-security",
        "workloads",
        _namespace_label("pod-security.kubernetes.io/enforce", _DROP),
    ),
    Mutation("rdma-admission-dropped", "workloads", _drop_rdma_admission),
    Mutation("namespace-not-rdma", "workloads", _namespace_label("ailz.io/rdma-pods", _DROP)),
    Mutation("cluster-admin-everyone", "workloads", _broad_admin),
    Mutation("gpu-nodes-untainted", "workloads", _set(NG, ("taints",), [], _gpu_group)),
    # resilience and logging
    Mutation(
        "versioning-suspended",
        "resilience",
        _set("aws:s3/bucketVersioning:BucketVersioning", ("versioningConfiguration", "status"), "Suspended"),
    ),
    Mutation("bucket-force-destroy", "resilience", _set(S3, ("forceDestroy",), True)),
    Mutation("gcs-force-destroy", "resilience", _set(GCS, ("forceDestroy",), True)),
    Mutation("gcs-no-versioning", "resilience", _set(GCS, ("versioning",), {"enabled": False})),
    Mutation("gke-deletable", "resilience", _set(GKE, ("deletionProtection",), False)),
    Mutation("eks-no-audit-log", "logging", _set(EKS, ("enabledClusterLogTypes",), ["api"])),
    Mutation("gke-no-logging", "logging", _set(GKE, ("loggingService",), "none")),
)


def with_team_job(plan: Plan, example: str) -> Plan:
    from tests.policies.team_job import team_job

    plan = copy.deepcopy(plan)
    target, pool = EXAMPLES[example]
    plan.resources.extend(team_job(example, target, pool))
    return plan


def blocking(plan: Plan) -> set[tuple[str, str]]:
    return {(f.rule_id, f.urn or "") for f in run_gate(plan, profile="prod").blocking}


def run_mutants(plans: dict[str, Plan]) -> list[tuple[str, str, str, bool]]:
    """(mutation, category, example, detected) for every mutation that applies to an example."""
    out = []
    for example, base in plans.items():
        base = with_team_job(base, example)
        before = blocking(base)
        for mutation in MUTATIONS:
            plan = copy.deepcopy(base)
            if not mutation.apply(plan):
                continue
            out.append((mutation.name, mutation.category, example, bool(blocking(plan) - before)))
    return out
