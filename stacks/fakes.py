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
