"""What AWS computes for the resources and data sources the aws components use, for offline plans."""

from __future__ import annotations

from typing import Any

from ailz.components.common.fakes import (
    CloudFakes,
    ComputedFn,
    FakeContext,
    InvokeFailure,
    module_and_kind,
    short_hash,
)

FAKE_ACCOUNT = "111111111111"


def _aws(type_token: str, name: str, inputs: dict[str, Any], ctx: FakeContext) -> dict[str, Any]:
    _, module, kind = module_and_kind(type_token)
    resource_name = inputs.get("name") or name
    out: dict[str, Any] = {
        "arn": f"arn:aws:{module}:{ctx.region}:{FAKE_ACCOUNT}:{kind.lower()}/{resource_name}",
    }
    if "name" not in inputs:
        out["name"] = name
    if "tags" in inputs:
        out["tagsAll"] = inputs["tags"]
    return out


def _aws_arn_global(service: str) -> ComputedFn:
    """IAM ARNs carry no region; S3 bucket ARNs carry neither region nor account."""

    def computed(name: str, inputs: dict[str, Any], ctx: FakeContext) -> dict[str, Any]:
        resource = inputs.get("name") or name
        if service == "s3":
            bucket = inputs.get("bucket") or name
            return {"arn": f"arn:aws:s3:::{bucket}", "bucket": bucket}
        kind = "role" if "role" in service else "policy"
        return {"arn": f"arn:aws:iam::{FAKE_ACCOUNT}:{kind}/{resource}", "name": resource}

    return computed


def _eks_cluster(name: str, inputs: dict[str, Any], ctx: FakeContext) -> dict[str, Any]:
    cluster = inputs.get("name") or name
    digest = short_hash("eks", ctx.region, cluster).upper()
    vpc_config = dict(inputs.get("vpcConfig") or {})
    vpc_config.update(
        {"clusterSecurityGroupId": f"sg-{short_hash('eks-sg', cluster)[:17]}", "vpcId": "vpc-fake"}
    )
    issuer = f"https://oidc.eks.{ctx.region}.amazonaws.com/id/{digest}"
    return {
        "endpoint": f"https://{digest}.gr7.{ctx.region}.eks.amazonaws.com",
        "certificateAuthority": {
            "data": "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCmZha2UKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo="
        },
        "identities": [{"oidcs": [{"issuer": issuer}]}],
        "vpcConfig": vpc_config,
        "platformVersion": "eks.1",
        "status": "ACTIVE",
    }


def _kms_key(name: str, inputs: dict[str, Any], ctx: FakeContext) -> dict[str, Any]:
    key_id = "-".join(short_hash("kms", name)[i : i + 4] for i in (0, 4, 8))
    return {"keyId": key_id, "arn": f"arn:aws:kms:{ctx.region}:{FAKE_ACCOUNT}:key/{key_id}"}


def _lustre(name: str, inputs: dict[str, Any], ctx: FakeContext) -> dict[str, Any]:
    fs = f"fs-{short_hash('fsx', name)[:12]}"
    return {"dnsName": f"{fs}.fsx.{ctx.region}.amazonaws.com", "mountName": short_hash("mount", name)[:8]}


TYPES: dict[str, ComputedFn] = {
    "aws:eks/cluster:Cluster": _eks_cluster,
    "aws:kms/key:Key": _kms_key,
    "aws:fsx/lustreFileSystem:LustreFileSystem": _lustre,
    "aws:s3/bucket:Bucket": _aws_arn_global("s3"),
    "aws:iam/role:Role": _aws_arn_global("iam-role"),
    "aws:iam/policy:Policy": _aws_arn_global("iam-policy"),
    "aws:ec2/launchTemplate:LaunchTemplate": lambda name, inputs, ctx: {
        "latestVersion": 1,
        "defaultVersion": 1,
    },
    "aws:ec2/placementGroup:PlacementGroup": lambda name, inputs, ctx: {"name": inputs.get("name") or name},
    "aws:cloudwatch/logGroup:LogGroup": lambda name, inputs, ctx: {
        "arn": f"arn:aws:logs:{ctx.region}:{FAKE_ACCOUNT}:log-group:{inputs.get('name') or name}"
    },
}

# The newest add-on builds EKS offered when ailz was last checked; the real data source answers
# in a deployment.
FAKE_ADDON_VERSIONS = {
    "vpc-cni": "v1.20.4-eksbuild.1",
    "kube-proxy": "v1.33.3-eksbuild.6",
    "eks-pod-identity-agent": "v1.3.8-eksbuild.2",
    "coredns": "v1.12.2-eksbuild.4",
    "aws-ebs-csi-driver": "v1.48.0-eksbuild.2",
    "aws-fsx-csi-driver": "v1.6.0-eksbuild.1",
    "eks-node-monitoring-agent": "v1.4.0-eksbuild.2",
}


def _addon_version(args: dict[str, Any], ctx: FakeContext) -> dict[str, Any]:
    addon = args.get("addonName", "")
    return {
        "addonName": addon,
        "kubernetesVersion": args.get("kubernetesVersion"),
        "version": FAKE_ADDON_VERSIONS.get(addon, "v1.0.0-eksbuild.1"),
        "mostRecent": True,
        "id": addon,
    }


def _instance_type_offerings(args: dict[str, Any], ctx: FakeContext) -> dict[str, Any]:
    """Offerings as the catalog knows them: a machine with no listed zones is offered everywhere."""
    from ailz.catalog import load_catalog

    filters = {f.get("name"): list(f.get("values") or []) for f in args.get("filters") or []}
    types = filters.get("instance-type", [])
    locations = filters.get("location", [ctx.zone])
    machines = load_catalog().machines
    offered = [
        (t, loc)
        for t in types
        for loc in locations
        if t in machines and (machines[t].zones is None or loc in machines[t].zones)
    ]
    return {
        "instanceTypes": [t for t, _ in offered],
        "locations": [loc for _, loc in offered],
        "locationTypes": ["availability-zone"] * len(offered),
        "id": ctx.region,
    }


def _zone_id(region: str, index: int) -> str:
    """us-east-1, 0 -> use1-az1: the zone ID of the fake account's zone a, b, c."""
    return f"{region[:2]}{region.split('-')[1][0]}{region[-1]}-az{index + 1}"


# Free addresses of a subnet of an existing VPC, as the fake EC2 reports them (a /19's worth).
FAKE_FREE_ADDRESSES = 8187


def _existing_subnet(args: dict[str, Any], ctx: FakeContext) -> dict[str, Any]:
    """A subnet of the existing VPC the spec names, where the spec says it is: GPU subnets in the
    target's zone, cluster subnets spread over zones a, b, c."""
    subnet = args.get("id", "")
    existing = ctx.spec.network.existing if ctx.spec is not None else None
    if existing is not None and subnet in existing.gpu_subnet_ids:
        index = "abc".index(ctx.zone[-1]) if ctx.zone[-1] in "abc" else 0
    elif existing is not None and subnet in existing.cluster_subnet_ids:
        index = existing.cluster_subnet_ids.index(subnet) % 3
    else:
        raise InvokeFailure(f"no subnet {subnet}")
    return {
        "id": subnet,
        "vpcId": existing.vpc_id,
        "availabilityZone": f"{ctx.region}{'abc'[index]}",
        "availabilityZoneId": _zone_id(ctx.region, index),
        "availableIpAddressCount": FAKE_FREE_ADDRESSES,
        "cidrBlock": "10.0.0.0/19",
    }


AWS_FAKES = CloudFakes(
    provider="aws",
    locate=lambda target: FakeContext(region=target.region, zone=target.zone, spec=target),
    every_resource=_aws,
    types=TYPES,
    invokes={
        "aws:index/getAvailabilityZones:getAvailabilityZones": lambda args, ctx: {
            "names": [f"{ctx.region}{s}" for s in "abc"],
            "zoneIds": [_zone_id(ctx.region, i) for i in range(3)],
            "state": "available",
            "id": ctx.region,
        },
        "aws:index/getCallerIdentity:getCallerIdentity": lambda args, ctx: {
            "accountId": FAKE_ACCOUNT,
            "arn": f"arn:aws:iam::{FAKE_ACCOUNT}:role/ailz-deployer",
            "userId": "AROAFAKE",
            "id": FAKE_ACCOUNT,
        },
        "aws:index/getPartition:getPartition": lambda args, ctx: {
            "partition": "aws",
            "dnsSuffix": "amazonaws.com",
            "id": "aws",
        },
        "aws:index/getRegion:getRegion": lambda args, ctx: {
            "name": ctx.region,
            "region": ctx.region,
            "id": ctx.region,
        },
        "aws:eks/getAddonVersion:getAddonVersion": _addon_version,
        # an account that has used Auto Scaling before has its service-linked role
        "aws:iam/getRoles:getRoles": lambda args, ctx: {
            "names": ["AWSServiceRoleForAutoScaling"],
            "arns": [f"arn:aws:iam::{FAKE_ACCOUNT}:role{args.get('pathPrefix')}AWSServiceRoleForAutoScaling"],
            "id": ctx.region,
        },
        "aws:ec2/getInstanceTypeOfferings:getInstanceTypeOfferings": _instance_type_offerings,
        "aws:ec2/getSubnet:getSubnet": _existing_subnet,
        # the block has started: its node groups are created at their size
        "aws:ec2/getCapacityBlockReservation:getCapacityBlockReservation": lambda args, ctx: {
            "id": args.get("id"),
            "state": "active",
            "availabilityZone": ctx.zone,
        },
        "aws:ec2/getVpc:getVpc": lambda args, ctx: {"id": args.get("id"), "cidrBlock": ctx.spec.network.cidr},
        "aws:ec2/getRouteTable:getRouteTable": lambda args, ctx: {
            "id": f"rtb-{short_hash('rtb', args.get('subnetId', ''))}",
            "routeTableId": f"rtb-{short_hash('rtb', args.get('subnetId', ''))}",
        },
    },
)
