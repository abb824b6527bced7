"""Policy harness: every rule passes on the compliant zone and trips on a one-change mutation."""

from __future__ import annotations

import copy

import pytest

from ailz.policies.evaluate import evaluate
from ailz.policies.props import UNKNOWN
from ailz.policies.table import RULES
from tests.policies.fixtures import CONTEXT, COST, compliant, plan_of, res

MANDATORY = {rule.id: "mandatory" for rule in RULES}


def findings(resources, context=None, rule_id=None):
    found = evaluate(plan_of(resources, context), MANDATORY)
    return [f for f in found if rule_id is None or f.rule_id == rule_id]


def setin(resource, path, value):
    node = resource.inputs
    for part in path[:-1]:
        node = node[part]
    if value is DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = value


DELETE = object()


def context_with(**residency):
    ctx = copy.deepcopy(CONTEXT)
    ctx["residency"].update(residency)
    return ctx


def _external_keys(r):
    r["key"].inputs["customKeyStoreId"] = "cks-1"
    r["gkey"].inputs["versionTemplate"] = {"protectionLevel": "EXTERNAL_VPC"}


def _public_cloud_in_onprem(r):
    r["stray"] = res(
        "aws:ec2/placementGroup:PlacementGroup", "stray", {"strategy": "cluster", "tags": COST}, "fra"
    )


def _worker_without_rdma(r):
    resources = r["mpijob"].inputs["spec"]["mpiReplicaSpecs"]["Worker"]["template"]["spec"]["containers"][0][
        "resources"
    ]
    for kind in ("limits", "requests"):
        resources[kind].pop("rdma/rdma_shared")


def _foreign_replica(r):
    r["replica"].inputs["region"] = "us-east-1"


# rule id -> mutation of the compliant zone that must trip it (and optionally a context).
FAILS = {
    "AILZ-FAB-001": lambda r: setin(r["pg"], ["strategy"], "spread"),
    "AILZ-FAB-002": lambda r: setin(r["ng"], ["subnetIds"], ["subnet-a", "subnet-b"]),
    "AILZ-FAB-003": lambda r: r["lt"].inputs["networkInterfaces"].pop(),
    "AILZ-FAB-004": lambda r: (
        r["sg"].inputs["ingress"].append({"protocol": "tcp", "cidrBlocks": ["0.0.0.0/0"]})
    ),
    "AILZ-FAB-005": lambda r: r["pool"].inputs["networkConfig"]["additionalNodeNetworkConfigs"].pop(),
    "AILZ-FAB-006": lambda r: setin(r["rdma"], ["mtu"], 1460),
    "AILZ-FAB-007": _worker_without_rdma,
    "AILZ-CAP-001": lambda r: setin(r["ng"], ["capacityType"], "SPOT"),
    "AILZ-CAP-002": lambda r: setin(r["pool"], ["nodeConfig", "reservationAffinity"], DELETE),
    "AILZ-CAP-003": lambda r: setin(r["fsx"], ["tags"], {"team": "ml"}),
    "AILZ-CAP-004": lambda r: setin(r["ng"], ["tags"], dict(r["key"].inputs["tags"])),
    "AILZ-ENC-001": lambda r: setin(r["gcs"], ["encryption"], DELETE),
    "AILZ-ENC-002": lambda r: setin(r["fsx"], ["kmsKeyId"], DELETE),
    "AILZ-ENC-003": lambda r: setin(r["pool"], ["nodeConfig", "bootDiskKmsKey"], DELETE),
    "AILZ-ENC-004": lambda r: setin(r["cluster"], ["encryptionConfig"], DELETE),
    "AILZ-ENC-005": lambda r: setin(r["key"], ["enableKeyRotation"], False),
    "AILZ-ENC-006": None,  # context-driven, below
    "AILZ-RES-001": lambda r: setin(r["lustre"], ["location"], "us-central1-a"),
    "AILZ-RES-002": _foreign_replica,
    "AILZ-RES-003": _public_cloud_in_onprem,
    "AILZ-RES-004": lambda r: setin(
        r["deploy"],
        ["spec", "template", "spec", "containers", 0, "image"],
        "docker.io/library/python@sha256:" + "b" * 64,
    ),
    "AILZ-EXP-001": lambda r: setin(r["lt"], ["networkInterfaces", 0, "associatePublicIpAddress"], "true"),
    "AILZ-EXP-002": lambda r: setin(r["pab"], ["restrictPublicBuckets"], False),
    "AILZ-EXP-003": lambda r: setin(r["bpol"], ["policy"], '{"Statement":[]}'),
    "AILZ-EXP-004": lambda r: setin(r["lt"], ["metadataOptions", "httpTokens"], "optional"),
    "AILZ-EXP-005": lambda r: setin(r["role"], ["permissionsBoundary"], DELETE),
    "AILZ-EXP-006": lambda r: setin(
        r["pool"], ["nodeConfig", "workloadMetadataConfig", "mode"], "GCE_METADATA"
    ),
    "AILZ-EXP-007": lambda r: setin(
        r["policy"], ["policy"], '{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'
    ),
    "AILZ-EXP-008": lambda r: setin(r["iam"], ["role"], "roles/container.admin"),
    "AILZ-EXP-009": lambda r: setin(r["cluster"], ["vpcConfig", "endpointPublicAccess"], True),
    "AILZ-K8S-001": lambda r: setin(
        r["deploy"], ["spec", "template", "spec", "containers", 0, "securityContext", "privileged"], True
    ),
    "AILZ-K8S-002": lambda r: setin(r["ns"], ["metadata", "labels"], {}),
    "AILZ-K8S-003": lambda r: setin(
        r["deploy"],
        ["spec", "template", "spec", "containers", 0, "resources", "requests", "nvidia.com/gpu"],
        0,
    ),
    "AILZ-K8S-004": lambda r: setin(r["ng"], ["taints"], []),
    "AILZ-K8S-005": lambda r: setin(r["deploy"], ["spec", "template", "spec", "volumes", 0, "emptyDir"], {}),
    "AILZ-K8S-006": lambda r: setin(
        r["deploy"],
        ["spec", "template", "spec", "containers", 0, "image"],
        "registry.fra1.acme.internal/serve:1.0",
    ),
    "AILZ-K8S-007": lambda r: setin(r["deploy"], ["spec", "template", "spec", "hostNetwork"], True),
    "AILZ-K8S-008": lambda r: setin(
        r["deploy"], ["spec", "template", "spec", "volumes"], [{"name": "root", "hostPath": {"path": "/"}}]
    ),
    "AILZ-K8S-009": lambda r: setin(
        r["deploy"],
        ["spec", "template", "spec", "containers", 0, "securityContext"],
        {"capabilities": {"add": ["SYS_ADMIN"]}},
    ),
    "AILZ-K8S-010": lambda r: setin(
        r["ns"], ["metadata", "labels", "pod-security.kubernetes.io/enforce"], "privileged"
    ),
    "AILZ-K8S-011": lambda r: r.pop("deny"),
    "AILZ-K8S-012": lambda r: setin(r["admins"], ["subjects", 0, "name"], "system:authenticated"),
    "AILZ-LOG-001": lambda r: setin(r["cluster"], ["enabledClusterLogTypes"], ["api"]),
    "AILZ-LOG-002": lambda r: setin(r["logs"], ["kmsKeyId"], DELETE),
    "AILZ-ENC-007": lambda r: setin(
        r["key"],
        ["policy"],
        '{"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"kms:*","Resource":"*"}]}',
    ),
    "AILZ-NET-001": lambda r: setin(r["fw"], ["sourceRanges"], ["0.0.0.0/0"]),
    "AILZ-NET-002": lambda r: setin(r["subnet"], ["mapPublicIpOnLaunch"], True),
    "AILZ-EXP-010": lambda r: setin(
        r["pool"], ["nodeConfig", "metadata"], {"disable-legacy-endpoints": "false"}
    ),
    "AILZ-IAM-001": lambda r: setin(
        r["policy"], ["policy"], '{"Statement":[{"Effect":"Allow","Action":"iam:PassRole","Resource":"*"}]}'
    ),
    "AILZ-IAM-002": lambda r: setin(
        r["role"],
        ["assumeRolePolicy"],
        '{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}]}',
    ),
    "AILZ-IAM-003": lambda r: setin(r["attach"], ["policyArn"], "arn:aws:iam::aws:policy/PowerUserAccess"),
    "AILZ-IAM-004": lambda r: (
        setin(r["iam"], ["role"], "roles/owner"),
        setin(r["iam"], ["member"], "user:eve@gmail.com"),
    ),
    "AILZ-RSL-001": lambda r: setin(r["versions"], ["versioningConfiguration", "status"], "Suspended"),
    "AILZ-RSL-002": lambda r: setin(r["gke"], ["deletionProtection"], False),
    "AILZ-CAP-005": lambda r: setin(
        r["lt"], ["tagSpecifications"], [{"resourceType": "instance", "tags": {}}]
    ),
    "AILZ-CAP-006": None,  # priced from a whole zone: tests/policies/test_budgets.py
}


def test_every_rule_has_a_failing_fixture():
    assert set(FAILS) == {rule.id for rule in RULES}


def test_compliant_zone_passes_every_rule():
    assert findings(compliant()) == []


@pytest.mark.parametrize("rule_id", [r for r, fn in FAILS.items() if fn is not None])
def test_mutation_trips_exactly_its_rule(rule_id):
    resources = compliant()
    FAILS[rule_id](resources)
    tripped = {f.rule_id for f in findings(resources)}
    assert rule_id in tripped
    # the mutation is targeted: at most the rule plus closely related ones fire
    assert len(tripped) <= 2, tripped


def test_external_key_management():
    external = context_with(key_management="external")
    assert {f.name for f in findings(compliant(), external, "AILZ-ENC-006")} == {"key", "storage"}
    resources = compliant()
    _external_keys(resources)
    assert findings(resources, external, "AILZ-ENC-006") == []
    # keys in an external store rotate there: rotation rule exempts them
    resources["key"].inputs["enableKeyRotation"] = False
    assert findings(resources, external, "AILZ-ENC-005") == []


def test_spot_is_fine_for_batch_pools():
    resources = compliant()
    resources["ng"].inputs["capacityType"] = "SPOT"
    resources["ng"].inputs["tags"]["purpose"] = "batch"
    assert findings(resources, rule_id="AILZ-CAP-001") == []
    resources["pool"].inputs["nodeConfig"]["spot"] = True
    assert [f.name for f in findings(resources, rule_id="AILZ-CAP-001")] == ["h200"]


def test_small_pools_need_no_reservation():
    resources = compliant()
    resources["pool"].inputs["nodeConfig"].pop("reservationAffinity")
    resources["pool"].inputs["nodeCount"] = 2
    assert findings(resources, rule_id="AILZ-CAP-002") == []


def test_efa_layout_message_names_the_catalog_fact():
    resources = compliant()
    resources["lt"].inputs["networkInterfaces"] = resources["lt"].inputs["networkInterfaces"][:5]
    messages = [f.message for f in findings(resources, rule_id="AILZ-FAB-003")]
    assert any("4 EFA interfaces on p5.48xlarge; the machine takes 32" in m for m in messages)


def test_efa_primary_must_be_ena_for_p5():
    resources = compliant()
    resources["lt"].inputs["networkInterfaces"][0]["interfaceType"] = "efa"
    assert any("primary interface" in f.message for f in findings(resources, rule_id="AILZ-FAB-003"))


def test_efa_standalone_rules_must_reference_the_group_itself():
    resources = compliant()
    sg = resources["sg"]
    sg.inputs.pop("ingress")
    resources["in-self"] = res(
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        "in-self",
        {"securityGroupId": "sg-1", "ipProtocol": "-1", "referencedSecurityGroupId": "sg-1"},
        refs={"securityGroupId": [sg], "referencedSecurityGroupId": [sg]},
    )
    assert findings(resources, rule_id="AILZ-FAB-004") == []
    resources["in-world"] = res(
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        "in-world",
        {"securityGroupId": "sg-1", "ipProtocol": "-1", "cidrIpv4": "0.0.0.0/0"},
        refs={"securityGroupId": [sg]},
    )
    assert [f.name for f in findings(resources, rule_id="AILZ-FAB-004")] == ["efa-sg"]


def test_residency_uses_provider_region_when_resource_has_none():
    resources = compliant()
    resources["provider"].inputs["region"] = "us-east-1"
    resources["key"].provider = resources["provider"].urn + "::id-1"
    tripped = findings(resources, rule_id="AILZ-RES-001")
    assert {f.name for f in tripped} == {"aws", "key"}


def test_gcs_multi_region_outside_allowed_list():
    resources = compliant()
    resources["gcs"].inputs["location"] = "US"
    assert [f.name for f in findings(resources, rule_id="AILZ-RES-001")] == ["checkpoints"]


def test_unknown_values_fail_closed_for_mandatory_and_open_for_advisory():
    resources = compliant()
    resources["lt"].inputs["metadataOptions"]["httpTokens"] = UNKNOWN
    mandatory = findings(resources, rule_id="AILZ-EXP-004")
    assert len(mandatory) == 1 and mandatory[0].unknown
    advisory = {rule.id: "advisory" for rule in RULES}
    found = evaluate(plan_of(resources), advisory)
    assert [f for f in found if f.rule_id == "AILZ-EXP-004"] == []


def test_digest_pinning_follows_the_profile_not_the_environment_tag():
    # a change that sets environment: dev must not switch the rule off where CI gates with prod
    from ailz.policies.gate import run_gate

    resources = compliant()
    FAILS["AILZ-K8S-006"](resources)
    ctx = copy.deepcopy(CONTEXT)
    ctx["environment"] = "dev"
    pinned = [
        f for f in run_gate(plan_of(resources, ctx), profile="prod").blocking if f.rule_id == "AILZ-K8S-006"
    ]
    assert pinned
    dev = [
        f for f in run_gate(plan_of(resources, ctx), profile="dev").findings if f.rule_id == "AILZ-K8S-006"
    ]
    assert dev and not any(f.blocking for f in dev)


def test_a_config_cannot_turn_the_prod_profile_advisory(tmp_path):
    from ailz.policies.config import PolicyInputError
    from ailz.policies.gate import run_gate

    config = tmp_path / "policy.yaml"
    config.write_text("profiles:\n  prod: {default_enforcement: advisory}\n")
    with pytest.raises(PolicyInputError, match="would turn the production gate off"):
        run_gate(plan_of(compliant()), profile="prod", config=str(config))


@pytest.mark.parametrize(
    "change",
    [
        {"ipProtocol": "ALL", "cidrIpv4": "0.0.0.0/0", "fromPort": 0, "toPort": 0},
        {"ipProtocol": "tcp", "cidrIpv4": "0.0.0.0/1", "fromPort": 22, "toPort": 22},
        {"ipProtocol": "tcp", "cidrIpv6": "0::/0", "fromPort": 22, "toPort": 22},
    ],
)
def test_open_ports_in_any_spelling(change):
    r = compliant()
    r["open"] = res(
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        "open",
        {"securityGroupId": "sg-1", **change},
    )
    assert [f.name for f in findings(r, rule_id="AILZ-NET-001")] == ["open"]


@pytest.mark.parametrize(
    "firewall",
    [
        {"direction": "INGRESS", "allows": [{"protocol": "tcp", "ports": ["22"]}]},  # no source: 0.0.0.0/0
        {"direction": "INGRESS", "sourceRanges": ["0.0.0.0/0"], "allows": [{"protocol": "6"}]},
    ],
)
def test_firewalls_open_by_default_or_by_protocol_number(firewall):
    r = compliant()
    r["fw"].inputs = {"network": "vpc", "project": "p", **firewall}
    assert findings(r, rule_id="AILZ-NET-001")


def test_ipc_lock_in_an_undefined_namespace_is_flagged():
    resources = compliant()
    del resources["ns"]
    assert findings(resources, rule_id="AILZ-K8S-002")


def test_gke_interfaces_annotation_counts_as_rdma():
    resources = compliant()
    FAILS["AILZ-FAB-007"](resources)
    worker = resources["mpijob"].inputs["spec"]["mpiReplicaSpecs"]["Worker"]["template"]
    worker["metadata"] = {"annotations": {"networking.gke.io/interfaces": "[]"}}
    assert findings(resources, rule_id="AILZ-FAB-007") == []


def test_administrator_access_attachment():
    resources = compliant()
    resources["attach"].inputs["policyArn"] = "arn:aws:iam::aws:policy/AdministratorAccess"
    assert [f.name for f in findings(resources, rule_id="AILZ-EXP-007")] == ["node-worker"]


def test_node_role_with_s3_access_breaks_workload_identity():
    resources = compliant()
    resources["attach"].inputs["policyArn"] = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
    assert [f.name for f in findings(resources, rule_id="AILZ-EXP-006")] == ["node-worker"]


def test_capacity_blocks_need_no_placement_group():
    resources = compliant()
    resources["lt"].inputs.pop("placement")
    assert findings(resources, rule_id="AILZ-FAB-001") == []  # the node group runs on a Capacity Block
    resources["ng"].inputs["capacityType"] = "ON_DEMAND"
    assert [f.name for f in findings(resources, rule_id="AILZ-FAB-001")] == ["h100-lt"]


def test_a_reservation_decides_its_own_placement():
    resources = compliant()
    resources["ng"].inputs["capacityType"] = "ON_DEMAND"
    resources["lt"].inputs.pop("instanceMarketOptions", None)
    resources["lt"].inputs["capacityReservationSpecification"] = {
        "capacityReservationTarget": {"capacityReservationId": "cr-0123456789abcdef0"}
    }
    # an ODCR made outside any placement group: none may be named
    resources["lt"].inputs.pop("placement")
    assert findings(resources, rule_id="AILZ-FAB-001") == []
    # an ODCR made inside the user's own group: named, not part of the plan
    resources["lt"].inputs["placement"] = {"groupName": "ml-cpg-1"}
    assert findings(resources, rule_id="AILZ-FAB-001") == []
    # on demand without a reservation, EFA nodes need the cluster group
    resources["lt"].inputs.pop("capacityReservationSpecification")
    resources["lt"].inputs.pop("placement")
    assert [f.name for f in findings(resources, rule_id="AILZ-FAB-001")] == ["h100-lt"]


def test_system_pools_are_not_gpu_pools():
    resources = compliant()
    system = res(
        "aws:eks/nodeGroup:NodeGroup",
        "system",
        {
            "instanceTypes": ["m7i.2xlarge"],
            "subnetIds": ["a", "b"],
            "scalingConfig": {"desiredSize": 6},
            "capacityType": "SPOT",
            "tags": dict(COST),
        },
    )
    resources["system"] = system
    assert findings(resources) == []


def test_provider_default_tags_count_as_cost_tags():
    resources = compliant()
    resources["provider"].inputs["defaultTags"] = {"tags": dict(COST)}
    resources["fsx"].inputs["tags"] = {}
    resources["fsx"].provider = resources["provider"].urn + "::id"
    assert findings(resources, rule_id="AILZ-CAP-003") == []


def test_operator_repository_values_and_oci_charts_are_checked():
    resources = compliant()
    helm = resources["helm"]
    helm.inputs["values"]["devicePlugin"] = {"repository": "nvcr.io/nvidia", "enabled": True}
    helm.inputs["chart"] = "oci://ghcr.io/nvidia/charts/gpu-operator"
    messages = [f.message for f in findings(resources, rule_id="AILZ-RES-004")]
    assert any("values.devicePlugin.repository: image nvcr.io/nvidia" in m for m in messages)
    assert any("chart oci://ghcr.io/nvidia/charts/gpu-operator" in m for m in messages)
    helm.inputs["values"]["devicePlugin"]["repository"] = "registry.fra1.acme.internal/nvidia"
    helm.inputs["chart"] = "oci://registry.fra1.acme.internal/charts/gpu-operator"
    assert findings(resources, rule_id="AILZ-RES-004") == []


def test_charts_under_a_mirror_path_are_allowed_and_others_on_its_host_are_not():
    import copy

    from tests.policies.fixtures import CONTEXT

    context = copy.deepcopy(CONTEXT)
    mirror = "us-central1-docker.pkg.dev/acme/mirror"
    context["targets"]["fra"]["registries"] = {"mirror": mirror, "allowed": [mirror]}
    resources = compliant()
    helm = resources["helm"]
    helm.inputs["values"] = {}
    helm.inputs.pop("repositoryOpts")
    helm.inputs["chart"] = f"oci://{mirror}/charts/gpu-operator"  # a repository path of a registry

    def on_chart():
        return [
            f for f in findings(resources, rule_id="AILZ-RES-004", context=context) if f.name == helm.name
        ]

    assert on_chart() == []
    helm.inputs["chart"] = "oci://us-central1-docker.pkg.dev/someone-else/charts/gpu-operator"
    assert len(on_chart()) == 1


def test_gpu_taint_rule_reads_the_instance_type_from_the_launch_template():
    resources = compliant()
    resources["ng"].inputs.pop("instanceTypes")  # the type lives on the launch template only
    resources["ng"].inputs["taints"] = []
    assert [f.name for f in findings(resources, rule_id="AILZ-K8S-004")] == ["h100"]


def test_unknown_value_in_a_graph_rule_blinds_it_for_one_resource_only():
    resources = compliant()
    resources["sse"].inputs["rules"] = UNKNOWN  # the datasets bucket's encryption is not known yet
    resources["replica-sse"].inputs["rules"][0]["applyServerSideEncryptionByDefault"]["sseAlgorithm"] = (
        "AES256"
    )
    found = {(f.name, f.unknown) for f in findings(resources, rule_id="AILZ-ENC-001")}
    assert found == {("datasets", True), ("datasets-replica", False)}


def test_computed_references_are_present_at_preview():
    """At first preview, key ARNs and group names are unknown but certainly set: no finding."""
    resources = compliant()
    resources["fsx"].inputs["kmsKeyId"] = UNKNOWN
    resources["sse"].inputs["rules"][0]["applyServerSideEncryptionByDefault"]["kmsMasterKeyId"] = UNKNOWN
    resources["lt"].inputs["blockDeviceMappings"][0]["ebs"]["kmsKeyId"] = UNKNOWN
    resources["lt"].inputs["placement"]["groupName"] = UNKNOWN
    resources["cluster"].inputs["encryptionConfig"]["provider"]["keyArn"] = UNKNOWN
    resources["role"].inputs["permissionsBoundary"] = UNKNOWN
    resources["pool"].inputs["nodeConfig"]["bootDiskKmsKey"] = UNKNOWN
    assert findings(resources) == []
    # but an unknown parent object still proves nothing
    resources["gcs"].inputs["encryption"] = UNKNOWN
    assert [(f.name, f.unknown) for f in findings(resources)] == [("checkpoints", True)]


def test_gke_endpoint_open_to_google_cloud_public_addresses_is_flagged():
    resources = compliant()
    resources["gke"].inputs["masterAuthorizedNetworksConfig"]["gcpPublicCidrsAccessEnabled"] = True
    messages = [f.message for f in findings(resources, rule_id="AILZ-EXP-009")]
    assert messages == [
        "gcpPublicCidrsAccessEnabled admits every Google Cloud public IP address to the API endpoint"
    ]
    resources["gke"].inputs["privateClusterConfig"]["enablePrivateEndpoint"] = True
    assert findings(resources, rule_id="AILZ-EXP-009") == []  # a private endpoint has no public side


def test_ipc_lock_in_the_namespace_ailz_labels_for_rdma_pods_passes():
    # ailz labels training team namespaces ailz.io/rdma-pods=true (team_manifests.RDMA_POD_LABEL)
    from ailz.components.platform.team_manifests import RDMA_POD_LABEL

    r = compliant()
    r["ns"].inputs["metadata"]["labels"] = {RDMA_POD_LABEL: "true"}
    assert findings(r, rule_id="AILZ-K8S-002") == []
    r["ns"].inputs["metadata"]["labels"] = {RDMA_POD_LABEL: "false"}
    assert [f.rule_id for f in findings(r, rule_id="AILZ-K8S-002")] == ["AILZ-K8S-002"]


def test_registry_rule_leaves_the_specs_exempt_namespaces_alone():
    ctx = copy.deepcopy(CONTEXT)
    ctx["targets"]["fra"]["registries"]["exempt_namespaces"] = ["calico-system"]
    r = compliant()
    r["deploy"].inputs["metadata"]["namespace"] = "calico-system"
    setin(
        r["deploy"],
        ["spec", "template", "spec", "containers", 0, "image"],
        "quay.io/tigera/operator@sha256:" + "c" * 64,
    )
    assert findings(r, ctx, "AILZ-RES-004") == []
    r["deploy"].inputs["metadata"]["namespace"] = "research"  # a team namespace is not exempt
    assert [f.rule_id for f in findings(r, ctx, "AILZ-RES-004")] == ["AILZ-RES-004"]


@pytest.mark.parametrize(
    "type_token, body",
    [
        ("kubernetes:kubeflow.org/v1:PyTorchJob",
         {"spec": {"pytorchReplicaSpecs": {"Worker": {"template": {"spec": "POD"}}}}}),
        ("kubernetes:kubeflow.org/v1:TFJob",
         {"spec": {"tfReplicaSpecs": {"Worker": {"template": {"spec": "POD"}}}}}),
        ("kubernetes:trainer.kubeflow.org/v1alpha1:TrainJob",
         {"spec": {"podTemplateOverrides": [{"spec": "POD"}]}}),
        ("kubernetes:ray.io/v1:RayJob",
         {"spec": {"rayClusterSpec": {"workerGroupSpecs": [{"template": {"spec": "POD"}}]}}}),
        ("kubernetes:ray.io/v1:RayCluster", {"spec": {"headGroupSpec": {"template": {"spec": "POD"}}}}),
        ("kubernetes:leaderworkerset.x-k8s.io/v1:LeaderWorkerSet",
         {"spec": {"leaderWorkerTemplate": {"workerTemplate": {"spec": "POD"}}}}),
        ("kubernetes:batch/v1:CronJob", {"spec": {"jobTemplate": {"spec": {"template": {"spec": "POD"}}}}}),
        ("kubernetes:apps/v1:StatefulSet", {"spec": {"template": {"spec": "POD"}}}),
        ("kubernetes:core/v1:Pod", {"spec": "POD"}),
        ("kubernetes:example.com/v1:MyTrainer", {"spec": {"runners": [{"podTemplate": {"spec": "POD"}}]}}),
    ],
)  # fmt: skip
def test_pod_templates_in_every_workload_kind_are_checked(type_token, body):
    import json

    pod = {"containers": [{"name": "x", "image": "registry.fra1.acme.internal/x" + "@sha256:" + "a" * 64,
                           "securityContext": {"privileged": True}}]}  # fmt: skip
    inputs = json.loads(json.dumps(body).replace('"POD"', json.dumps(pod)))
    inputs["metadata"] = {"name": "w", "namespace": "research"}
    r = compliant()
    r["w"] = res(type_token, "w", inputs, "fra")
    assert [f.name for f in findings(r, rule_id="AILZ-K8S-001")] == ["w"]


ADMIN_FORMS = [
    {"Effect": "Allow", "Action": "*", "NotResource": "arn:aws:s3:::nothing"},
    {"Effect": "Allow", "Action": "*", "Resource": "arn:aws:*:*:*:*"},
    {"Effect": "Allow", "Action": "*:*", "Resource": "arn:*"},
    {"Effect": "allow", "NotAction": "iam:*", "Resource": "*"},
]


@pytest.mark.parametrize("statement", ADMIN_FORMS)
def test_administrator_in_any_spelling_is_caught(statement):
    import json

    r = compliant()
    r["policy"].inputs["policy"] = json.dumps({"Statement": [statement]})
    tripped = {f.rule_id for f in findings(r)}
    assert tripped & {"AILZ-EXP-007", "AILZ-IAM-001"}, statement


@pytest.mark.parametrize(
    "statement",
    [
        {"Effect": "Allow", "Action": "iam:Pass*", "Resource": "*"},
        {"Effect": "Allow", "Action": "IAM:PassRole", "Resource": "arn:aws:iam::111111111111:role/*"},
        {"Effect": "Allow", "Action": ["iam:Put*"], "Resource": "arn:aws:iam::111111111111:role/x"},
        {"Effect": "Allow", "Action": "iam:AddUserToGroup", "Resource": "*"},
        {"Effect": "Allow", "Action": "iam:DeleteRolePermissionsBoundary", "Resource": "*"},
    ],
)
def test_escalation_through_wildcards_and_case(statement):
    import json

    r = compliant()
    r["policy"].inputs["policy"] = json.dumps({"Statement": [statement]})
    assert "AILZ-IAM-001" in {f.rule_id for f in findings(r)}


def test_a_decoy_boundary_does_not_hide_an_attached_escalation_policy():
    import json

    r = compliant()
    r["policy"].inputs["policy"] = json.dumps(
        {"Statement": [{"Effect": "Allow", "Action": "iam:*", "Resource": "*"}]}
    )
    decoy = {"assumeRolePolicy": "{}", "permissionsBoundary": "x", "tags": COST}
    r["decoy"] = res("aws:iam/role:Role", "decoy", decoy, refs={"permissionsBoundary": [r["policy"]]})
    attach = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
    use = {"role": "node-role", "policyArn": "x"}
    r["use"] = res(attach, "use", use, refs={"policyArn": [r["policy"]], "role": [r["role"]]})
    assert {f.name for f in findings(r, rule_id="AILZ-IAM-001")} == {"data-read"}


@pytest.mark.parametrize(
    "condition, caught",
    [
        ({"Bool": {"aws:SecureTransport": "true"}}, True),
        ({"StringLike": {"aws:PrincipalArn": "*"}}, True),
        ({"StringEquals": {"aws:PrincipalAccount": "111111111111"}}, False),
    ],
)
def test_only_conditions_on_the_caller_close_an_open_principal(condition, caught):
    import json

    r = compliant()
    trust = {
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole", "Condition": condition}
        ]
    }
    r["role"].inputs["assumeRolePolicy"] = json.dumps(trust)
    assert bool(findings(r, rule_id="AILZ-IAM-002")) is caught


def test_web_identity_trust_needs_a_subject():
    import json

    r = compliant()
    oidc = "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com"
    audience = {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}
    statement = {
        "Effect": "Allow",
        "Principal": {"Federated": oidc},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": audience},
    }
    r["role"].inputs["assumeRolePolicy"] = json.dumps({"Statement": [statement]})
    assert findings(r, rule_id="AILZ-IAM-002")
    statement["Condition"]["StringEquals"]["token.actions.githubusercontent.com:sub"] = (
        "repo:acme/infra:ref:refs/heads/main"
    )
    r["role"].inputs["assumeRolePolicy"] = json.dumps({"Statement": [statement]})
    assert not findings(r, rule_id="AILZ-IAM-002")


def test_inline_role_policies_are_read():
    import json

    r = compliant()
    admin = json.dumps({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
    r["role"].inputs["inlinePolicies"] = [{"name": "x", "policy": admin}]
    assert "AILZ-EXP-007" in {f.rule_id for f in findings(r)}


@pytest.mark.parametrize(
    "spec",
    [
        {"podSelector": {}},  # policyTypes default to Ingress
        {"podSelector": {"matchLabels": {}}, "policyTypes": ["Ingress", "Egress"]},
    ],
)
def test_default_deny_in_the_forms_kubernetes_accepts(spec):
    r = compliant()
    r["deny"].inputs["spec"] = spec
    assert findings(r, rule_id="AILZ-K8S-011") == []


@pytest.mark.parametrize(
    "spec",
    [
        {
            "podSelector": {},
            "ingress": [{"from": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["10.0.0.0/8"]}}]}],
        },
        {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{}]},
    ],
)
def test_network_policies_open_to_everything(spec):
    r = compliant()
    r["open"] = res("kubernetes:networking.k8s.io/v1:NetworkPolicy", "open",
                    {"metadata": {"name": "open", "namespace": "research"}, "spec": spec}, "fra")  # fmt: skip
    assert [f.name for f in findings(r, rule_id="AILZ-K8S-011")] == ["open"]


def test_aws_managed_key_aliases_are_not_customer_keys():
    r = compliant()
    r["fsx"].inputs["kmsKeyId"] = "alias/aws/fsx"
    r["logs"].inputs["kmsKeyId"] = "arn:aws:kms:eu-west-1:111111111111:alias/aws/logs"
    tripped = {f.rule_id for f in findings(r)}
    assert {"AILZ-ENC-002", "AILZ-LOG-002"} <= tripped


def test_log_groups_without_retention_and_pods_reaching_node_credentials():
    r = compliant()
    r["logs"].inputs.pop("retentionInDays")
    r["lt"].inputs["metadataOptions"]["httpPutResponseHopLimit"] = 2
    tripped = {f.rule_id for f in findings(r)}
    assert {"AILZ-LOG-002", "AILZ-EXP-004"} <= tripped


@pytest.mark.parametrize(
    "mutate",
    [
        lambda pod: (
            pod["containers"][0]
            .setdefault("securityContext", {})
            .update({"seccompProfile": {"type": "Unconfined"}})
        ),
        lambda pod: pod["containers"][0].setdefault("securityContext", {}).update({"procMount": "Unmasked"}),
        lambda pod: pod.setdefault("securityContext", {}).update(
            {"sysctls": [{"name": "kernel.core_pattern", "value": "|/x"}]}
        ),
    ],
)
def test_pod_security_baseline_beyond_capabilities(mutate):
    r = compliant()
    mutate(r["deploy"].inputs["spec"]["template"]["spec"])
    assert [f.name for f in findings(r, rule_id="AILZ-K8S-009")] == ["serve"]


def test_a_persistent_volume_on_a_host_path():
    r = compliant()
    r["pv"] = res("kubernetes:core/v1:PersistentVolume", "root", {"metadata": {"name": "root"},
                  "spec": {"hostPath": {"path": "/"}, "capacity": {"storage": "1Gi"}}}, "fra")  # fmt: skip
    assert [f.name for f in findings(r, rule_id="AILZ-K8S-008")] == ["root"]


@pytest.mark.parametrize(
    "type_token, inputs",
    [
        ("gcp:projects/iAMPolicy:IAMPolicy",
         {"project": "p", "policyData": '{"bindings":[{"role":"roles/owner","members":["allUsers"]}]}'}),
        ("gcp:organizations/iAMMember:IAMMember",
         {"orgId": "1", "role": "roles/owner", "member": "user:x@gmail.com"}),
        ("gcp:serviceaccount/iAMMember:IAMMember",
         {"serviceAccountId": "sa", "role": "roles/iam.serviceAccountTokenCreator",
          "member": "allAuthenticatedUsers"}),
    ],
)  # fmt: skip
def test_owner_and_public_grants_in_every_gcp_iam_form(type_token, inputs):
    r = compliant()
    r["grant"] = res(type_token, "grant", inputs, "gcp")
    assert [f.name for f in findings(r, rule_id="AILZ-IAM-004")] == ["grant"]


def test_a_wildcard_role_bound_to_everyone():
    r = compliant()
    everything = [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]
    role = {"metadata": {"name": "wild"}, "rules": everything}
    r["wild"] = res("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", "wild", role, "fra")
    r["admins"].inputs["roleRef"]["name"] = "wild"
    assert not findings(r, rule_id="AILZ-K8S-012")  # a named platform group may hold it
    r["admins"].inputs["subjects"][0]["name"] = "system:authenticated"
    assert [f.name for f in findings(r, rule_id="AILZ-K8S-012")] == ["platform-admins"]
