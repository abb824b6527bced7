"""What the AWS example and the docs example plan: pools, capacity, encryption, wiring."""

from __future__ import annotations

import json
from collections import Counter

import pytest
import yaml

from ailz.components.common.names import POOL_LABEL, TARGET_LABEL
from tests.inventory import assert_subset, one

LT = "aws:ec2/launchTemplate:LaunchTemplate"
NG = "aws:eks/nodeGroup:NodeGroup"
PG = "aws:ec2/placementGroup:PlacementGroup"


def interfaces_by_card(lt) -> dict[int, list[tuple[int, str]]]:
    cards: dict[int, list[tuple[int, str]]] = {}
    for nic in lt.inputs["networkInterfaces"]:
        cards.setdefault(int(nic["networkCardIndex"]), []).append(
            (int(nic["deviceIndex"]), nic["interfaceType"])
        )
    return cards


@pytest.mark.parametrize(
    "plan_name,pool,cards,efa",
    [
        ("aws_plan", "aws-train-h100", 32, 32),  # p5.48xlarge
        ("aws_plan", "aws-train-a100-dev", 4, 4),  # p4d.24xlarge
        ("docs_plan", "fra-b200-b200", 8, 8),  # p6-b200.48xlarge
    ],
)
def test_efa_interfaces_per_network_card(request, plan_name, pool, cards, efa):
    lt = one(request.getfixturevalue(plan_name), LT, pool)
    by_card = interfaces_by_card(lt)
    assert by_card[0] == [(0, "interface"), (1, "efa-only")]
    assert sorted(by_card) == list(range(cards))
    for card in range(1, cards):
        assert by_card[card] == [(0, "efa-only")]
    types = Counter(nic["interfaceType"] for nic in lt.inputs["networkInterfaces"])
    assert types == {"interface": 1, "efa-only": efa}
    for nic in lt.inputs["networkInterfaces"]:
        assert "associatePublicIpAddress" not in nic  # refused by EC2 with several interfaces
        assert len(nic["securityGroups"]) == 2
        assert "subnetId" not in nic  # EKS refuses it in managed node group templates


def test_launch_template_hardening(aws_plan):
    lt = one(aws_plan, LT, "aws-train-h100")
    assert_subset(
        {
            "instanceType": "p5.48xlarge",
            "metadataOptions": {
                "httpTokens": "required",
                "httpPutResponseHopLimit": 1,
                "httpEndpoint": "enabled",
            },
            "blockDeviceMappings": [
                {"deviceName": "/dev/xvda", "ebs": {"volumeType": "gp3", "encrypted": "true"}}
            ],
        },
        lt.inputs,
    )
    assert {t["resourceType"] for t in lt.inputs["tagSpecifications"]} == {
        "instance",
        "volume",
        "network-interface",
    }
    assert lt.inputs["userData"]


def test_capacity_block_pool(aws_plan):
    lt = one(aws_plan, LT, "aws-train-h100")
    assert_subset(
        {
            "instanceMarketOptions": {"marketType": "capacity-block"},
            "capacityReservationSpecification": {
                "capacityReservationTarget": {"capacityReservationId": "cr-0123456789abcdef0"}
            },
        },
        lt.inputs,
    )
    assert "placement" not in lt.inputs  # EC2 places Capacity Block instances itself
    assert not [r for r in aws_plan.of_type(PG) if r.name == "aws-train-h100"]
    ng = one(aws_plan, NG, "aws-train-h100")
    assert_subset(
        {"capacityType": "CAPACITY_BLOCK", "scalingConfig": {"minSize": 0, "desiredSize": 4, "maxSize": 4}},
        ng.inputs,
    )


def test_on_demand_pool_in_its_placement_group(aws_plan):
    pg = one(aws_plan, PG, "aws-train-a100-dev")
    assert pg.inputs["strategy"] == "cluster"
    lt = one(aws_plan, LT, "aws-train-a100-dev")
    assert pg.urn in lt.property_dependencies["placement"]
    assert "instanceMarketOptions" not in lt.inputs and "capacityReservationSpecification" not in lt.inputs
    ng = one(aws_plan, NG, "aws-train-a100-dev")
    assert_subset(
        {"capacityType": "ON_DEMAND", "scalingConfig": {"minSize": 0, "desiredSize": 1, "maxSize": 2}},
        ng.inputs,
    )


def test_reservation_pool(docs_plan):
    lt = one(docs_plan, LT, "fra-b200-b200")
    assert_subset(
        {
            "capacityReservationSpecification": {
                "capacityReservationTarget": {"capacityReservationId": "cr-0fedcba9876543210"}
            }
        },
        lt.inputs,
    )
    assert "instanceMarketOptions" not in lt.inputs
    # the reservation decides placement: its own group, none of ailz's
    assert lt.inputs["placement"] == {"groupName": "fra-b200-cpg"}
    assert not [p for p in docs_plan.of_type(PG) if p.name == "fra-b200-b200"]
    assert one(docs_plan, NG, "fra-b200-b200").inputs["capacityType"] == "ON_DEMAND"


@pytest.mark.parametrize("pool", ["aws-train-h100", "aws-train-a100-dev"])
def test_node_group(aws_plan, pool):
    ng = one(aws_plan, NG, pool)
    lt = one(aws_plan, LT, pool)
    gpu_subnet = one(aws_plan, "aws:ec2/subnet:Subnet", "aws-train-private-eu-west-1a")
    assert_subset(
        {
            "amiType": "AL2023_x86_64_NVIDIA",
            "taints": [{"key": "nvidia.com/gpu", "effect": "NO_SCHEDULE"}],
            "nodeRepairConfig": {"enabled": True},
            "labels": {POOL_LABEL: pool.removeprefix("aws-train-"), TARGET_LABEL: "aws-train"},
        },
        ng.inputs,
    )
    assert ng.property_dependencies["subnetIds"] == [gpu_subnet.urn]
    assert ng.property_dependencies["launchTemplate"] == [lt.urn]
    # nodes join only once networking add-ons exist
    addons = {r.urn for r in aws_plan.of_type("aws:eks/addon:Addon") if r.inputs["addonName"] == "vpc-cni"}
    assert addons <= set(ng.dependencies)


def test_cluster(aws_plan):
    cluster = one(aws_plan, "aws:eks/cluster:Cluster")
    secrets_key = one(aws_plan, "aws:kms/key:Key", "aws-train-secrets")
    assert_subset(
        {
            "version": "1.35",
            "accessConfig": {"authenticationMode": "API"},
            "vpcConfig": {"endpointPrivateAccess": True, "endpointPublicAccess": False},
            "encryptionConfig": {"resources": ["secrets"]},
            "enabledClusterLogTypes": ["api", "audit", "authenticator", "controllerManager", "scheduler"],
        },
        cluster.inputs,
    )
    assert secrets_key.urn in cluster.property_dependencies["encryptionConfig"]
    assert len(cluster.inputs["vpcConfig"]["subnetIds"]) == 3
    entry = one(aws_plan, "aws:eks/accessEntry:AccessEntry")
    assert entry.inputs["principalArn"] == "arn:aws:iam::111122223333:role/platform-admin"
    assoc = one(aws_plan, "aws:eks/accessPolicyAssociation:AccessPolicyAssociation")
    assert assoc.inputs["policyArn"].endswith(":cluster-access-policy/AmazonEKSClusterAdminPolicy")
    assert assoc.inputs["accessScope"] == {"type": "cluster"}


def test_addons(aws_plan):
    addons = {r.inputs["addonName"]: r for r in aws_plan.of_type("aws:eks/addon:Addon")}
    assert set(addons) == {
        "vpc-cni",
        "kube-proxy",
        "eks-pod-identity-agent",
        "coredns",
        "aws-ebs-csi-driver",
        "aws-fsx-csi-driver",
        "eks-node-monitoring-agent",
    }
    # node auto repair sees accelerated-hardware faults only through the agent's DCGM server,
    # which must be let onto the tainted GPU nodes
    monitoring = json.loads(addons["eks-node-monitoring-agent"].inputs["configurationValues"])
    assert monitoring["dcgmAgent"]["tolerations"] == [
        {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}
    ]
    # a DaemonSet add-on: it waits for nodes to schedule on
    system_nodes = one(aws_plan, NG, "aws-train-system")
    assert system_nodes.urn in addons["eks-node-monitoring-agent"].dependencies
    major, minor, patch = (
        int(x) for x in addons["vpc-cni"].inputs["addonVersion"][1:].split("-")[0].split(".")
    )
    assert (major, minor, patch) >= (1, 18, 5)
    system = one(aws_plan, NG, "aws-train-system")
    assert system.urn in addons["coredns"].dependencies
    assert (
        addons["aws-ebs-csi-driver"].inputs["podIdentityAssociations"][0]["serviceAccount"]
        == "ebs-csi-controller-sa"
    )


def test_efa_device_plugin(aws_plan):
    release = one(aws_plan, "kubernetes:helm.sh/v3:Release", "aws-efa-k8s-device-plugin")
    assert_subset(
        {
            "chart": "aws-efa-k8s-device-plugin",
            "version": "v0.5.30",
            "repositoryOpts": {"repo": "https://aws.github.io/eks-charts"},
            "namespace": "kube-system",
        },
        release.inputs,
    )
    assert set(release.inputs["values"]["supportedInstanceLabels"]["values"]) == {
        "p5.48xlarge",
        "p4d.24xlarge",
    }
    assert {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"} in release.inputs[
        "values"
    ]["tolerations"]
    repository = release.inputs["values"]["image"]["repository"]
    assert repository == "602401143452.dkr.ecr.eu-west-1.amazonaws.com/eks/aws-efa-k8s-device-plugin"
    provider = one(aws_plan, "pulumi:providers:kubernetes")
    assert release.provider.startswith(provider.urn)


def test_network(aws_plan, docs_plan):
    counts = aws_plan.type_counts("aws-train")
    assert counts["aws:ec2/natGateway:NatGateway"] == 3
    assert counts["aws:ec2/subnet:Subnet"] == 6
    names = {r.inputs["serviceName"] for r in aws_plan.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")}
    assert {"com.amazonaws.eu-west-1.ecr.api", "com.amazonaws.eu-west-1.ecr.dkr"} <= names
    s3 = [
        r
        for r in aws_plan.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")
        if r.inputs["vpcEndpointType"] == "Gateway"
    ]
    assert [r.inputs["serviceName"] for r in s3] == ["com.amazonaws.eu-west-1.s3"]
    private = [r for r in aws_plan.of_type("aws:ec2/subnet:Subnet") if "private" in r.name]
    assert all(r.inputs["tags"]["kubernetes.io/role/internal-elb"] == "1" for r in private)
    # no egress: no internet or NAT gateway, more endpoints
    docs_counts = docs_plan.type_counts()
    assert docs_counts["aws:ec2/natGateway:NatGateway"] == 0
    assert docs_counts["aws:ec2/internetGateway:InternetGateway"] == 0
    docs_names = {r.inputs["serviceName"] for r in docs_plan.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")}
    assert {"com.amazonaws.eu-central-1.ec2", "com.amazonaws.eu-central-1.eks-auth"} <= docs_names
    flow = one(aws_plan, "aws:ec2/flowLog:FlowLog")
    log_bucket = one(aws_plan, "aws:s3/bucket:Bucket", "aws-train-logs")
    assert flow.inputs["logDestinationType"] == "s3"
    assert log_bucket.urn in flow.property_dependencies["logDestination"]


def test_security_groups(aws_plan):
    efa = one(aws_plan, "aws:ec2/securityGroup:SecurityGroup", "aws-train-efa")
    rules = [
        r
        for r in aws_plan.resources
        if r.type.startswith("aws:vpc/securityGroup")
        and efa.urn in r.property_dependencies.get("securityGroupId", [])
    ]
    assert {r.type.rsplit(":", 1)[-1] for r in rules} == {
        "SecurityGroupIngressRule",
        "SecurityGroupEgressRule",
    }
    for rule in rules:
        assert rule.inputs["ipProtocol"] == "-1"
        assert rule.property_dependencies["referencedSecurityGroupId"] == [efa.urn]
        assert "cidrIpv4" not in rule.inputs
    lustre = one(aws_plan, "aws:ec2/securityGroup:SecurityGroup", "aws-train-lustre")
    ports = {
        (int(r.inputs["fromPort"]), int(r.inputs["toPort"]))
        for r in aws_plan.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
        if lustre.urn in r.property_dependencies.get("securityGroupId", [])
    }
    assert ports == {(988, 988), (1018, 1023)}


def test_lustre(aws_plan):
    fs = one(aws_plan, "aws:fsx/lustreFileSystem:LustreFileSystem")
    assert_subset(
        {
            "deploymentType": "PERSISTENT_2",
            "storageCapacity": 4800,
            "perUnitStorageThroughput": 500,
            "dataCompressionType": "LZ4",
        },
        fs.inputs,
    )
    dra = one(aws_plan, "aws:fsx/dataRepositoryAssociation:DataRepositoryAssociation")
    assert dra.inputs["dataRepositoryPath"] == "s3://acme-ai-aws-train-datasets-111111111111/"
    assert dra.inputs["s3"]["autoImportPolicy"]["events"] == ["NEW", "CHANGED", "DELETED"]
    assert dra.inputs["s3"]["autoExportPolicy"]["events"] == ["NEW", "CHANGED", "DELETED"]


def test_buckets(aws_plan):
    buckets = {r.name: r for r in aws_plan.of_type("aws:s3/bucket:Bucket")}
    assert set(buckets) == {
        "aws-train-datasets",
        "aws-train-checkpoints",
        "aws-train-models",
        "aws-train-logs",
    }
    assert buckets["aws-train-checkpoints"].inputs["objectLockEnabled"] is True
    lock = one(aws_plan, "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration")
    assert lock.inputs["rule"]["defaultRetention"] == {"mode": "GOVERNANCE", "days": 30}
    for r in aws_plan.of_type("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"):
        if r.name != "aws-train-logs":
            assert r.inputs["rules"][0]["transitions"][0] == {"days": 60, "storageClass": "GLACIER_IR"}
    storage_classes = {
        r.name: [t["storageClass"] for t in r.inputs["rules"][0]["transitions"]]
        for r in aws_plan.of_type("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")
    }
    assert storage_classes["aws-train-datasets"] == ["GLACIER_IR"]  # Lustre imports from it
    assert storage_classes["aws-train-checkpoints"] == ["GLACIER_IR", "DEEP_ARCHIVE"]
    for r in aws_plan.of_type("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"):
        assert all(
            r.inputs[k] is True
            for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
        )
    for r in aws_plan.of_type("aws:s3/bucketVersioning:BucketVersioning"):
        assert r.inputs["versioningConfiguration"]["status"] == "Enabled"
    for r in aws_plan.of_type("aws:s3/bucketPolicy:BucketPolicy"):
        assert '"aws:SecureTransport": "false"' in r.inputs["policy"]


def test_outputs(aws_plan):
    outputs = aws_plan.targets[0].outputs
    assert_subset(
        {
            "region": "eu-west-1",
            "zone": "eu-west-1a",
            "clusterName": "acme-ai-aws-train",
            "pools": ["h100", "a100-dev"],
            "nodeGroups": {"h100": ["aws-train-h100"], "a100-dev": ["aws-train-a100-dev"]},
            # card 0 of a p5 has one ENA interface for pods, a p4d fourteen (capped by EKS)
            "maxPodsPerNode": {"h100": 51, "a100-dev": 250},
            "efaInterfacesPerNode": {"h100": 32, "a100-dev": 4},
        },
        outputs,
    )
    assert outputs["clusterEndpoint"].startswith("https://")
    kubeconfig = yaml.safe_load(outputs["kubeconfig"])
    user = kubeconfig["users"][0]["user"]["exec"]
    assert user["command"] == "aws" and user["args"][:2] == ["eks", "get-token"]
    assert kubeconfig["clusters"][0]["cluster"]["server"] == outputs["clusterEndpoint"]
    assert set(outputs["buckets"]) == {"datasets", "checkpoints", "models"}
    assert set(outputs["kmsKeys"]) == {"secrets", "storage", "logs"}
    assert outputs["lustreDnsName"].endswith(".fsx.eu-west-1.amazonaws.com")
    assert outputs["lustreMountName"]


def test_every_aws_resource_uses_the_target_provider(aws_plan):
    provider = one(aws_plan, "pulumi:providers:aws")
    assert provider.inputs["region"] == "eu-west-1"
    for resource in aws_plan.resources:
        if resource.custom and resource.type.startswith("aws:"):
            assert resource.provider and resource.provider.startswith(provider.urn + "::"), resource.urn
