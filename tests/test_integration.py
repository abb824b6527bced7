"""Contracts between packages: what the in-cluster layer installs is what validation jobs need."""

from __future__ import annotations

import pytest
import yaml

from ailz.components.kinds import load_spec
from ailz.components.platform.scheduling import kueue_values
from ailz.validation.job_plan import plan_job
from ailz.validation.render import render
from tests.conftest import EXAMPLES

POOLS = [
    (name, target.name, pool.name)
    for name in sorted(p.stem for p in EXAMPLES.glob("*.yaml"))
    for target in load_spec(EXAMPLES / f"{name}.yaml").zone.targets
    for pool in target.gpu_pools
]


def _pod_specs(job: dict) -> list[dict]:
    if job["kind"] == "MPIJob":
        return [r["template"]["spec"] for r in job["spec"]["mpiReplicaSpecs"].values()]
    return [r["template"]["spec"]["template"]["spec"] for r in job["spec"]["replicatedJobs"]]


def _cluster_queues(plan, target: str) -> list[dict]:
    return [
        r.inputs["spec"]
        for r in plan.for_target(target)
        if r.type == "kubernetes:kueue.x-k8s.io/v1beta1:ClusterQueue"
    ]


@pytest.mark.parametrize(("example", "target", "pool"), POOLS)
def test_kueue_admits_every_resource_a_validation_job_requests(example_plan, example, target, pool):
    config = yaml.safe_load(kueue_values(None)["managerConfig"]["controllerManagerConfigYaml"])
    excluded = config["resources"]["excludeResourcePrefixes"]
    queues = _cluster_queues(example_plan(example), target)
    assert queues, f"no Kueue ClusterQueue in {target}"
    covered = set.intersection(*(set(q["resourceGroups"][0]["coveredResources"]) for q in queues))

    spec = load_spec(EXAMPLES / f"{example}.yaml").zone
    job = render(plan_job(spec, target, pool))[-1]
    assert job["metadata"]["labels"]["kueue.x-k8s.io/queue-name"] == "default"
    for pod in _pod_specs(job):
        for container in pod["containers"]:
            for resource in container.get("resources", {}).get("requests", {}):
                assert resource in covered or resource.startswith(tuple(excluded)), (
                    f"{resource} requested by {container['name']} is neither covered nor excluded"
                )


@pytest.mark.parametrize(("example", "target", "pool"), POOLS)
def test_validation_flavor_exists_for_every_pool(example_plan, example, target, pool):
    flavors = {
        r.inputs["metadata"]["name"]
        for r in example_plan(example).for_target(target)
        if r.type == "kubernetes:kueue.x-k8s.io/v1beta1:ResourceFlavor"
    }
    assert pool in flavors


def test_gib_plugin_on_the_host_matches_the_validation_image():
    # the job sources the host's set_nccl_env.sh: plugin and diagnostic image must be one release
    from ailz.catalog import load_catalog
    from ailz.validation.job_plan import fabric_pods

    installer_tag = load_catalog().fabric_profiles["gib"].image.rpartition(":")[2]
    diagnostic_tag = fabric_pods()["gib"]["image"].rpartition(":")[2]
    assert installer_tag == diagnostic_tag


TARGETS = sorted(
    {(name, target) for name, target, _ in POOLS}
    | {(p.stem, t.name) for p in EXAMPLES.glob("*.yaml") for t in load_spec(p).zone.targets}
)


@pytest.mark.parametrize(("example", "target"), TARGETS)
def test_every_kubernetes_object_of_every_target_passes_its_schema(example_plan, example, target):
    """Cloud targets included: the in-cluster layer and provider objects an API server would get."""
    from tests.components.platform.helpers import manifests
    from tests.k8s_schema import validate_manifest

    zone = load_spec(EXAMPLES / f"{example}.yaml").zone
    version = zone.target(target).kubernetes.version
    objects = manifests(example_plan(example), target)
    assert objects, f"{target} declares no Kubernetes objects"
    for obj in objects:
        validate_manifest(obj, version)


def _objects(plan, target: str, kind: str) -> list[dict]:
    from tests.components.platform.helpers import manifests

    return [o for o in manifests(plan, target) if o["kind"] == kind]


@pytest.mark.parametrize(
    ("example", "target", "endpoint"),
    [
        ("aws-p5-training", "aws-train", "169.254.170.23/32"),
        ("gcp-a3-ultra", "gcp-train", "169.254.169.254/32"),
        ("onprem-sovereign", "fra-dgx", None),
    ],
)
def test_team_pods_reach_their_credentials_and_dns_and_nothing_else_new(
    example_plan, example, target, endpoint
):
    policies = [
        p
        for p in _objects(example_plan(example), target, "NetworkPolicy")
        if p["metadata"]["namespace"] == "research"
    ]
    names = {p["metadata"]["name"] for p in policies}
    credentials = [p for p in policies if p["metadata"]["name"] == "allow-workload-identity"]
    if endpoint is None:  # nothing to fetch credentials from on a sovereign site
        assert "allow-workload-identity" not in names
    else:
        cidrs = [peer["ipBlock"]["cidr"] for rule in credentials[0]["spec"]["egress"] for peer in rule["to"]]
        assert cidrs == [endpoint]
    dns = next(p for p in policies if p["metadata"]["name"] == "allow-dns")
    assert {"ipBlock": {"cidr": "169.254.20.10/32"}} in dns["spec"]["egress"][0]["to"]


def test_limit_ranges_set_requests_but_never_a_default_limit(example_plan):
    for limit_range in _objects(example_plan("hybrid-sovereign"), "fra-dgx", "LimitRange"):
        for item in limit_range["spec"]["limits"]:
            assert "default" not in item and "defaultRequest" in item


def test_eks_enforces_network_policies(example_plan):
    import json

    cni = next(
        r
        for r in example_plan("aws-p5-training").resources
        if r.type == "aws:eks/addon:Addon" and r.inputs.get("addonName") == "vpc-cni"
    )
    assert json.loads(cni.inputs["configurationValues"]) == {"enableNetworkPolicy": "true"}


def _admit(policy: dict, pod: dict) -> list[str]:
    """Evaluate a ValidatingAdmissionPolicy's CEL validations against a pod, as the API server does."""
    import celpy

    env = celpy.Environment()
    activation = {"object": celpy.json_to_cel(pod)}
    variables = {}
    for variable in policy["spec"].get("variables", []):  # in order: a variable may use earlier ones
        activation["variables"] = celpy.celtypes.MapType(
            {celpy.celtypes.StringType(k): v for k, v in variables.items()}
        )
        variables[variable["name"]] = env.program(env.compile(variable["expression"])).evaluate(activation)
    activation["variables"] = celpy.celtypes.MapType(
        {celpy.celtypes.StringType(k): v for k, v in variables.items()}
    )
    refused = []
    for rule in policy["spec"]["validations"]:
        if not bool(env.program(env.compile(rule["expression"])).evaluate(activation)):
            refused.append(rule["message"])
    return refused


@pytest.mark.parametrize(("example", "target", "pool"), POOLS)
def test_validation_pods_pass_the_rdma_admission_policy(example_plan, example, target, pool):
    policies = [
        o
        for o in _objects(example_plan(example), target, "ValidatingAdmissionPolicy")
        if o["metadata"]["name"] == "ailz-rdma-pods"
    ]
    assert len(policies) == 1
    spec = load_spec(EXAMPLES / f"{example}.yaml").zone
    job = render(plan_job(spec, target, pool))[-1]
    for template in _pod_templates(job):
        pod = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": template.get("metadata", {}),
            "spec": template["spec"],
        }
        assert _admit(policies[0], pod) == [], template["metadata"]["labels"].get("ailz.io/role")
    # and the policy still bites: a privileged container or a foreign host path is refused
    worker = _pod_templates(job)[-1]
    bad = {"apiVersion": "v1", "kind": "Pod", "spec": {**worker["spec"]}}
    bad["spec"]["volumes"] = [*bad["spec"].get("volumes", []), {"name": "etc", "hostPath": {"path": "/etc"}}]
    assert any("hostPath" in message for message in _admit(policies[0], bad))


def _pod_templates(job: dict) -> list[dict]:
    if job["kind"] == "MPIJob":
        return [r["template"] for r in job["spec"]["mpiReplicaSpecs"].values()]
    return [r["template"]["spec"]["template"] for r in job["spec"]["replicatedJobs"]]


def test_a_cloud_mirror_serves_every_chart_and_image_the_platform_installs():
    """egress: none on AWS: charts and images come from the mirror the spec names."""
    text = (
        (EXAMPLES / "aws-p5-training.yaml")
        .read_text()
        .replace(
            "      egress: nat",
            "      egress: none\n    registries: {mirror: 111122223333.dkr.ecr.eu-west-1.amazonaws.com/m}",
        )
    )
    from ailz.components.kinds import load_text
    from ailz.stacks.synth import synthesize

    plan = synthesize(load_text(text, "zone.yaml"))
    releases = {r.inputs["name"]: r.inputs for r in plan.of_type("kubernetes:helm.sh/v3:Release")}
    mirror = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/m"
    for name in ("gpu-operator", "kueue", "jobset"):
        assert releases[name]["chart"].startswith(f"oci://{mirror}/charts/"), name
    assert releases["gpu-operator"]["values"]["devicePlugin"]["repository"].startswith(mirror)
    assert releases["kueue"]["values"]["controllerManager"]["manager"]["image"]["repository"].startswith(
        mirror
    )


@pytest.mark.parametrize(
    ("example", "target", "driver"),
    [
        ("aws-p5-training", "aws-train", "fsx.csi.aws.com"),
        ("gcp-a3-ultra", "gcp-train", "lustre.csi.storage.gke.io"),
    ],
)
def test_warm_lustre_is_a_volume_teams_can_claim_on_every_cloud(example_plan, example, target, driver):
    volumes = [
        v
        for v in _objects(example_plan(example), target, "PersistentVolume")
        if v["metadata"]["name"] == "ailz-lustre"
    ]
    assert len(volumes) == 1
    csi = volumes[0]["spec"]["csi"]
    assert csi["driver"] == driver and csi["volumeHandle"]
    assert volumes[0]["spec"]["accessModes"] == ["ReadWriteMany"]


def test_whoever_runs_validation_gets_exactly_the_validator_roles(example_plan):
    onprem = example_plan("onprem-sovereign")
    bindings = _objects(onprem, "fra-dgx", "ClusterRoleBinding") + _objects(onprem, "fra-dgx", "RoleBinding")
    validator = [b for b in bindings if b["metadata"]["name"] == "ailz-validator"]
    assert {b["kind"] for b in validator} == {"ClusterRoleBinding", "RoleBinding"}
    assert all(b["subjects"][0]["name"] == "platform-engineers" for b in validator)
    role = next(r for r in _objects(onprem, "fra-dgx", "Role") if r["metadata"]["name"] == "ailz-validator")
    assert role["metadata"]["namespace"] == "ailz-validation"
    granted = {(g, res) for rule in role["rules"] for g in rule["apiGroups"] for res in rule["resources"]}
    assert {("kubeflow.org", "mpijobs"), ("", "pods/log"), ("", "configmaps")} <= granted
    # no group in the AWS example: roles exist for an admin to bind, nothing is bound
    aws = example_plan("aws-p5-training")
    assert not [
        b
        for b in _objects(aws, "aws-train", "ClusterRoleBinding")
        if b["metadata"]["name"] == "ailz-validator"
    ]
    assert [r for r in _objects(aws, "aws-train", "ClusterRole") if r["metadata"]["name"] == "ailz-validator"]


def test_registry_allow_list_leaves_the_cluster_builders_namespaces_alone(example_plan):
    bindings = [
        b
        for b in _objects(example_plan("onprem-sovereign"), "fra-dgx", "ValidatingAdmissionPolicyBinding")
        if b["metadata"]["name"] == "ailz-allowed-registries"
    ]
    expression = bindings[0]["spec"]["matchResources"]["namespaceSelector"]["matchExpressions"][0]
    assert expression["operator"] == "NotIn"
    assert set(expression["values"]) == {"kube-system", "calico-system"}
