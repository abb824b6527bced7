"""What Google Cloud computes for the resources and data sources the gcp components use, for offline plans."""

from __future__ import annotations

import ipaddress
from typing import Any

from ailz.components.common.fakes import (
    CloudFakes,
    FakeContext,
    InvokeFailure,
    InvokeFn,
    module_and_kind,
    short_hash,
)

FAKE_PROJECT_NUMBER = "222222222222"


def _gcp(type_token: str, name: str, inputs: dict[str, Any], ctx: FakeContext) -> dict[str, Any]:
    _, module, kind = module_and_kind(type_token)
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


FAKE_GKE_CA = (
    "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCmFpbHotZmFrZS1na2UtY2EKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo="
)


def _gke_cluster(name: str, inputs: dict[str, Any], ctx: FakeContext) -> dict[str, Any]:
    """Private endpoint: the second address of the control-plane range, as GKE assigns it."""
    master = (inputs.get("privateClusterConfig") or {}).get("masterIpv4CidrBlock")
    endpoint = str(ipaddress.ip_network(master)[2]) if master else "10.255.255.2"
    config = dict(inputs.get("controlPlaneEndpointsConfig") or {})
    dns = dict(config.get("dnsEndpointConfig") or {})
    cluster = str(inputs.get("name") or name)
    dns["endpoint"] = f"gke-{short_hash('gke', ctx.project, cluster)}.{ctx.region}.gke.goog"
    return {
        "endpoint": endpoint,
        "controlPlaneEndpointsConfig": {**config, "dnsEndpointConfig": dns},
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


FAKE_GCS_AGENT = f"service-{FAKE_PROJECT_NUMBER}@gs-project-accounts.iam.gserviceaccount.com"


def _absent(kind: str) -> InvokeFn:
    """A Cloud KMS lookup of something that does not exist, as the provider reports it."""

    def lookup(args: dict[str, Any], ctx: FakeContext) -> dict[str, Any]:
        raise InvokeFailure(f"googleapi: Error 404: {kind} {args.get('name')} not found.")

    return lookup


def _existing_subnetwork(args: dict[str, Any], ctx: FakeContext) -> dict[str, Any]:
    """The network team's subnet as the spec describes it, with pod and service ranges of the
    names it gives (a /14 for pods, a /20 for services)."""
    existing = ctx.spec.network.existing if ctx.spec is not None else None
    if existing is None or args.get("name") != existing.subnetwork:
        raise InvokeFailure(f"googleapi: Error 404: subnetwork {args.get('name')} not found.")
    return {
        "name": existing.subnetwork,
        "region": args.get("region") or ctx.region,
        "project": args.get("project") or ctx.project,
        "ipCidrRange": ctx.spec.network.cidr,
        "secondaryIpRanges": [
            {"rangeName": existing.pods_range, "ipCidrRange": "100.64.0.0/14"},
            {"rangeName": existing.services_range, "ipCidrRange": "100.68.0.0/20"},
        ],
        "id": f"projects/{args.get('project')}/regions/{args.get('region')}/subnetworks/"
        + existing.subnetwork,
    }


GCP_FAKES = CloudFakes(
    provider="gcp",
    locate=lambda target: FakeContext(
        region=target.region, zone=target.zone, project=target.project, spec=target
    ),
    every_resource=_gcp,
    types={
        "gcp:filestore/instance:Instance": _filestore_instance,
        "gcp:container/cluster:Cluster": _gke_cluster,
        "gcp:serviceaccount/account:Account": _gcp_service_account,
        "gcp:projects/serviceIdentity:ServiceIdentity": _gcp_service_identity,
        "gcp:lustre/instance:Instance": _lustre_instance,
    },
    invokes={
        # a fresh project: no key ring of the zone's yet
        "gcp:kms/getKMSKeyRing:getKMSKeyRing": _absent("KeyRing"),
        "gcp:compute/getSubnetwork:getSubnetwork": _existing_subnetwork,
        "gcp:kms/getKMSCryptoKey:getKMSCryptoKey": _absent("CryptoKey"),
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
        "gcp:storage/getProjectServiceAccount:getProjectServiceAccount": lambda args, ctx: {
            "emailAddress": FAKE_GCS_AGENT,
            "member": f"serviceAccount:{FAKE_GCS_AGENT}",
            "project": args.get("project") or ctx.project,
            "id": args.get("project") or ctx.project,
        },
    },
)
