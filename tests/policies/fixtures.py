"""Hand-built plans for the policy harness: one compliant zone (AWS + GCP + on-prem Kubernetes).

Every rule passes on compliant(); each failing fixture is one small mutation of it.
"""

from __future__ import annotations

import copy

from ailz.stacks.plan import Plan, PlanResource

STACK = "acme-t"
DIGEST = "@sha256:" + "a" * 64
MIRROR = "registry.fra1.acme.internal"
COST = {"cost-center": "cc-1", "team": "ml", "environment": "prod", "landing-zone": "acme"}
POOL = {**COST, "pool": "h100", "gpu-type": "H100", "purpose": "training"}
KEY_ARN = "arn:aws:kms:eu-west-1:111111111111:key/k1"
GCP_KEY = "projects/p/locations/europe-west4/keyRings/r/cryptoKeys/k"

CONTEXT = {
    "residency": {
        "allowed_regions": ["eu-west-1", "europe-west4", "fra1"],
        "jurisdictions": ["EU"],
        "key_management": "customer-managed",
    },
    "environment": "prod",
    "targets": {
        "aws": {"kind": "aws", "location": "eu-west-1", "zone": "eu-west-1a", "registries": None},
        "gcp": {"kind": "gcp", "location": "europe-west4", "zone": "europe-west4-b", "registries": None},
        "fra": {
            "kind": "onprem",
            "location": "fra1",
            "zone": None,
            "registries": {"mirror": MIRROR, "allowed": [MIRROR]},
        },
    },
}


def urn(type_token: str, name: str) -> str:
    return f"urn:pulumi:{STACK}::ailz::{type_token}::{name}"


def res(
    type_token: str, name: str, inputs: dict, target: str = "aws", refs: dict | None = None
) -> PlanResource:
    """A resource; refs maps an input name to the resources it refers to (property dependencies)."""
    refs = refs or {}
    pdeps = {key: [r.urn for r in found] for key, found in refs.items()}
    deps = sorted({u for urns in pdeps.values() for u in urns})
    return PlanResource(
        type=type_token,
        name=name,
        urn=urn(type_token, name),
        parent=None,
        target=target,
        inputs=inputs,
        dependencies=deps,
        property_dependencies=pdeps,
        source={"file": "zone.yaml", "line": 10, "path": "targets[0]"},
    )


def _efa_interfaces(sg_id: str) -> list[dict]:
    nics = [
        {
            "networkCardIndex": 0,
            "deviceIndex": 0,
            "securityGroups": [sg_id],
            "associatePublicIpAddress": "false",
        }
    ]
    nics.append(
        {"networkCardIndex": 0, "deviceIndex": 1, "interfaceType": "efa-only", "securityGroups": [sg_id]}
    )
    for card in range(1, 32):
        nics.append(
            {
                "networkCardIndex": card,
                "deviceIndex": 0,
                "interfaceType": "efa-only",
                "securityGroups": [sg_id],
            }
        )
    return nics


def _aws() -> dict[str, PlanResource]:
    r: dict[str, PlanResource] = {}
    r["provider"] = res("pulumi:providers:aws", "aws", {"region": "eu-west-1"})
    r["key"] = res("aws:kms/key:Key", "key", {"enableKeyRotation": True, "tags": COST})
    r["pg"] = res("aws:ec2/placementGroup:PlacementGroup", "pg", {"strategy": "cluster", "tags": COST})
    self_rule = {"protocol": "-1", "fromPort": 0, "toPort": 0, "self": True}
    r["sg"] = res(
        "aws:ec2/securityGroup:SecurityGroup",
        "efa-sg",
        {"ingress": [self_rule], "egress": [self_rule], "tags": COST},
    )
    r["lt"] = res(
        "aws:ec2/launchTemplate:LaunchTemplate",
        "h100-lt",
        {
            "instanceType": "p5.48xlarge",
            "networkInterfaces": _efa_interfaces("sg-1"),
            "placement": {"groupName": "pg"},
            "metadataOptions": {"httpTokens": "required", "httpPutResponseHopLimit": 1},
            "blockDeviceMappings": [
                {"deviceName": "/dev/xvda", "ebs": {"encrypted": "true", "kmsKeyId": KEY_ARN}}
            ],
            "tagSpecifications": [{"resourceType": kind, "tags": POOL} for kind in ("instance", "volume")],
            "tags": COST,
        },
        refs={"networkInterfaces": [r["sg"]], "placement": [r["pg"]], "blockDeviceMappings": [r["key"]]},
    )
    r["subnet"] = res(
        "aws:ec2/subnet:Subnet",
        "gpu-a",
        {
            "cidrBlock": "10.0.0.0/20",
            "availabilityZone": "eu-west-1a",
            "mapPublicIpOnLaunch": False,
            "tags": COST,
        },
    )
    r["logs"] = res(
        "aws:cloudwatch/logGroup:LogGroup",
        "control-plane",
        {"name": "/aws/eks/acme/cluster", "kmsKeyId": KEY_ARN, "retentionInDays": 90, "tags": COST},
        refs={"kmsKeyId": [r["key"]]},
    )
    r["ng"] = res(
        "aws:eks/nodeGroup:NodeGroup",
        "h100",
        {
            "instanceTypes": ["p5.48xlarge"],
            "subnetIds": ["subnet-a"],
            "capacityType": "CAPACITY_BLOCK",
            "scalingConfig": {"desiredSize": 4, "minSize": 4, "maxSize": 4},
            "launchTemplate": {"id": "lt-1", "version": "1"},
            "taints": [{"key": "nvidia.com/gpu", "value": "true", "effect": "NO_SCHEDULE"}],
            "tags": POOL,
        },
        refs={"launchTemplate": [r["lt"]], "subnetIds": [r["subnet"]]},
    )
    r["cluster"] = res(
        "aws:eks/cluster:Cluster",
        "eks",
        {
            "encryptionConfig": {"resources": ["secrets"], "provider": {"keyArn": KEY_ARN}},
            "enabledClusterLogTypes": ["api", "audit", "authenticator"],
            "vpcConfig": {"endpointPrivateAccess": True, "endpointPublicAccess": False},
            "tags": COST,
        },
        refs={"encryptionConfig": [r["key"]]},
    )
    assume = (
        '{"Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},'
        '"Action":"sts:AssumeRole"}]}'
    )
    r["role"] = res(
        "aws:iam/role:Role",
        "node-role",
        {"assumeRolePolicy": assume, "permissionsBoundary": "arn:aws:iam::1:policy/boundary", "tags": COST},
    )
    r["attach"] = res(
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "node-worker",
        {"role": "node-role", "policyArn": "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy"},
        refs={"role": [r["role"]]},
    )
    r["policy"] = res(
        "aws:iam/policy:Policy",
        "data-read",
        {
            "policy": '{"Statement":[{"Effect":"Allow","Action":["s3:GetObject"],'
            '"Resource":"arn:aws:s3:::d/*"}]}',
            "tags": COST,
        },
    )
    r["fsx"] = res(
        "aws:fsx/lustreFileSystem:LustreFileSystem",
        "warm",
        {"kmsKeyId": KEY_ARN, "subnetIds": ["subnet-a"], "tags": COST},
    )
    r["bucket"] = res("aws:s3/bucket:Bucket", "datasets", {"bucket": "acme-datasets", "tags": COST})
    r["versions"] = res(
        "aws:s3/bucketVersioning:BucketVersioning",
        "datasets",
        {"bucket": "acme-datasets", "versioningConfiguration": {"status": "Enabled"}},
        refs={"bucket": [r["bucket"]]},
    )
    r["sse"] = res(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "datasets-sse",
        {
            "bucket": "acme-datasets",
            "rules": [
                {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": KEY_ARN}}
            ],
        },
        refs={"bucket": [r["bucket"]], "rules": [r["key"]]},
    )
    r["pab"] = res(
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        "datasets-pab",
        {
            "bucket": "acme-datasets",
            "blockPublicAcls": True,
            "blockPublicPolicy": True,
            "ignorePublicAcls": True,
            "restrictPublicBuckets": True,
        },
        refs={"bucket": [r["bucket"]]},
    )
    tls = (
        '{"Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*",'
        '"Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}'
    )
    r["bpol"] = res(
        "aws:s3/bucketPolicy:BucketPolicy",
        "datasets-tls",
        {"bucket": "acme-datasets", "policy": tls},
        refs={"bucket": [r["bucket"]]},
    )
    r["replica"] = res(
        "aws:s3/bucket:Bucket",
        "datasets-replica",
        {"bucket": "acme-replica", "versioning": {"enabled": True}, "tags": COST},
    )
    for name in ("replica-sse", "replica-pab", "replica-tls"):
        original = r[{"replica-sse": "sse", "replica-pab": "pab", "replica-tls": "bpol"}[name]]
        r[name] = res(original.type, name, copy.deepcopy(original.inputs), refs={"bucket": [r["replica"]]})
    r["repl"] = res(
        "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
        "datasets-repl",
        {
            "bucket": "acme-datasets",
            "role": "arn:aws:iam::1:role/r",
            "rules": [{"status": "Enabled", "destination": {"bucket": "arn:aws:s3:::acme-replica"}}],
        },
        refs={"bucket": [r["bucket"]], "rules": [r["replica"]]},
    )
    return r


def _gcp() -> dict[str, PlanResource]:
    from ailz.catalog import load_catalog
    from ailz.components.common.names import gke_extra_networks

    networks = gke_extra_networks(load_catalog().machine("a3-ultragpu-8g"))
    r: dict[str, PlanResource] = {}
    labels = {**COST}
    r["gprovider"] = res("pulumi:providers:gcp", "gcp", {"region": "europe-west4", "project": "p"}, "gcp")
    r["rdma"] = res(
        "gcp:compute/network:Network",
        "rdma",
        {
            "name": "acme-rdma",
            "networkProfile": "projects/p/global/networkProfiles/europe-west4-b-vpc-roce",
            "mtu": 8896,
            "autoCreateSubnetworks": False,
        },
        "gcp",
    )
    r["gke"] = res(
        "gcp:container/cluster:Cluster",
        "gke",
        {
            "location": "europe-west4",
            "resourceLabels": labels,
            "databaseEncryption": {"state": "ENCRYPTED", "keyName": GCP_KEY},
            "workloadIdentityConfig": {"workloadPool": "p.svc.id.goog"},
            "privateClusterConfig": {"enablePrivateNodes": True},
            "masterAuthorizedNetworksConfig": {"cidrBlocks": [{"cidrBlock": "10.40.0.0/16"}]},
        },
        "gcp",
    )
    r["pool"] = res(
        "gcp:container/nodePool:NodePool",
        "h200",
        {
            "location": "europe-west4-b",
            "cluster": "gke",
            "nodeCount": 4,
            "placementPolicy": {"type": "COMPACT"},
            "networkConfig": {
                "enablePrivateNodes": True,
                "additionalNodeNetworkConfigs": [
                    {"network": n["name"], "subnetwork": n["name"]} for n in networks
                ],
            },
            "nodeConfig": {
                "machineType": "a3-ultragpu-8g",
                "resourceLabels": {**POOL, "gpu-type": "h200-sxm-141gb"},
                "bootDiskKmsKey": GCP_KEY,
                "shieldedInstanceConfig": {"enableSecureBoot": True, "enableIntegrityMonitoring": True},
                "workloadMetadataConfig": {"mode": "GKE_METADATA"},
                "reservationAffinity": {
                    "consumeReservationType": "SPECIFIC_RESERVATION",
                    "key": "compute.googleapis.com/reservation-name",
                    "values": ["res"],
                },
            },
        },
        "gcp",
        refs={"cluster": [r["gke"]]},
    )
    r["gcs"] = res(
        "gcp:storage/bucket:Bucket",
        "checkpoints",
        {
            "location": "EUROPE-WEST4",
            "labels": labels,
            "encryption": {"defaultKmsKeyName": GCP_KEY},
            "publicAccessPrevention": "enforced",
            "uniformBucketLevelAccess": True,
            "versioning": {"enabled": True},
        },
        "gcp",
    )
    r["lustre"] = res(
        "gcp:lustre/instance:Instance",
        "warm",
        {"location": "europe-west4-b", "kmsKey": GCP_KEY, "labels": labels},
        "gcp",
    )
    r["gkey"] = res(
        "gcp:kms/cryptoKey:CryptoKey", "storage", {"rotationPeriod": "7776000s", "labels": labels}, "gcp"
    )
    r["fw"] = res(
        "gcp:compute/firewall:Firewall",
        "allow-internal",
        {"network": "vpc", "direction": "INGRESS", "sourceRanges": ["10.40.0.0/16"],
         "allows": [{"protocol": "tcp"}, {"protocol": "udp"}], "project": "p"},
        "gcp",
    )  # fmt: skip
    r["iam"] = res(
        "gcp:projects/iAMMember:IAMMember",
        "reader",
        {
            "project": "p",
            "role": "roles/storage.objectViewer",
            "member": "serviceAccount:w@p.iam.gserviceaccount.com",
        },
        "gcp",
    )
    return r


def _pod(image: str, gpus: int, rdma: bool = True, ipc_lock: bool = True) -> dict:
    limits = {"nvidia.com/gpu": gpus, **({"rdma/rdma_shared": 1} if rdma else {})}
    container = {
        "name": "worker",
        "image": image,
        "resources": {"limits": dict(limits), "requests": dict(limits)},
        "securityContext": {"capabilities": {"add": ["IPC_LOCK"] if ipc_lock else []}},
        "volumeMounts": [{"name": "shm", "mountPath": "/dev/shm"}],
    }
    return {
        "containers": [container],
        "volumes": [{"name": "shm", "emptyDir": {"medium": "Memory", "sizeLimit": "64Gi"}}],
    }


def _k8s() -> dict[str, PlanResource]:
    r: dict[str, PlanResource] = {}
    image = f"{MIRROR}/nccl-tests{DIGEST}"
    r["ns"] = res(
        "kubernetes:core/v1:Namespace",
        "research",
        {
            "metadata": {
                "name": "research",
                "labels": {"ailz.io/rdma-pods": "true", "pod-security.kubernetes.io/enforce": "baseline"},
            }
        },
        "fra",
    )
    r["deny"] = res(
        "kubernetes:networking.k8s.io/v1:NetworkPolicy",
        "default-deny",
        {
            "metadata": {"name": "default-deny", "namespace": "research"},
            "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
        },
        "fra",
    )
    r["admins"] = res(
        "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
        "platform-admins",
        {
            "metadata": {"name": "platform-admins"},
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "ClusterRole",
                "name": "cluster-admin",
            },
            "subjects": [{"kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": "platform-sre"}],
        },
        "fra",
    )
    r["mpijob"] = res(
        "kubernetes:kubeflow.org/v2beta1:MPIJob",
        "train",
        {
            "metadata": {"name": "train", "namespace": "research"},
            "spec": {
                "mpiReplicaSpecs": {
                    "Launcher": {
                        "replicas": 1,
                        "template": {"spec": {"containers": [{"name": "launcher", "image": image}]}},
                    },
                    "Worker": {"replicas": 2, "template": {"spec": _pod(image, 8)}},
                }
            },
        },
        "fra",
    )
    r["deploy"] = res(
        "kubernetes:apps/v1:Deployment",
        "serve",
        {
            "metadata": {"name": "serve", "namespace": "research"},
            "spec": {"template": {"spec": _pod(image, 1, rdma=False, ipc_lock=False)}},
        },
        "fra",
    )
    r["helm"] = res(
        "kubernetes:helm.sh/v3:Release",
        "gpu-operator",
        {
            "chart": "gpu-operator",
            "namespace": "gpu-operator",
            "repositoryOpts": {"repo": f"https://{MIRROR}/charts"},
            "values": {
                "driver": {"repository": f"{MIRROR}/nvidia", "image": "driver"},
                "toolkit": {"image": {"registry": MIRROR, "repository": "nvidia/toolkit", "tag": "v1"}},
            },
        },
        "fra",
    )
    return r


def compliant() -> dict[str, PlanResource]:
    return {**_aws(), **_gcp(), **_k8s()}


def plan_of(resources: dict[str, PlanResource], context: dict | None = None) -> Plan:
    return Plan(
        zone="acme",
        spec_file="zone.yaml",
        targets=[],
        resources=list(resources.values()),
        context=copy.deepcopy(context if context is not None else CONTEXT),
    )
