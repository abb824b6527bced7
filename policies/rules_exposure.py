"""Exposure and identity rules: public IPs, bucket access, IMDSv2, IAM boundaries and wildcards."""

from __future__ import annotations

import json

from ailz.policies import iam_documents as D
from ailz.policies import props as P
from ailz.policies.index import PlanIndex
from ailz.policies.registry import Messages, Params, resource_rule, stack_rule
from ailz.stacks.plan import PlanResource

LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
EC2_INSTANCE = "aws:ec2/instance:Instance"
NODE_POOL = "gcp:container/nodePool:NodePool"
GKE_CLUSTER = "gcp:container/cluster:Cluster"
EKS_CLUSTER = "aws:eks/cluster:Cluster"
INTERNET = "0.0.0.0/0"
S3_BUCKETS = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
S3_PAB = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
S3_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
GCS_BUCKET = "gcp:storage/bucket:Bucket"
GCS_IAM = (
    "gcp:storage/bucketIAMMember:BucketIAMMember",
    "gcp:storage/bucketIAMBinding:BucketIAMBinding",
    "gcp:storage/bucketIAMPolicy:BucketIAMPolicy",
)


def iam_grants(inputs: dict) -> list[tuple[str, str]]:
    """(role, member) of a GCP IAM member, binding or whole policy (policyData: bindings as JSON)."""
    role = P.get(inputs, "role")
    if role is not None:
        members = _as_list(P.get(inputs, "member") or P.get(inputs, "members") or [])
        return [(str(role), str(m)) for m in members]
    data = P.get(inputs, "policyData")
    policy = json.loads(data) if isinstance(data, str) and data.strip().startswith("{") else data
    out = []
    for binding in (policy or {}).get("bindings", []) if isinstance(policy, dict) else []:
        for member in binding.get("members", []):
            out.append((str(binding.get("role")), str(member)))
    return out


IAM_ROLE = "aws:iam/role:Role"
IAM_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
IAM_INLINE = "aws:iam/rolePolicy:RolePolicy"
POLICY_DOCUMENTS = (
    "aws:iam/policy:Policy",
    IAM_INLINE,
    "aws:iam/userPolicy:UserPolicy",
    "aws:iam/groupPolicy:GroupPolicy",
)
POLICY_ATTACHMENTS = (
    IAM_ATTACHMENT,
    "aws:iam/policyAttachment:PolicyAttachment",
    "aws:iam/userPolicyAttachment:UserPolicyAttachment",
    "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
)
PAB_SETTINGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
PUBLIC_MEMBERS = ("allUsers", "allAuthenticatedUsers")
GCP_ADMIN_ROLES = ("roles/container.admin", "roles/editor", "roles/owner")
GCP_PROJECT_IAM = ("gcp:projects/iAMMember:IAMMember", "gcp:projects/iAMBinding:IAMBinding")
# Managed policies that give a node role direct data access (data belongs to workload identities).
DATA_POLICY_MARKERS = ("AmazonS3", "AmazonFSx")


# one reading of IAM documents for every rule (iam_documents)
policy_document = D.document
statements = D.statements
_as_list = D.as_list


@resource_rule("AILZ-EXP-001", LAUNCH_TEMPLATE, EC2_INSTANCE, NODE_POOL)
def no_public_ips(resource: PlanResource, ix: PlanIndex, params: Params) -> Messages:
    inputs = resource.inputs
    if resource.type == LAUNCH_TEMPLATE:
        for i, nic in enumerate(P.known_list(inputs, "networkInterfaces")):
            if P.truthy(P.get(nic, "associatePublicIpAddress")):
                yield f"networkInterfaces[{i}] associates a public IP address"
    elif resource.type == EC2_INSTANCE:
        if P.truthy(P.get(inputs, "associatePublicIpAddress")):
            yield "instance associates a public IP address"
    else:
        own = P.get(inputs, "networkConfig", "enablePrivateNodes")
        clusters = ix.refs(resource, "cluster", GKE_CLUSTER)
        inherited = any(
            P.truthy(P.get(c.inputs, "privateClusterConfig", "enablePrivateNodes")) for c in clusters
        )
        if own is not None and not P.truthy(own):
            yield "node pool sets networkConfig.enablePrivateNodes false: nodes get public IPs"
        elif own is None and not inherited:
            yield "node pool nodes get public IPs (no enablePrivateNodes on the pool or its cluster)"


@stack_rule("AILZ-EXP-002", *S3_BUCKETS, GCS_BUCKET, *GCS_IAM)
def buckets_private(resource: PlanResource, ix: PlanIndex, params: Params) -> Messages:
    inputs = resource.inputs
    if resource.type in GCS_IAM:
        if any(member in PUBLIC_MEMBERS for _, member in iam_grants(inputs)):
            yield "bucket IAM grants access to allUsers/allAuthenticatedUsers"
    elif resource.type == GCS_BUCKET:
        if P.get(inputs, "publicAccessPrevention") != "enforced":
            yield "GCS bucket does not enforce publicAccessPrevention"
        if not P.truthy(P.get(inputs, "uniformBucketLevelAccess")):
            yield "GCS bucket lacks uniformBucketLevelAccess"
    else:
        blocks = ix.referrers_via(resource, "bucket", S3_PAB)
        if not blocks:
            yield "bucket has no BucketPublicAccessBlock"
        for block in blocks:
            off = [key for key in PAB_SETTINGS if not P.truthy(P.get(block.inputs, key))]
            if off:
                yield f"public access block {block.name} leaves {', '.join(off)} off"
        if P.get(inputs, "acl") in ("public-read", "public-read-write", "authenticated-read"):
            yield f"bucket ACL is {P.get(inputs, 'acl')}"


def _denies_plain_http(document: dict | None) -> bool:
    for statement in statements(document):
        if statement.get("Effect") != "Deny":
            continue
        condition = statement.get("Condition") or {}
        value = (condition.get("Bool") or {}).get("aws:SecureTransport")
        if str(value).lower() == "false" or value == ["false"]:
            return True
    return False


@stack_rule("AILZ-EXP-003", *S3_BUCKETS)
def buckets_tls_only(bucket: PlanResource, ix: PlanIndex, params: Params) -> Messages:
    policies = ix.referrers_via(bucket, "bucket", S3_POLICY)
    if not any(_denies_plain_http(policy_document(P.get(p.inputs, "policy"))) for p in policies):
        yield "no bucket policy denies requests with aws:SecureTransport false"


@resource_rule("AILZ-EXP-004", LAUNCH_TEMPLATE, EC2_INSTANCE)
def imdsv2(resource: PlanResource, ix: PlanIndex, params: Params) -> Messages:
    if P.get(resource.inputs, "metadataOptions", "httpEndpoint") == "disabled":
        return  # no instance metadata at all
    tokens = P.get(resource.inputs, "metadataOptions", "httpTokens")
    if tokens != "required":
        yield f"metadataOptions.httpTokens is {tokens or 'unset (IMDSv1 allowed)'}, not 'required'"
    hops = P.get(resource.inputs, "metadataOptions", "httpPutResponseHopLimit")
    if hops is not None and int(hops) > 1:
        yield f"httpPutResponseHopLimit {int(hops)} lets pods reach the node's credentials; use 1"


@resource_rule("AILZ-EXP-005", IAM_ROLE)
def permissions_boundary(resource: PlanResource, ix: PlanIndex, params: Params) -> Messages:
    if not P.present(resource.inputs, "permissionsBoundary"):
        yield "role has no permissionsBoundary"


def _ec2_role(role) -> bool:
    return "ec2.amazonaws.com" in json.dumps(P.get(role.inputs, "assumeRolePolicy") or "")


@stack_rule("AILZ-EXP-006", NODE_POOL, GKE_CLUSTER, IAM_ROLE)
def workload_identity(resource: PlanResource, ix: PlanIndex, params: Params) -> Messages:
    if resource.type == NODE_POOL:
        mode = P.get(resource.inputs, "nodeConfig", "workloadMetadataConfig", "mode")
        if mode != "GKE_METADATA":
            yield f"node pool workloadMetadataConfig.mode is {mode or 'unset'}, not GKE_METADATA"
    elif resource.type == GKE_CLUSTER:
        if not P.present(resource.inputs, "workloadIdentityConfig", "workloadPool"):
            yield "cluster has no workloadIdentityConfig.workloadPool"
    elif _ec2_role(resource):
        for attachment in ix.referrers_via(resource, "role", IAM_ATTACHMENT):
            arn = str(P.get(attachment.inputs, "policyArn") or "")
            if any(marker in arn for marker in DATA_POLICY_MARKERS):
                yield attachment, f"node role gets data access through {arn.rsplit('/', 1)[-1]}"
        for inline in ix.referrers_via(resource, "role", IAM_INLINE):
            for statement in statements(policy_document(P.get(inline.inputs, "policy"))):
                actions = [str(a) for a in _as_list(statement.get("Action") or [])]
                if statement.get("Effect") == "Allow" and any(a.startswith(("s3:", "fsx:")) for a in actions):
                    yield inline, "node role inline policy grants S3/FSx data access"


@resource_rule("AILZ-EXP-007", *POLICY_DOCUMENTS, *POLICY_ATTACHMENTS, IAM_ROLE)
def no_wildcard_admin(resource: PlanResource, ix: PlanIndex, params: Params) -> Messages:
    if resource.type == IAM_ROLE:
        for i, inline in enumerate(P.known_list(resource.inputs, "inlinePolicies")):
            for statement in statements(
                policy_document(P.get(inline, "policy")) if isinstance(inline, dict) else None
            ):
                if D.every_service(statement) and D.every_resource(statement):
                    yield f"inlinePolicies[{i}] allows every action on every resource"
        for arn in map(str, P.known_list(resource.inputs, "managedPolicyArns")):
            if arn.endswith(":policy/AdministratorAccess"):
                yield "attaches AdministratorAccess"
        return
    if resource.type in POLICY_ATTACHMENTS:
        if ix.refs(resource, "policyArn", "aws:iam/policy:Policy"):
            return  # a policy of this plan, checked as a document; its ARN is unknown at preview
        arn = str(P.get(resource.inputs, "policyArn") or "")
        if arn.endswith(":policy/AdministratorAccess"):
            yield "attaches AdministratorAccess"
        return
    raw = P.get(resource.inputs, "policy")
    document = policy_document(raw)
    if raw is not None and document is None:
        yield "policy document is not valid JSON"
    for statement in statements(document):
        # '*', '*:*', NotAction; Resource '*', an ARN pattern of every service, or NotResource
        if D.every_service(statement) and D.every_resource(statement):
            yield "policy allows every action on every resource"


@resource_rule("AILZ-EXP-008", *GCP_PROJECT_IAM)
def no_admin_roles_for_service_accounts(resource: PlanResource, ix: PlanIndex, params: Params) -> Messages:
    role = P.get(resource.inputs, "role")
    if role not in GCP_ADMIN_ROLES:
        return
    members = _as_list(P.get(resource.inputs, "member") or P.get(resource.inputs, "members") or [])
    for member in members:
        if str(member).startswith("serviceAccount:"):
            yield f"{member} is granted {role}"


@resource_rule("AILZ-EXP-009", EKS_CLUSTER, GKE_CLUSTER)
def api_not_open_to_the_internet(resource: PlanResource, ix: PlanIndex, params: Params) -> Messages:
    inputs = resource.inputs
    if resource.type == EKS_CLUSTER:
        if P.get(inputs, "vpcConfig", "endpointPublicAccess") is False:
            return
        cidrs = P.get(inputs, "vpcConfig", "publicAccessCidrs") or []
        if not cidrs:
            yield "the public API endpoint names no publicAccessCidrs, so EKS opens it to 0.0.0.0/0"
        elif INTERNET in cidrs:
            yield "publicAccessCidrs includes 0.0.0.0/0: the API endpoint answers the whole internet"
        return
    if P.get(inputs, "privateClusterConfig", "enablePrivateEndpoint") is True:
        return
    if not P.present(inputs, "masterAuthorizedNetworksConfig"):
        yield "the public API endpoint has no masterAuthorizedNetworksConfig: any address may reach it"
        return
    blocks = P.get(inputs, "masterAuthorizedNetworksConfig", "cidrBlocks") or []
    if any(P.get(block, "cidrBlock") == INTERNET for block in blocks):
        yield "masterAuthorizedNetworksConfig admits 0.0.0.0/0: the API endpoint answers the whole internet"
    if P.get(inputs, "masterAuthorizedNetworksConfig", "gcpPublicCidrsAccessEnabled") is True:
        yield "gcpPublicCidrsAccessEnabled admits every Google Cloud public IP address to the API endpoint"
