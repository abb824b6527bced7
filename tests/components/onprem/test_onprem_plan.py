"""The on-prem sovereign example: every part of the on-prem target and the shared platform."""

from __future__ import annotations

import json
from collections import Counter

import pytest
import yaml

from ailz.components.common import names as naming
from tests.components.platform.helpers import by_kind, manifests, named, release
from tests.inventory import assert_subset

TARGET = "fra-dgx"


@pytest.fixture(scope="module")
def plan(example_plan):
    return example_plan("onprem-sovereign")


@pytest.fixture(scope="module")
def objects(plan):
    return manifests(plan, TARGET)


def test_component_inventory(plan):
    counts = Counter(r.type for r in plan.resources if r.target == TARGET)
    assert_subset(
        {
            "ailz:onprem:LandingZone": 1,
            "ailz:k8s:RdmaFabric": 1,
            "ailz:k8s:StorageTiers": 1,
            "ailz:k8s:SovereigntyControls": 1,
            "ailz:k8s:ClusterPlatform": 1,
            "ailz:k8s:GpuOperator": 1,
            "ailz:k8s:Scheduling": 1,
            "ailz:k8s:Team": 2,
            "kubernetes:helm.sh/v3:Release": 5,
            "kubernetes:yaml/v2:ConfigFile": 1,
            "kubernetes:mellanox.com/v1alpha1:NicClusterPolicy": 1,
            "kubernetes:mellanox.com/v1alpha1:IPoIBNetwork": 8,
            "kubernetes:nv-ipam.nvidia.com/v1alpha1:IPPool": 8,
            "kubernetes:kueue.x-k8s.io/v1beta1:ResourceFlavor": 1,
            "kubernetes:kueue.x-k8s.io/v1beta1:ClusterQueue": 3,
            "kubernetes:kueue.x-k8s.io/v1beta1:LocalQueue": 3,
            "kubernetes:storage.k8s.io/v1:StorageClass": 2,
        },
        dict(counts),
    )


def test_platform_is_child_of_the_target(plan):
    by_urn = plan.by_urn()
    platform = next(r for r in plan.of_type("ailz:k8s:ClusterPlatform") if r.target == TARGET)
    assert by_urn[platform.parent].type == "ailz:onprem:ClusterLayer"  # the platform stack's root


def test_every_object_carries_zone_labels(objects):
    for obj in objects:
        labels = obj["metadata"].get("labels", {})
        assert_subset(
            {"app.kubernetes.io/managed-by": "ailz", "landing-zone": "acme-sovereign", "target": TARGET},
            labels,
        )
        assert labels["cost-center"] == "cc-5678"


def test_gpu_operator_release_is_pinned_and_mirrored(plan):
    gpu = release(plan, TARGET, "gpu-operator")
    assert_subset(
        {
            "chart": "oci://registry.fra1.acme.internal/charts/gpu-operator",
            "version": "v25.10.1",
            "namespace": "gpu-operator",
            "values": {
                "driver": {"enabled": True, "rdma": {"enabled": True, "useHostMofed": True}},
                "toolkit": {"enabled": True},
                "gds": {"enabled": True},
                "gdrcopy": {"enabled": True},
                "dcgmExporter": {"enabled": True},
                # NFD comes with the Network Operator, whose NodeFeatureRule needs its CRDs first
                "nfd": {"enabled": False},
                "mig": {"strategy": "single"},
            },
        },
        gpu.inputs,
    )
    assert "repositoryOpts" not in gpu.inputs
    repos = [
        v["repository"] for v in gpu.inputs["values"].values() if isinstance(v, dict) and "repository" in v
    ]
    assert repos and all(r.startswith("registry.fra1.acme.internal/") for r in repos)


def test_network_operator_pulls_every_chart_image_from_the_mirror(plan):
    operator = release(plan, TARGET, "network-operator")
    values = operator.inputs["values"]
    mirror = "registry.fra1.acme.internal"
    # the operator image is also the pre-install CRD hook's: upstream, the atomic release fails
    assert values["operator"]["repository"] == f"{mirror}/nvidia/cloud-native"
    assert values["operator"]["ofedDriver"]["initContainer"]["repository"] == f"{mirror}/nvidia/mellanox"
    assert values["node-feature-discovery"]["image"]["repository"] == (
        f"{mirror}/nvidia/mellanox/node-feature-discovery"
    )
    assert values["nfd"] == {"enabled": True, "deployNodeFeatureRules": True}


def test_jobset_pulls_from_the_mirror_through_the_key_its_chart_reads(plan):
    jobset = release(plan, TARGET, "jobset")
    assert jobset.inputs["values"]["image"] == {"repository": "registry.fra1.acme.internal/jobset/jobset"}


def test_nic_cluster_policy_shares_rdma_over_every_hca(objects):
    policy = named(objects, "NicClusterPolicy", "nic-cluster-policy")
    config = json.loads(policy["spec"]["rdmaSharedDevicePlugin"]["config"])["configList"][0]
    prefix, _, name = naming.onprem_rdma_resource("shared").partition("/")
    assert (config["resourcePrefix"], config["resourceName"]) == (prefix, name)
    assert config["selectors"]["ifNames"] == [
        "ibp24s0", "ibp64s0", "ibp79s0", "ibp94s0", "ibp154s0", "ibp192s0", "ibp206s0", "ibp220s0"
    ]  # fmt: skip
    assert config["selectors"]["linkTypes"] == ["infiniband"]
    assert set(policy["spec"]["secondaryNetwork"]) == {"cniPlugins", "multus", "ipoib"}
    assert "ofedDriver" not in policy["spec"]  # DOCA comes with the hosts unless install_driver
    for part in ("rdmaSharedDevicePlugin", "nvIpam"):
        assert policy["spec"][part]["repository"] == "registry.fra1.acme.internal/nvidia/mellanox"


def test_rail_networks_and_pools_use_shared_names(objects):
    names = naming.onprem_network_names("infiniband", 8)
    networks = by_kind(objects, "IPoIBNetwork")
    assert [n["metadata"]["name"] for n in networks] == names
    assert networks[3]["spec"]["master"] == "ibp94s0"
    assert networks[3]["spec"]["networkNamespace"] == naming.FABRIC_NAMESPACE
    assert json.loads(networks[3]["spec"]["ipam"]) == {"type": "nv-ipam", "poolName": names[3]}
    pools = by_kind(objects, "IPPool")
    assert [p["spec"]["subnet"] for p in pools][:2] == ["172.30.0.0/19", "172.30.32.0/19"]
    assert all(p["metadata"]["namespace"] == "nvidia-network-operator" for p in pools)
    assert pools[0]["spec"]["perNodeBlockSize"] == 256  # 8190 addresses / 16 nodes, capped


def test_nccl_config_for_jobs(objects):
    config = named(objects, "ConfigMap", "nccl-fabric", naming.FABRIC_NAMESPACE)["data"]
    assert config["NCCL_IB_HCA"].startswith("=mlx5_0,mlx5_3")  # the DGX H100 compute ports
    assert config["rdmaResource"] == "rdma/rdma_shared"
    assert config["networks"].split(",")[0] == f"{naming.FABRIC_NAMESPACE}/ib-rail0"


def test_storage_tiers(plan, objects):
    hot = named(objects, "StorageClass", "ailz-hot")
    assert_subset(
        {"provisioner": "kubernetes.io/no-provisioner", "volumeBindingMode": "WaitForFirstConsumer"}, hot
    )
    warm = named(objects, "StorageClass", "ailz-warm")
    assert_subset({"provisioner": "lustre.csi.acme.internal", "reclaimPolicy": "Retain"}, warm)
    store = named(objects, "ConfigMap", "object-store", "research")["data"]
    assert_subset(
        {
            "endpoint": "https://s3.fra1.acme.internal",
            "bucket-checkpoints": "acme-sovereign-fra-dgx-checkpoints",
            "credentialsSecret": "object-store-creds",
        },
        store,
    )
    assert not by_kind(objects, "Secret"), "credentials are referenced, never declared inline"
    provisioner = release(plan, TARGET, "local-static-provisioner")
    assert provisioner.inputs["values"]["image"].startswith("registry.fra1.acme.internal/")


def test_teams(objects):
    ns = named(objects, "Namespace", "research")
    assert_subset(
        {
            "pod-security.kubernetes.io/enforce": "privileged",
            "pod-security.kubernetes.io/audit": "baseline",
            "ailz.io/rdma-pods": "true",
            "team": "research",
        },
        ns["metadata"]["labels"],
    )
    quota = named(objects, "ResourceQuota", "gpu-quota", "research")
    assert quota["spec"]["hard"] == {"requests.nvidia.com/gpu": "96", "requests.rdma/rdma_shared": "96"}
    binding = named(objects, "RoleBinding", "team-member", "research")
    assert binding["subjects"] == [
        {"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "research-engineers"}
    ]
    storage = named(objects, "NetworkPolicy", "allow-storage", "research")
    assert storage["spec"]["egress"][0]["to"] == [{"ipBlock": {"cidr": "10.60.0.0/16"}}]
    names = {
        p["metadata"]["name"]
        for p in by_kind(objects, "NetworkPolicy")
        if p["metadata"]["namespace"] == "research"
    }
    assert names == {"default-deny", "allow-dns", "allow-same-namespace", "allow-storage"}
    sa = named(objects, "ServiceAccount", naming.team_service_account("research"), "research")
    assert sa["metadata"]["annotations"] == {}


def test_rdma_pod_policy_is_baseline_plus_ipc_lock(objects):
    # its CEL is evaluated against allowed and refused pods in test_rdma_policy_baseline.py
    policy = named(objects, "ValidatingAdmissionPolicy", "ailz-rdma-pods")
    rules = " ".join(v["expression"] for v in policy["spec"]["validations"])
    assert "'IPC_LOCK'" in rules and "privileged == false" in rules and "hostPath" in rules
    assert "Unconfined" in rules and "procMount" in rules and "sysctls" in rules
    binding = named(objects, "ValidatingAdmissionPolicyBinding", "ailz-rdma-pods")
    assert binding["spec"]["matchResources"]["namespaceSelector"] == {
        "matchLabels": {"ailz.io/rdma-pods": "true"}
    }
    assert binding["spec"]["validationActions"] == ["Deny"]


def test_scheduling(plan, objects):
    flavor = named(objects, "ResourceFlavor", "dgx")
    assert flavor["spec"]["nodeLabels"] == {naming.POOL_LABEL: "dgx"}
    queue = named(objects, "ClusterQueue", "public-sector")
    assert_subset(
        {
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "public-sector"}},
            "resourceGroups": [
                {
                    "coveredResources": ["cpu", "memory", "nvidia.com/gpu"],
                    "flavors": [
                        {
                            "name": "dgx",
                            "resources": [
                                {"name": "cpu", "nominalQuota": 32 * 24},
                                {"name": "memory", "nominalQuota": f"{32 * 240}Gi"},
                                {"name": "nvidia.com/gpu", "nominalQuota": 32},
                            ],
                        }
                    ],
                }
            ],
        },
        queue["spec"],
    )
    local = named(objects, "LocalQueue", naming.LOCAL_QUEUE, naming.VALIDATION_NAMESPACE)
    assert local["spec"]["clusterQueue"] == naming.VALIDATION_NAMESPACE
    # one cohort whose guaranteed GPUs add up to the 128 there are: the teams' quotas (96 + 32)
    # fill it, so validation owns none and borrows what is idle, never preempting a team
    queues = by_kind(objects, "ClusterQueue")
    assert {q["spec"]["cohort"] for q in queues} == {naming.KUEUE_COHORT}
    gpu_of = {
        q["metadata"]["name"]: q["spec"]["resourceGroups"][0]["flavors"][0]["resources"][2] for q in queues
    }
    assert sum(g["nominalQuota"] for g in gpu_of.values()) == 128
    assert gpu_of[naming.VALIDATION_NAMESPACE] == {"name": "nvidia.com/gpu", "nominalQuota": 0}
    assert gpu_of["research"] == {"name": "nvidia.com/gpu", "nominalQuota": 96, "borrowingLimit": 0}
    validation = named(objects, "ClusterQueue", naming.VALIDATION_NAMESPACE)
    assert validation["spec"]["preemption"] == {"reclaimWithinCohort": "Never", "withinClusterQueue": "Never"}
    assert queue["spec"]["preemption"]["reclaimWithinCohort"] == "Any"
    assert release(plan, TARGET, "kueue").inputs["version"] == "0.14.2"
    assert release(plan, TARGET, "jobset").inputs["chart"].endswith("/jobset")
    mpi = next(r for r in plan.of_type("kubernetes:yaml/v2:ConfigFile") if r.target == TARGET)
    assert mpi.inputs["file"] == (
        "https://artifacts.fra1.acme.internal/mirror/kubeflow/mpi-operator/v0.6.0/deploy/v2beta1/mpi-operator.yaml"
    )


def test_sovereignty_controls(plan, objects):
    registry = named(objects, "ValidatingAdmissionPolicy", "ailz-allowed-registries")
    expression = registry["spec"]["validations"][0]["expression"]
    assert "['registry.fra1.acme.internal']" in expression
    named(objects, "ValidatingAdmissionPolicy", "ailz-no-load-balancers")
    named(objects, "ValidatingAdmissionPolicyBinding", "ailz-no-load-balancers")
    outputs = next(t for t in plan.targets if t.name == TARGET).platform_outputs
    encryption = yaml.safe_load(outputs["encryptionConfiguration"])
    kms = encryption["resources"][0]["providers"][0]["kms"]
    assert kms == {
        "apiVersion": "v2",
        "name": "fra1-hsm",
        "endpoint": "unix:///var/run/kmsplugin/hsm.sock",
        "timeout": "3s",
    }
    assert yaml.safe_load(outputs["auditPolicy"])["kind"] == "Policy"
    config = named(objects, "ConfigMap", "apiserver-hardening", "ailz-system")["data"]
    assert config["encryption-configuration.yaml"] == outputs["encryptionConfiguration"]
    assert config["audit-policy.yaml"] == outputs["auditPolicy"]


def test_hybrid_plans_all_three_kinds(example_plan):
    plan = example_plan("hybrid-sovereign")
    assert sorted(t.kind for t in plan.targets) == ["aws", "gcp", "onprem"]
    objects = manifests(plan, TARGET)
    networks = by_kind(objects, "MacvlanNetwork")
    assert [n["metadata"]["name"] for n in networks] == naming.onprem_network_names("roce", 8)
    assert_subset({"master": "enp24s0np0", "mode": "bridge", "mtu": 4200}, networks[0]["spec"])
    config = named(objects, "ConfigMap", "nccl-fabric", naming.FABRIC_NAMESPACE)["data"]
    # shared plugin: no pinned GID (the HCA's table holds the host's and other pods' addresses)
    assert "NCCL_IB_GID_INDEX" not in config and config["NCCL_IB_ADDR_FAMILY"] == "AF_INET"
    assert config["NCCL_CROSS_NIC"] == "0"  # every rail is its own subnet
    # the research team spans three targets; in this one it gets its own namespace and quota
    quota = named(objects, "ResourceQuota", "gpu-quota", "research")
    assert quota["spec"]["hard"]["requests.nvidia.com/gpu"] == "16"


def test_teams_read_the_fabric_settings_in_their_own_namespace(objects):
    # the fabric namespace is outside team RBAC: each team namespace gets the same settings
    shared = named(objects, "ConfigMap", "nccl-fabric", naming.FABRIC_NAMESPACE)
    for team in ("research", "public-sector"):
        assert named(objects, "ConfigMap", "nccl-fabric", team)["data"] == shared["data"]
