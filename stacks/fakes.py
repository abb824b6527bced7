"""Deterministic stand-ins for what clouds compute (ids, ARNs, endpoints) during offline synthesis.

Values depend only on the resource's type, name and inputs, so plans diff cleanly.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

FAKE_ACCOUNT = "111111111111"
FAKE_PROJECT_NUMBER = "222222222222"

ComputedFn = Callable[[str, dict[str, Any], "FakeContext"], dict[str, Any]]
InvokeFn = Callable[[dict[str, Any], "FakeContext"], dict[str, Any]]


class FakeContext:
    """Where the fake cloud is: the target's region, zone and project."""

    def __init__(self, region: str = "", zone: str = "", project: str = "") -> None:
        self.region, self.zone, self.project = region, zone, project


def short_hash(*parts: str) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:12]


def _module_and_kind(type_token: str) -> tuple[str, str, str]:
    provider, _, rest = type_token.partition(":")
    module, _, kind = rest.partition(":")
    return provider, module.split("/")[0], kind


def _aws(type_token: str, name: str, inputs: dict[str, Any], ctx: FakeContext) -> dict[str, Any]:
    _, module, kind = _module_and_kind(type_token)
    resource_name = inputs.get("name") or name
    out: dict[str, Any] = {
        "arn": f"arn:aws:{module}:{ctx.region}:{FAKE_ACCOUNT}:{kind.lower()}/{resource_name}",
    }
    if "name" not in inputs:
        out["name"] = name
    if "tags" in inputs:
        out["tagsAll"] = inputs["tags"]
    return out


def _gcp(type_token: str, name: str, inputs: dict[str, Any], ctx: FakeContext) -> dict[str, Any]:
    _, module, kind = _module_and_kind(type_token)
    resource_name = inputs.get("name") or name
    project = inputs.get("project") or ctx.project
    collection = kind[0].lower() + kind[1:] + "s"
    out: dict[str, Any] = {
        "selfLink": f"https://www.googleapis.com/{module}/v1/projects/{project}/{collection}/{resource_name}",
    }
    if "name" not in inputs:
        out["name"] = name
    if "project" not in inputs and ctx.project:
        out["project"] = ctx.project
    return out


def _kubernetes(type_token: str, name: str, inputs: dict[str, Any], ctx: FakeContext) -> dict[str, Any]:
    metadata = dict(inputs.get("metadata") or {})
    if not metadata.get("name"):
        metadata["name"] = name
    return {"metadata": metadata} if "metadata" in inputs or type_token.startswith("kubernetes:") else {}


PROVIDER_COMPUTED: dict[str, ComputedFn] = {"aws": _aws, "gcp": _gcp, "kubernetes": _kubernetes}

# Per type token: outputs a real cloud computes that other resources read (endpoints, CA data...).
TYPE_COMPUTED: dict[str, ComputedFn] = {}

# Per invoke token: what the data source returns. Unlisted invokes return {}.
INVOKES: dict[str, InvokeFn] = {
    "aws:index/getAvailabilityZones:getAvailabilityZones": lambda args, ctx: {
        "names": [f"{ctx.region}{s}" for s in "abc"],
        "zoneIds": [
            f"{ctx.region[:2]}{ctx.region.split('-')[1][0]}{ctx.region[-1]}-az{i}" for i in (1, 2, 3)
        ],
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
    "gcp:organizations/getProject:getProject": lambda args, ctx: {
        "projectId": args.get("projectId") or ctx.project,
        "number": FAKE_PROJECT_NUMBER,
        "name": ctx.project,
        "id": f"projects/{ctx.project}",
    },
    "gcp:compute/getZones:getZones": lambda args, ctx: {
        "names": [f"{ctx.region}-{s}" for s in "abc"],
        "id": ctx.region,
    },
}


# ---------------------------------------------------------------------------------------------
# AWS: what EKS, EC2, FSx, S3 and IAM compute, and the data sources the AWS components call.


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


TYPE_COMPUTED.update(
    {
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
        "aws:ec2/placementGroup:PlacementGroup": lambda name, inputs, ctx: {
            "name": inputs.get("name") or name
        },
    }
)

# The newest add-on builds EKS offered when ailz was last checked; the real data source answers
# in a deployment.
FAKE_ADDON_VERSIONS = {
    "vpc-cni": "v1.20.4-eksbuild.1",
    "kube-proxy": "v1.33.3-eksbuild.6",
    "eks-pod-identity-agent": "v1.3.8-eksbuild.2",
    "coredns": "v1.12.2-eksbuild.4",
    "aws-ebs-csi-driver": "v1.48.0-eksbuild.2",
    "aws-fsx-csi-driver": "v1.6.0-eksbuild.1",
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


INVOKES.update(
    {
        "aws:eks/getAddonVersion:getAddonVersion": _addon_version,
        "aws:ec2/getInstanceTypeOfferings:getInstanceTypeOfferings": _instance_type_offerings,
    }
)

# ---------------------------------------------------------------------------------------------


def fake_id(type_token: str, name: str) -> str:
    return f"{name}-{short_hash(type_token, name)[:8]}"


def computed_outputs(type_token: str, name: str, inputs: dict[str, Any], ctx: FakeContext) -> dict[str, Any]:
    provider = type_token.split(":", 1)[0]
    out: dict[str, Any] = {}
    if provider in PROVIDER_COMPUTED and not type_token.startswith("pulumi:providers:"):
        out.update(PROVIDER_COMPUTED[provider](type_token, name, inputs, ctx))
    if type_token in TYPE_COMPUTED:
        out.update(TYPE_COMPUTED[type_token](name, inputs, ctx))
    return out


# ---------------------------------------------------------------------------------------------
# GCP: outputs Google computes that ailz components read.
# ---------------------------------------------------------------------------------------------

FAKE_GKE_CA = (
    "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCmFpbHotZmFrZS1na2UtY2EKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo="
)


def _gke_cluster(name: str, inputs: dict[str, Any], ctx: FakeContext) -> dict[str, Any]:
    """Private endpoint: the second address of the control-plane range, as GKE assigns it."""
    import ipaddress

    master = (inputs.get("privateClusterConfig") or {}).get("masterIpv4CidrBlock")
    endpoint = str(ipaddress.ip_network(master)[2]) if master else "10.255.255.2"
    return {
        "endpoint": endpoint,
        "masterAuth": {"clusterCaCertificate": FAKE_GKE_CA, "clientCertificateConfig": {}},
        "selfLink": f"https://container.googleapis.com/v1/projects/{ctx.project}/locations/"
        f"{inputs.get('location')}/clusters/{inputs.get('name') or name}",
    }


def _gcp_service_account(name: str, inputs: dict[str, Any], ctx: FakeContext) -> dict[str, Any]:
    project = inputs.get("project") or ctx.project
    email = f"{inputs.get('accountId') or name}@{project}.iam.gserviceaccount.com"
    return {
        "email": email,
        "member": f"serviceAccount:{email}",
        "name": f"projects/{project}/serviceAccounts/{email}",
        "uniqueId": short_hash(email),
    }


# service -> the domain of its service agent (Filestore's predates the gcp-sa- naming)
SERVICE_AGENT_DOMAINS = {"file.googleapis.com": "cloud-filer"}


def _gcp_service_identity(name: str, inputs: dict[str, Any], ctx: FakeContext) -> dict[str, Any]:
    service = str(inputs.get("service", ""))
    domain = SERVICE_AGENT_DOMAINS.get(service, f"gcp-sa-{service.split('.')[0]}")
    email = f"service-{FAKE_PROJECT_NUMBER}@{domain}.iam.gserviceaccount.com"
    return {"email": email, "member": f"serviceAccount:{email}"}


def _lustre_instance(name: str, inputs: dict[str, Any], ctx: FakeContext) -> dict[str, Any]:
    return {"mountPoint": f"172.16.0.2@tcp:/{inputs.get('filesystem', 'lustre')}", "state": "ACTIVE"}


def _filestore_instance(name: str, inputs: dict[str, Any], ctx: FakeContext) -> dict[str, Any]:
    networks = [{**net, "ipAddresses": ["172.16.0.10"]} for net in inputs.get("networks") or []]
    return {"networks": networks, "state": "READY"}


TYPE_COMPUTED.update(
    {
        "gcp:filestore/instance:Instance": _filestore_instance,
        "gcp:container/cluster:Cluster": _gke_cluster,
        "gcp:serviceaccount/account:Account": _gcp_service_account,
        "gcp:projects/serviceIdentity:ServiceIdentity": _gcp_service_identity,
        "gcp:lustre/instance:Instance": _lustre_instance,
    }
)
FAKE_GCS_AGENT = f"service-{FAKE_PROJECT_NUMBER}@gs-project-accounts.iam.gserviceaccount.com"
INVOKES.update(
    {
        "gcp:storage/getProjectServiceAccount:getProjectServiceAccount": lambda args, ctx: {
            "emailAddress": FAKE_GCS_AGENT,
            "member": f"serviceAccount:{FAKE_GCS_AGENT}",
            "project": args.get("project") or ctx.project,
            "id": args.get("project") or ctx.project,
        },
    }
)
