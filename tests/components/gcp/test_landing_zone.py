"""Inventories of the GCP example zones by subset match: fabric networks, pools, CMEK, storage, IAM."""

from __future__ import annotations

import json

import pytest

from ailz.components.common import names as naming
from ailz.components.common.labels import gcp_labels
from tests.inventory import assert_subset, one
from tests.k8s_schema import validate_manifest

NETWORK = "gcp:compute/network:Network"
SUBNET = "gcp:compute/subnetwork:Subnetwork"
POOL = "gcp:container/nodePool:NodePool"
CLUSTER = "gcp:container/cluster:Cluster"
PARAMS = "kubernetes:networking.gke.io/v1:GKENetworkParamSet"
GKE_NETWORK = "kubernetes:networking.gke.io/v1:Network"
FIREWALL = "gcp:compute/firewall:Firewall"
BUCKET = "gcp:storage/bucket:Bucket"
LUSTRE = "gcp:lustre/instance:Instance"
KEY = "gcp:kms/cryptoKey:CryptoKey"
KEY_GRANT = "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember"

EXAMPLE_RING = "projects/acme-ai-train/locations/europe-west4/keyRings/acme-gcp-gcp-train-keys"
EXAMPLE_KEY = f"{EXAMPLE_RING}/cryptoKeys/acme-gcp-gcp-train-keys-"


@pytest.fixture(scope="module")
def plan(example_plan):
    return example_plan("gcp-a3-ultra")


def pool(plan, name):
    return next(r for r in plan.of_type(POOL) if r.inputs["name"] == name)


def networks_by_name(plan):
    return {r.inputs["name"]: r for r in plan.of_type(NETWORK)}


ROCE_PROFILE = "projects/acme-ai-train/global/networkProfiles/europe-west4-b-vpc-roce"


def test_a3_ultra_rdma_networks(plan):
    nets = networks_by_name(plan)
    assert_subset(
        {"mtu": 8896, "networkProfile": ROCE_PROFILE, "autoCreateSubnetworks": False},
        nets["acme-gcp-gcp-train-fabric-rdma"].inputs,
    )
    assert_subset({"mtu": 8896}, nets["acme-gcp-gcp-train-fabric-gvnic-1"].inputs)
    assert "networkProfile" not in nets["acme-gcp-gcp-train-fabric-gvnic-1"].inputs
    rdma_subnets = [
        r for r in plan.of_type(SUBNET) if r.inputs["name"].startswith("acme-gcp-gcp-train-fabric-rdma-")
    ]
    assert len(rdma_subnets) == 8
    assert {r.inputs["region"] for r in rdma_subnets} == {"europe-west4"}
    # no VPC firewall rules on the RoCE VPC (unsupported there)
    assert not [f for f in plan.of_type(FIREWALL) if "fabric-rdma" in f.inputs["name"]]


def test_a3_ultra_pool_reaches_every_nic(plan):
    h200 = pool(plan, "h200")
    configs = h200.inputs["networkConfig"]["additionalNodeNetworkConfigs"]
    assert [c["network"] for c in configs] == ["acme-gcp-gcp-train-fabric-gvnic-1"] + [
        "acme-gcp-gcp-train-fabric-rdma"
    ] * 8
    assert [c["subnetwork"] for c in configs] == ["acme-gcp-gcp-train-fabric-gvnic-1-sub"] + [
        f"acme-gcp-gcp-train-fabric-rdma-sub-{i}" for i in range(8)
    ]
    assert_subset(
        {
            "location": "europe-west4-b",
            "nodeLocations": ["europe-west4-b"],
            "nodeCount": 4,
            "nodeConfig": {
                "machineType": "a3-ultragpu-8g",
                "guestAccelerators": [
                    {
                        "type": "nvidia-h200-141gb",
                        "count": 8,
                        "gpuDriverInstallationConfig": {"gpuDriverVersion": "LATEST"},
                    }
                ],
                "reservationAffinity": {
                    "consumeReservationType": "SPECIFIC_RESERVATION",
                    "key": "compute.googleapis.com/reservation-name",
                    "values": ["a3u-train-res"],
                },
                "gvnic": {"enabled": True},
                "ephemeralStorageLocalSsdConfig": {"localSsdCount": 32},
                "diskType": "hyperdisk-balanced",
                "bootDiskKmsKey": EXAMPLE_KEY + "storage",
                "shieldedInstanceConfig": {"enableSecureBoot": True, "enableIntegrityMonitoring": True},
                "workloadMetadataConfig": {"mode": "GKE_METADATA"},
                "taints": [{"key": "nvidia.com/gpu", "value": "present", "effect": "NO_SCHEDULE"}],
                "serviceAccount": "acme-gcp-gcp-train-nodes@acme-ai-train.iam.gserviceaccount.com",
            },
        },
        h200.inputs,
    )
    labels = h200.inputs["nodeConfig"]["labels"]
    assert labels[naming.POOL_LABEL] == "h200" and labels[naming.TARGET_LABEL] == "gcp-train"
    assert labels["cost-center"] == "cc-1234"
    assert not [k for k in labels if "kubernetes.io/" in k]
    assert not h200.inputs["nodeConfig"].get("spot")


def test_a_reserved_pool_is_placed_by_its_reservation(plan):
    # the reservation carries its own placement (GKE's A3 Ultra / A4 guide sets no policy on it)
    assert "placementPolicy" not in pool(plan, "h200").inputs


@pytest.fixture(scope="module")
def mega(example_plan):
    return example_plan("gcp-a3-mega")


def test_a3_mega_eight_gvnic_networks(mega):
    plan = mega
    nets = networks_by_name(plan)
    mega = [nets[f"acme-ft-gcp-ft-fabric-vpc{i}"] for i in range(1, 9)]
    assert all(n.inputs["mtu"] == 8244 and "networkProfile" not in n.inputs for n in mega)
    configs = pool(plan, "h100-mega").inputs["networkConfig"]["additionalNodeNetworkConfigs"]
    assert [c["network"] for c in configs] == [f"acme-ft-gcp-ft-fabric-vpc{i}" for i in range(1, 9)]
    assert_subset(
        {
            "nodeConfig": {
                "machineType": "a3-megagpu-8g",
                "guestAccelerators": [{"type": "nvidia-h100-mega-80gb", "count": 8}],
                "ephemeralStorageLocalSsdConfig": {"localSsdCount": 16},
                "diskType": "pd-balanced",
            }
        },
        pool(plan, "h100-mega").inputs,
    )
    # each gVNIC VPC: one subnet, internal-only ingress from that subnet
    for i in range(1, 9):
        rule = next(
            f
            for f in plan.of_type(FIREWALL)
            if f.inputs["name"] == f"acme-ft-gcp-ft-fabric-vpc{i}-allow-internal"
        )
        subnet = next(
            s for s in plan.of_type(SUBNET) if s.inputs["name"] == f"acme-ft-gcp-ft-fabric-vpc{i}-sub"
        )
        assert rule.inputs["sourceRanges"] == [subnet.inputs["ipCidrRange"]]
        assert subnet.inputs["privateIpGoogleAccess"] is True
    # primary + 8 gVNIC (A3 Mega; A3 High uses the first 4)
    assert len(nets) == 9


def test_network_objects_match_the_shared_names_and_schemas(plan):
    from ailz.catalog import load_catalog

    catalog = load_catalog()
    expected = naming.gke_extra_networks(catalog.machine("a3-ultragpu-8g"))
    params = {r.inputs["metadata"]["name"]: r for r in plan.of_type(PARAMS)}
    networks = {r.inputs["metadata"]["name"]: r for r in plan.of_type(GKE_NETWORK)}
    assert set(params) == set(networks) == {n["name"] for n in expected}
    for item in expected:
        obj = params[item["name"]].inputs
        validate_manifest(obj)
        validate_manifest(networks[item["name"]].inputs)
        assert obj["spec"]["deviceMode"] == item["device_mode"]
        assert networks[item["name"]].inputs["spec"]["parametersRef"]["name"] == item["name"]
    assert params["rdma-3"].inputs["spec"] == {
        "vpc": "acme-gcp-gcp-train-fabric-rdma",
        "vpcSubnet": "acme-gcp-gcp-train-fabric-rdma-sub-3",
        "deviceMode": "RDMA",
    }


def test_schemas_reject_wrong_objects():
    with pytest.raises(AssertionError):
        validate_manifest(
            {
                "apiVersion": "networking.gke.io/v1",
                "kind": "GKENetworkParamSet",
                "metadata": {"name": "x"},
                "spec": {"vpc": "a", "vpcSubnet": "b", "deviceMode": "SRIOV"},
            }
        )
    with pytest.raises(AssertionError):
        validate_manifest(
            {
                "apiVersion": "networking.gke.io/v1",
                "kind": "Network",
                "metadata": {"name": "x"},
                "spec": {"type": "Device"},
            }
        )


def test_cluster(plan):
    cluster = one(plan, CLUSTER)
    assert_subset(
        {
            "location": "europe-west4-b",
            "datapathProvider": "ADVANCED_DATAPATH",
            "enableMultiNetworking": True,
            "removeDefaultNodePool": True,
            "enableShieldedNodes": True,
            "networkingMode": "VPC_NATIVE",
            "privateClusterConfig": {"enablePrivateNodes": True, "enablePrivateEndpoint": True},
            "workloadIdentityConfig": {"workloadPool": "acme-ai-train.svc.id.goog"},
            "databaseEncryption": {"state": "ENCRYPTED", "keyName": EXAMPLE_KEY + "secrets"},
            "releaseChannel": {"channel": "REGULAR"},
            "addonsConfig": {
                "gcsFuseCsiDriverConfig": {"enabled": True},
                "lustreCsiDriverConfig": {"enabled": True},
            },
            "monitoringConfig": {
                "enableComponents": ["SYSTEM_COMPONENTS", "DCGM"],
                "managedPrometheus": {"enabled": True},
            },
            "masterAuthorizedNetworksConfig": {"cidrBlocks": [{"cidrBlock": "10.40.0.0/16"}]},
        },
        cluster.inputs,
    )
    exclusion = cluster.inputs["maintenancePolicy"]["maintenanceExclusions"][0]
    assert exclusion["exclusionOptions"] == {
        "scope": "NO_MINOR_OR_NODE_UPGRADES",
        "endTimeBehavior": "UNTIL_END_OF_SUPPORT",
    }
    # the secrets key grant to the GKE agent exists before the cluster does
    grants = {r.name: r for r in plan.of_type(KEY_GRANT)}
    gke = grants["acme-gcp-gcp-train-keys-secrets-gke"]
    assert (
        gke.inputs["member"]
        == "serviceAccount:service-222222222222@container-engine-robot.iam.gserviceaccount.com"
    )
    assert gke.urn in cluster.dependencies


def test_primary_network_nat_and_internal_only(plan):
    subnet = next(s for s in plan.of_type(SUBNET) if s.inputs["name"] == "acme-gcp-gcp-train-vpc-nodes")
    assert subnet.inputs["privateIpGoogleAccess"] is True
    assert [r["rangeName"] for r in subnet.inputs["secondaryIpRanges"]] == ["pods", "services"]
    assert one(plan, "gcp:compute/routerNat:RouterNat").inputs["sourceSubnetworkIpRangesToNat"]
    for rule in plan.of_type(FIREWALL):
        if rule.inputs["direction"] == "INGRESS":
            assert "0.0.0.0/0" not in rule.inputs["sourceRanges"]


def test_cmek_everywhere(plan):
    keys = {r.inputs["name"]: r for r in plan.of_type(KEY)}
    assert set(keys) == {f"acme-gcp-gcp-train-keys-{c}" for c in ("secrets", "storage", "logs")}
    assert all(k.inputs["rotationPeriod"] == "7776000s" for k in keys.values())
    for bucket in plan.of_type(BUCKET):
        assert bucket.inputs["encryption"] == {"defaultKmsKeyName": EXAMPLE_KEY + "storage"}
    assert one(plan, LUSTRE).inputs["kmsKey"] == EXAMPLE_KEY + "storage"
    for node_pool in plan.of_type(POOL):
        assert node_pool.inputs["nodeConfig"]["bootDiskKmsKey"] == EXAMPLE_KEY + "storage"
    members = {r.inputs["member"] for r in plan.of_type(KEY_GRANT)}
    assert {
        "serviceAccount:service-222222222222@compute-system.iam.gserviceaccount.com",
        "serviceAccount:service-222222222222@gs-project-accounts.iam.gserviceaccount.com",
        "serviceAccount:service-222222222222@gcp-sa-lustre.iam.gserviceaccount.com",
    } <= members


def test_buckets_and_lustre(plan):
    buckets = {r.inputs["name"].rsplit("-", 1)[1]: r.inputs for r in plan.of_type(BUCKET)}
    assert set(buckets) == {"datasets", "checkpoints", "models"}
    for inputs in buckets.values():
        assert_subset(
            {
                "uniformBucketLevelAccess": True,
                "publicAccessPrevention": "enforced",
                "location": "EUROPE-WEST4",
            },
            inputs,
        )
    assert buckets["datasets"]["versioning"] == buckets["models"]["versioning"] == {"enabled": True}
    # checkpoint_retention_days: 14 means what it means on AWS, an overwritten or deleted checkpoint
    # stays recoverable 14 days; no retention policy, which would forbid overwriting checkpoints
    checkpoints = buckets["checkpoints"]
    assert checkpoints["versioning"] == {"enabled": True} and "retentionPolicy" not in checkpoints
    assert checkpoints["softDeletePolicy"] == {"retentionDurationSeconds": 14 * 86400}
    assert checkpoints["lifecycleRules"] == [
        {"action": {"type": "Delete"}, "condition": {"daysSinceNoncurrentTime": 14, "withState": "ARCHIVED"}}
    ]
    archive = [
        r for r in buckets["datasets"]["lifecycleRules"] if r["action"].get("storageClass") == "ARCHIVE"
    ]
    assert archive[0]["condition"]["age"] == 90
    lustre = one(plan, LUSTRE).inputs
    assert_subset(
        {"capacityGib": "18000", "perUnitStorageThroughput": "500", "location": "europe-west4-b"}, lustre
    )
    connection = one(plan, "gcp:servicenetworking/connection:Connection")
    assert connection.urn in one(plan, LUSTRE).dependencies


def test_iam_boundaries(plan):
    roles = {r.inputs["role"] for r in plan.of_type("gcp:projects/iAMMember:IAMMember")}
    # GKE's least-privilege node role (logs, metrics, metadata) and image pulls
    assert roles == {"roles/container.defaultNodeServiceAccount", "roles/artifactregistry.reader"}
    wi = one(plan, "gcp:serviceaccount/iAMMember:IAMMember").inputs
    assert wi["role"] == "roles/iam.workloadIdentityUser"
    assert wi["member"] == "serviceAccount:acme-ai-train.svc.id.goog[research/workload]"
    bucket_roles = {r.inputs["role"] for r in plan.of_type("gcp:storage/bucketIAMMember:BucketIAMMember")}
    assert bucket_roles == {"roles/storage.objectUser"}


# type -> where its labels live; None: the GCP API takes no labels on it
LABELABLE = {
    CLUSTER: ("resourceLabels",),
    POOL: ("nodeConfig", "resourceLabels"),
    BUCKET: ("labels",),
    KEY: ("labels",),
    LUSTRE: ("labels",),
    "gcp:compute/globalAddress:GlobalAddress": ("labels",),
    "gcp:dns/managedZone:ManagedZone": ("labels",),
    # a channel's `labels` are its settings (email_address); its own labels are user labels
    "gcp:monitoring/notificationChannel:NotificationChannel": ("userLabels",),
}
UNLABELABLE = {
    "gcp:billing/budget:Budget",
    NETWORK,
    SUBNET,
    FIREWALL,
    KEY_GRANT,
    "gcp:kms/keyRing:KeyRing",
    "gcp:compute/router:Router",
    "gcp:compute/routerNat:RouterNat",
    "gcp:compute/route:Route",
    "gcp:dns/recordSet:RecordSet",
    "gcp:projects/service:Service",
    "gcp:projects/serviceIdentity:ServiceIdentity",
    "gcp:projects/iAMMember:IAMMember",
    "gcp:serviceaccount/account:Account",
    "gcp:serviceaccount/iAMMember:IAMMember",
    "gcp:storage/bucketIAMMember:BucketIAMMember",
    "gcp:servicenetworking/connection:Connection",
}


@pytest.mark.parametrize("zone", ["example", "docs"])
def test_labels_on_every_labelable_resource(plan, docs_plan, zone):
    chosen = plan if zone == "example" else docs_plan
    for resource in chosen.resources:
        if not resource.custom or not resource.type.startswith("gcp:") or resource.type.startswith("pulumi:"):
            continue
        assert resource.type in LABELABLE or resource.type in UNLABELABLE, (
            f"decide labels for {resource.type}"
        )
        if resource.type not in LABELABLE:
            continue
        labels = resource.inputs
        for key in LABELABLE[resource.type]:
            labels = labels[key]
        assert labels == gcp_labels(labels), resource.name  # already normalized
        assert {"cost-center", "team", "environment", "landing-zone", "target", "managed-by"} <= set(
            labels
        ), resource.name
    for node_pool in chosen.of_type(POOL):
        labels = node_pool.inputs["nodeConfig"]["resourceLabels"]
        if node_pool.inputs["name"] != "system":
            assert labels["pool"] == node_pool.inputs["name"] and "gpu-type" in labels


def test_every_resource_uses_the_target_providers(plan):
    # the budgets' provider charges the Billing Budget API to the target's project (docs/review.md)
    budgets_provider = one(plan, "pulumi:providers:gcp", "acme-gcp-gcp-train-budgets-billing")
    gcp_provider = next(p for p in plan.of_type("pulumi:providers:gcp") if p is not budgets_provider)
    k8s_provider = one(plan, "pulumi:providers:kubernetes")
    for resource in plan.resources:
        if resource.type == "gcp:billing/budget:Budget":
            assert resource.provider.startswith(budgets_provider.urn), resource.name
        elif resource.type.startswith("gcp:"):
            assert resource.provider and resource.provider.startswith(gcp_provider.urn), resource.name
        if resource.type.startswith("kubernetes:"):
            assert resource.provider and resource.provider.startswith(k8s_provider.urn), resource.name


def test_outputs(plan):
    outputs = plan.targets[0].outputs
    assert outputs["clusterName"] == "acme-gcp-gcp-train"
    assert outputs["clusterEndpoint"]
    assert "gke-gcloud-auth-plugin" in outputs["kubeconfig"]
    # the DNS-based endpoint, authorized by IAM and publicly trusted: no cluster CA pinned
    server = json.loads(outputs["kubeconfig"])["clusters"][0]["cluster"]
    assert server == {"server": f"https://{outputs['clusterDnsEndpoint']}"}
    assert outputs["clusterDnsEndpoint"].endswith(".europe-west4.gke.goog")
    cluster = one(plan, "gcp:container/cluster:Cluster").inputs
    assert cluster["controlPlaneEndpointsConfig"]["dnsEndpointConfig"]["allowExternalTraffic"] is True
    assert outputs["networks"]["h200"] == [
        "acme-gcp-gcp-train-fabric-gvnic-1",
        "acme-gcp-gcp-train-fabric-rdma",
    ]
    assert set(outputs["buckets"]) == {"datasets", "checkpoints", "models"}
    assert outputs["kmsKeys"]["secrets"] == EXAMPLE_KEY + "secrets"
    assert outputs["lustreMountPoint"].endswith("@tcp:/acmegcpg")


def test_output_keys_are_camel_case_on_every_kind_with_old_gcp_spellings_for_one_release(example_plan):
    from ailz.components.gcp.landing_zone import RENAMED_OUTPUTS

    for example in ("aws-p5-training", "gcp-a3-ultra", "onprem-sovereign"):
        for target in example_plan(example).targets:
            current = [key for key in target.outputs if key not in RENAMED_OUTPUTS]
            assert all("_" not in key for key in current), (target.name, current)
    outputs = example_plan("gcp-a3-ultra").targets[0].outputs
    for old, new in RENAMED_OUTPUTS.items():
        assert outputs[old] == outputs[new]


def test_lustre_persistent_volume(plan):
    volume = one(plan, "kubernetes:core/v1:PersistentVolume").inputs
    validate_manifest({"apiVersion": "v1", "kind": "PersistentVolume", **volume})
    assert volume["spec"]["csi"] == {
        "driver": "lustre.csi.storage.gke.io",
        "volumeHandle": "acme-ai-train/europe-west4-b/acme-gcp-gcp-train-lustre",
        "volumeAttributes": {"ip": "172.16.0.2", "filesystem": "acmegcpg"},
    }
    assert volume["spec"]["accessModes"] == ["ReadWriteMany"]
