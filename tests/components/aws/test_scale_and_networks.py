"""What the 1,024-node example, the existing-VPC example and a zone without egress plan."""

from __future__ import annotations

import base64
import json

import pytest
import yaml

from ailz.components.aws.cluster import same_principal
from ailz.components.kinds import load_text
from ailz.stacks.synth import synthesize
from tests.conftest import EXAMPLES
from tests.inventory import assert_subset, one

NG = "aws:eks/nodeGroup:NodeGroup"
LT = "aws:ec2/launchTemplate:LaunchTemplate"
SUBNET = "aws:ec2/subnet:Subnet"
ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"


def node_config(lt) -> dict:
    text = base64.b64decode(lt.inputs["userData"]).decode()
    return yaml.safe_load(text.split("---\n", 1)[1].split("\n--", 1)[0])


def test_the_1024_node_spec_holds_capacity_for_every_node(example_plan):
    plan = example_plan("aws-p5-1024")
    groups = [g for g in plan.of_type(NG) if g.inputs["nodeGroupName"].startswith("aws-train-h100")]
    assert sorted(g.inputs["nodeGroupName"] for g in groups) == [
        "aws-train-h100",
        "aws-train-h100-2",
        "aws-train-h100-3",
    ]
    assert sum(g.inputs["scalingConfig"]["maxSize"] for g in groups) == 1024
    assert all(g.inputs["scalingConfig"]["maxSize"] <= 450 for g in groups)  # EKS nodes per group
    # one launch template and reservation for all three; reserved capacity is replaced in place
    templates = plan.of_type(LT)
    gpu_lt = one(plan, LT, "aws-train-h100")
    assert len([t for t in templates if t.name.startswith("aws-train-h100")]) == 1
    assert all(g.inputs["updateConfig"]["updateStrategy"] == "MINIMAL" for g in groups)
    assert gpu_lt.inputs["capacityReservationSpecification"] == {
        "capacityReservationTarget": {"capacityReservationId": "cr-0123456789abcdef0"}
    }
    # the GPU nodes live in the secondary block's subnet, whose block is associated first
    gpu_subnet = one(plan, SUBNET, "aws-train-gpu-us-east-1a-1")
    assert gpu_subnet.inputs["cidrBlock"] == "100.64.0.0/16"
    assert gpu_subnet.inputs["availabilityZone"] == "us-east-1a"
    block = one(plan, "aws:ec2/vpcIpv4CidrBlockAssociation:VpcIpv4CidrBlockAssociation")
    assert block.inputs["cidrBlock"] == "100.64.0.0/16" and block.urn in gpu_subnet.dependencies
    for group in groups:
        assert len(group.inputs["subnetIds"]) == 1
    # the subnet shares the GPU zone's private route table (NAT egress)
    assoc = one(plan, "aws:ec2/routeTableAssociation:RouteTableAssociation", "aws-train-gpu-us-east-1a-1")
    assert (
        one(plan, "aws:ec2/routeTable:RouteTable", "aws-train-private-us-east-1a").urn in assoc.dependencies
    )


def test_kubelet_max_pods_is_what_the_node_can_address(example_plan):
    plan = example_plan("aws-p5-1024")
    assert node_config(one(plan, LT, "aws-train-h100"))["spec"]["kubelet"]["config"]["maxPods"] == 51


def test_pods_in_the_secondary_block_reach_the_endpoints_and_the_api(example_plan):
    plan = example_plan("aws-p5-1024")
    https = [
        r.inputs["cidrIpv4"]
        for r in plan.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
        if r.inputs.get("fromPort") == 443 and r.inputs.get("cidrIpv4")
    ]
    assert https.count("100.64.0.0/16") == 2  # interface endpoints and the EKS private endpoint


def test_us_east_1_az3_never_holds_a_cluster_subnet(example_plan):
    # the fake account maps us-east-1c to use1-az3, where EKS creates no cluster subnet
    plan = example_plan("aws-p5-1024")
    zones = {s.inputs["availabilityZone"] for s in plan.of_type(SUBNET)}
    assert "us-east-1c" not in zones
    cluster = one(plan, "aws:eks/cluster:Cluster")
    assert len(cluster.inputs["vpcConfig"]["subnetIds"]) == 2


def test_an_existing_vpc_gets_only_what_ailz_owns(example_plan):
    plan = example_plan("aws-existing-vpc")
    types = {r.type for r in plan.resources}
    network_teams = [
        "vpc:Vpc",
        "subnet:Subnet",
        "natGateway:NatGateway",
        "flowLog:FlowLog",
        "routeTable:RouteTable",
        "vpcEndpoint:VpcEndpoint",
        "internetGateway:InternetGateway",
    ]
    for created in network_teams:
        assert f"aws:ec2/{created}" not in types, created
    efa = one(plan, "aws:ec2/securityGroup:SecurityGroup", "aws-train-efa")
    assert efa.inputs["vpcId"] == "vpc-0a1b2c3d4e5f60718"
    cluster = one(plan, "aws:eks/cluster:Cluster")
    assert cluster.inputs["vpcConfig"]["subnetIds"] == [
        "subnet-0a1b2c3d4e5f60001",
        "subnet-0a1b2c3d4e5f60002",
    ]
    gpu = one(plan, NG, "aws-train-h100")
    assert gpu.inputs["subnetIds"] == ["subnet-0a1b2c3d4e5f60101"]
    lustre = one(plan, "aws:fsx/lustreFileSystem:LustreFileSystem")
    assert lustre.inputs["subnetIds"] == "subnet-0a1b2c3d4e5f60101"
    # the reservation was made outside any placement group: none is created or named
    assert "aws:ec2/placementGroup:PlacementGroup" not in types
    assert "placement" not in one(plan, LT, "aws-train-h100").inputs


def test_an_existing_vpc_can_get_the_endpoints_it_is_asked_for():
    text = (EXAMPLES / "aws-existing-vpc.yaml").read_text(encoding="utf-8")
    text = text.replace("        gpu_subnet_ids:", "        create_endpoints: true\n        gpu_subnet_ids:")
    plan = synthesize(load_text(text, "zone.yaml"))
    s3 = one(plan, ENDPOINT, "aws-train-s3")
    assert s3.inputs["vpcId"] == "vpc-0a1b2c3d4e5f60718"
    assert len(s3.inputs["routeTableIds"]) == 3  # one per subnet in the fake account


def _no_egress_text() -> str:
    text = (EXAMPLES / "aws-p5-training.yaml").read_text(encoding="utf-8")
    return text.replace(
        "      egress: nat\n",
        "      egress: none\n    registries: {mirror: 111122223333.dkr.ecr.eu-west-1.amazonaws.com/mirror}\n",
    )


@pytest.fixture(scope="module")
def no_egress_plan():
    return synthesize(load_text(_no_egress_text(), "zone.yaml"))


def test_without_egress_the_s3_endpoint_admits_own_buckets_and_image_layers_only(no_egress_plan):
    policy = json.loads(one(no_egress_plan, ENDPOINT, "aws-train-s3").inputs["policy"])
    own, aws_owned = policy["Statement"]
    assert own["Condition"] == {"StringEquals": {"aws:ResourceAccount": "111111111111"}}
    assert "arn:aws:s3:::prod-eu-west-1-starport-layer-bucket/*" in aws_owned["Resource"]
    assert aws_owned["Action"] == "s3:GetObject"


def test_with_nat_the_s3_endpoint_keeps_the_default_policy(example_plan):
    assert one(example_plan("aws-p5-training"), ENDPOINT, "aws-train-s3").inputs.get("policy") is None


def test_fsx_logs_into_an_encrypted_group_it_owns(example_plan):
    plan = example_plan("aws-p5-training")
    group = one(plan, "aws:cloudwatch/logGroup:LogGroup", "aws-train-lustre-logs")
    assert group.inputs["name"].startswith("/aws/fsx/")  # FSx refuses other names
    assert group.inputs["kmsKeyId"].startswith("arn:aws:kms:")
    lustre = one(plan, "aws:fsx/lustreFileSystem:LustreFileSystem")
    assert lustre.inputs["logConfiguration"]["destination"].startswith("arn:aws:logs:")
    assert group.urn in lustre.dependencies


def test_launch_template_names_carry_the_landing_zone(example_plan):
    names = {t.inputs["name"] for t in example_plan("aws-p5-training").of_type(LT) if "name" in t.inputs}
    assert {"acme-ai-aws-train-h100", "acme-ai-aws-train-a100-dev"} <= names


def test_prefix_delegation_reaches_the_vpc_cni():
    text = (EXAMPLES / "aws-p5-training.yaml").read_text(encoding="utf-8")
    plan = synthesize(
        load_text(text.replace("egress: nat\n", "egress: nat\n      prefix_delegation: true\n"), "z.yaml")
    )
    cni = next(a for a in plan.of_type("aws:eks/addon:Addon") if a.inputs["addonName"] == "vpc-cni")
    assert_subset({"env": {"ENABLE_PREFIX_DELEGATION": "true", "WARM_PREFIX_TARGET": "1"}},
                  json.loads(cni.inputs["configurationValues"]))  # fmt: skip
    assert node_config(one(plan, LT, "aws-train-h100"))["spec"]["kubelet"]["config"]["maxPods"] == 250


STS, IAM = "arn:aws:sts::111122223333:", "arn:aws:iam::111122223333:"


@pytest.mark.parametrize(
    ("caller", "principal", "same"),
    [
        (f"{STS}assumed-role/platform-admin/ci", f"{IAM}role/platform-admin", True),
        (f"{STS}assumed-role/platform-admin/ci", f"{IAM}role/ops/platform-admin", True),  # path
        (f"{STS}assumed-role/deployer/ci", f"{IAM}role/platform-admin", False),
        ("arn:aws:sts::999999999999:assumed-role/platform-admin/ci", f"{IAM}role/platform-admin", False),
        (f"{IAM}user/alice", f"{IAM}user/alice", True),
        (f"{IAM}user/alice", f"{IAM}role/alice", False),
    ],
)
def test_the_deploying_identity_is_recognised_in_admin_roles(caller, principal, same):
    assert same_principal(caller)(principal) is same


def test_an_admin_role_that_deploys_gets_no_second_access_entry():
    text = (EXAMPLES / "aws-p5-training.yaml").read_text(encoding="utf-8")
    # the fake account deploys as role/ailz-deployer
    text = text.replace(
        "role/platform-admin]", "role/platform-admin, arn:aws:iam::111111111111:role/ailz-deployer]"
    )
    plan = synthesize(load_text(text, "zone.yaml"))
    principals = [e.inputs["principalArn"] for e in plan.of_type("aws:eks/accessEntry:AccessEntry")]
    assert principals == ["arn:aws:iam::111122223333:role/platform-admin"]


def test_every_launch_template_name_carries_the_landing_zone(example_plan):
    plan = example_plan("aws-p5-training")
    assert sorted(t.inputs["name"] for t in plan.of_type(LT)) == [
        "acme-ai-aws-train-a100-dev",
        "acme-ai-aws-train-h100",
        "acme-ai-aws-train-system",
    ]


def test_no_node_hands_its_credentials_to_pods(example_plan):
    for template in example_plan("aws-p5-training").of_type(LT):
        assert template.inputs["metadataOptions"]["httpPutResponseHopLimit"] == 1, template.name


def test_the_cluster_waits_for_the_secondary_blocks(example_plan):
    plan = example_plan("aws-p5-1024")
    block = one(plan, "aws:ec2/vpcIpv4CidrBlockAssociation:VpcIpv4CidrBlockAssociation")
    assert block.urn in one(plan, "aws:eks/cluster:Cluster").dependencies


def test_the_service_range_is_named_and_clear_of_connected_networks(example_plan):
    # a VPC in 10.0.0.0/8: EKS's own choice, 172.20.0.0/16, as before
    cluster = one(example_plan("aws-p5-training"), "aws:eks/cluster:Cluster")
    assert cluster.inputs["kubernetesNetworkConfig"]["serviceIpv4Cidr"] == "172.20.0.0/16"
    text = (EXAMPLES / "aws-p5-training.yaml").read_text(encoding="utf-8")
    moved = text.replace("connected_cidrs: [10.100.0.0/16]", "connected_cidrs: [172.20.0.0/14]")
    cluster = one(synthesize(load_text(moved, "zone.yaml")), "aws:eks/cluster:Cluster")
    assert cluster.inputs["kubernetesNetworkConfig"]["serviceIpv4Cidr"] == "10.100.0.0/16"


def test_no_service_range_left_is_a_spec_error():
    from ailz.spec.errors import SpecError

    text = (EXAMPLES / "aws-p5-training.yaml").read_text(encoding="utf-8")
    text = text.replace("connected_cidrs: [10.100.0.0/16]", "connected_cidrs: [10.100.0.0/16, 172.16.0.0/12]")
    with pytest.raises(SpecError) as caught:
        load_text(text, "zone.yaml")
    (issue,) = [i for i in caught.value.issues if i.path[-1] == "connected_cidrs"]
    assert "every Kubernetes service range EKS offers" in issue.message


def test_the_node_monitoring_agent_needs_the_build_that_takes_dcgm_tolerations():
    from ailz.components.aws.addons import require_minimum

    assert require_minimum("eks-node-monitoring-agent", "v1.4.0-eksbuild.2", None) == "v1.4.0-eksbuild.2"
    with pytest.raises(ValueError, match=r"eks-node-monitoring-agent >= v1.3.0"):
        require_minimum("eks-node-monitoring-agent", "v1.2.0-eksbuild.1", None)


def test_without_egress_systems_manager_keeps_its_buckets(no_egress_plan):
    policy = json.loads(one(no_egress_plan, ENDPOINT, "aws-train-s3").inputs["policy"])
    assert "arn:aws:s3:::amazon-ssm-eu-west-1/*" in policy["Statement"][1]["Resource"]
