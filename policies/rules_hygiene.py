"""Hygiene of what a landing zone deploys: logging, resilience, IAM escalation, open firewalls,
legacy node settings, cost tags on launched instances. Each rule claims one defect a reviewer would
otherwise have to spot by eye."""

from __future__ import annotations

import ipaddress

from ailz.components.common.labels import COST_KEYS
from ailz.policies import iam_documents as D
from ailz.policies import props as P
from ailz.policies.index import PlanIndex
from ailz.policies.registry import Messages, Params, resource_rule, stack_rule
from ailz.policies.rules_capacity import is_gpu_pool
from ailz.policies.rules_exposure import (
    EKS_CLUSTER,
    GKE_CLUSTER,
    IAM_ROLE,
    LAUNCH_TEMPLATE,
    NODE_POOL,
    POLICY_ATTACHMENTS,
    POLICY_DOCUMENTS,
    iam_grants,
)
from ailz.stacks.plan import PlanResource

KMS_KEY = "aws:kms/key:Key"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
SG_RULES = (
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    "aws:ec2/securityGroupRule:SecurityGroupRule",
)
FIREWALL = "gcp:compute/firewall:Firewall"
SUBNET = "aws:ec2/subnet:Subnet"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
S3_BUCKETS = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
S3_VERSIONING = ("aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2")
GCS_BUCKET = "gcp:storage/bucket:Bucket"
GCP_PROJECT_IAM = (
    "gcp:projects/iAMMember:IAMMember",
    "gcp:projects/iAMBinding:IAMBinding",
    "gcp:projects/iAMPolicy:IAMPolicy",
    "gcp:organizations/iAMMember:IAMMember",
    "gcp:organizations/iAMBinding:IAMBinding",
    "gcp:organizations/iAMPolicy:IAMPolicy",
    "gcp:folder/iAMMember:IAMMember",
    "gcp:folder/iAMBinding:IAMBinding",
    "gcp:serviceaccount/iAMMember:IAMMember",
    "gcp:serviceaccount/iAMBinding:IAMBinding",
)
WORLD = ("0.0.0.0/0", "::/0")
# IAM actions that let a principal raise its own permissions (write or attach any policy, mint
# credentials for other users), so no workload or node role may hold them
ESCALATION = frozenset(
    {
        "iam:*",
        "iam:createpolicyversion",
        "iam:setdefaultpolicyversion",
        "iam:attachrolepolicy",
        "iam:putrolepolicy",
        "iam:attachuserpolicy",
        "iam:putuserpolicy",
        "iam:updateassumerolepolicy",
        "iam:createaccesskey",
        "iam:attachgrouppolicy",
        "iam:putgrouppolicy",
        "iam:addusertogroup",
        "iam:createloginprofile",
        "iam:updateloginprofile",
        "iam:deleterolepermissionsboundary",
        "iam:deleteuserpermissionsboundary",
        "iam:putrolepermissionsboundary",
    }
)


# --- logging ------------------------------------------------------------------------------------


@resource_rule("AILZ-LOG-001", EKS_CLUSTER, GKE_CLUSTER)
def control_plane_audit_logs(resource: PlanResource, ix: PlanIndex, params: Params) -> Messages:
    if resource.type == EKS_CLUSTER:
        enabled = {str(t) for t in P.known_list(resource.inputs, "enabledClusterLogTypes")}
        missing = [t for t in ("audit", "authenticator") if t not in enabled]
        if missing:
            yield f"control-plane logs {', '.join(missing)} are off (enabledClusterLogTypes)"
        return
    if P.get(resource.inputs, "loggingService") == "none":
        yield "loggingService is 'none': no control-plane or system logs"
    components = P.get(resource.inputs, "loggingConfig", "enableComponents")
    if isinstance(components, list) and "SYSTEM_COMPONENTS" not in components:
        yield "loggingConfig.enableComponents leaves out SYSTEM_COMPONENTS"


@resource_rule("AILZ-LOG-002", LOG_GROUP)
def log_groups_encrypted(resource: PlanResource, ix: PlanIndex, params: Params) -> Messages:
    if not P.customer_key(resource.inputs, "kmsKeyId"):
        yield "log group is not encrypted with a customer-managed key (kmsKeyId)"
    retention = P.get(resource.inputs, "retentionInDays")
    if retention is None or int(retention) == 0:
        yield "log group keeps logs forever (no retentionInDays); set a retention"


# --- encryption ---------------------------------------------------------------------------------


@resource_rule("AILZ-ENC-007", KMS_KEY)
def key_policy_not_open(resource: PlanResource, ix: PlanIndex, params: Params) -> Messages:
    for statement in D.statements(D.document(P.get(resource.inputs, "policy"))):
        if not D.allows(statement) or D.restricted_to_principals(statement):
            continue
        if "*" in D.principals(statement):
            yield "key policy allows Principal '*' without a condition on the caller: anyone may use the key"


# --- network ------------------------------------------------------------------------------------


def _world(cidr) -> bool:
    """0.0.0.0/0 in any spelling, and ranges so wide they are the internet (/0, /1: 0.0.0.0/1 and
    128.0.0.0/1 together)."""
    try:
        return ipaddress.ip_network(str(cidr), strict=False).prefixlen <= 1
    except ValueError:
        return False


def _ports_hit(low, high, protocol, sensitive: list[int]) -> list[int]:
    if str(protocol).lower() in ("-1", "all"):
        return sensitive
    if str(protocol).lower() not in ("tcp", "6"):
        return []
    try:
        lo, hi = int(low), int(high)
    except (TypeError, ValueError):
        return sensitive
    if lo == 0 and hi in (0, 65535):
        return sensitive
    return [p for p in sensitive if lo <= p <= hi]


@resource_rule("AILZ-NET-001", SECURITY_GROUP, *SG_RULES, FIREWALL)
def nothing_open_to_the_world(resource: PlanResource, ix: PlanIndex, params: Params) -> Messages:
    sensitive = list(params["ports"])
    if resource.type == FIREWALL:
        if str(P.get(resource.inputs, "direction") or "INGRESS") != "INGRESS":
            return
        sources = P.known_list(resource.inputs, "sourceRanges")
        # no source at all (ranges, tags, service accounts) is 0.0.0.0/0 to GCP
        tagged = P.known_list(resource.inputs, "sourceTags") or P.known_list(
            resource.inputs, "sourceServiceAccounts"
        )
        if not ((not sources and not tagged) or any(_world(r) for r in sources)):
            return
        for allow in P.known_list(resource.inputs, "allows"):
            protocol = str(P.get(allow, "protocol") or "").lower()
            ports = [str(p) for p in P.known_list(allow, "ports")]
            if protocol == "all" or (protocol in ("tcp", "6") and not ports):
                yield "firewall admits 0.0.0.0/0 on every port"
                continue
            for spec in ports:
                low, _, high = spec.partition("-")
                hit = _ports_hit(low, high or low, protocol, sensitive)
                if hit:
                    yield f"firewall admits 0.0.0.0/0 to port(s) {', '.join(map(str, hit))}"
        return
    if resource.type == SECURITY_GROUP:
        rules = [r for r in P.known_list(resource.inputs, "ingress") if isinstance(r, dict)]
        for rule in rules:
            cidrs = D.as_list(P.get(rule, "cidrBlocks") or []) + D.as_list(
                P.get(rule, "ipv6CidrBlocks") or []
            )
            if any(_world(c) for c in cidrs if c):
                hit = _ports_hit(
                    P.get(rule, "fromPort"), P.get(rule, "toPort"), P.get(rule, "protocol"), sensitive
                )
                if hit:
                    yield f"security group admits 0.0.0.0/0 to port(s) {', '.join(map(str, hit))}"
        return
    inputs = resource.inputs
    if resource.type.endswith(":SecurityGroupRule") and P.get(inputs, "type") != "ingress":
        return
    cidrs = [
        P.get(inputs, "cidrIpv4"),
        P.get(inputs, "cidrIpv6"),
        *D.as_list(P.get(inputs, "cidrBlocks") or []),
        *D.as_list(P.get(inputs, "ipv6CidrBlocks") or []),
    ]
    if any(_world(c) for c in cidrs if c):
        protocol = P.get(inputs, "ipProtocol") or P.get(inputs, "protocol")
        hit = _ports_hit(P.get(inputs, "fromPort"), P.get(inputs, "toPort"), protocol, sensitive)
        if hit:
            yield f"security group rule admits 0.0.0.0/0 to port(s) {', '.join(map(str, hit))}"


@stack_rule("AILZ-NET-002", SUBNET)
def gpu_subnets_private(subnet: PlanResource, ix: PlanIndex, params: Params) -> Messages:
    if not P.truthy(P.get(subnet.inputs, "mapPublicIpOnLaunch")):
        return
    for group in ix.referrers(subnet, NODE_GROUP):
        if subnet.urn in group.property_dependencies.get("subnetIds", []) and is_gpu_pool(group, ix):
            yield f"subnet hands public IPs to the GPU nodes of {group.name} (mapPublicIpOnLaunch)"
            return


# --- nodes --------------------------------------------------------------------------------------


@resource_rule("AILZ-EXP-010", NODE_POOL, GKE_CLUSTER)
def no_legacy_node_settings(resource: PlanResource, ix: PlanIndex, params: Params) -> Messages:
    if resource.type == GKE_CLUSTER:
        if P.truthy(P.get(resource.inputs, "enableLegacyAbac")):
            yield "legacy ABAC authorizes requests outside RBAC (enableLegacyAbac)"
        config = P.get(resource.inputs, "nodeConfig") or {}
    else:
        config = P.get(resource.inputs, "nodeConfig") or {}
    metadata = P.get(config, "metadata") or {}
    if str(metadata.get("disable-legacy-endpoints", "true")).lower() == "false":
        yield "legacy metadata endpoints are on (disable-legacy-endpoints: false)"
    shielded = P.get(config, "shieldedInstanceConfig")
    if resource.type == NODE_POOL and (
        not isinstance(shielded, dict) or not P.truthy(shielded.get("enableSecureBoot"))
    ):
        yield "nodes boot without Secure Boot (shieldedInstanceConfig.enableSecureBoot)"


# --- identity -----------------------------------------------------------------------------------


@resource_rule("AILZ-IAM-001", *POLICY_DOCUMENTS, IAM_ROLE)
def no_privilege_escalation(resource: PlanResource, ix: PlanIndex, params: Params) -> Messages:
    for where, doc in _documents(resource, ix):
        for statement in D.statements(doc):
            if not D.allows(statement):
                continue
            if statement.get("NotAction") is not None and D.every_resource(statement):
                yield f"{where}: an Allow with NotAction grants everything but the listed actions"
                continue
            escalating = sorted(a for a in ESCALATION if D.grants(statement, a))
            if escalating:
                yield f"{where}: allows {', '.join(escalating)}: a path from this role to administrator"
            passes = D.grants(statement, "iam:passrole")
            roles = [str(r) for r in D.as_list(statement.get("Resource") or [])]
            if passes and (D.every_resource(statement) or any(r.endswith((":role/*", ":*")) for r in roles)):
                yield f"{where}: allows iam:PassRole on every role"


def _documents(resource: PlanResource, ix: PlanIndex) -> list[tuple[str, dict]]:
    """The policy documents a resource grants: its own policy (unless it is only ever a permissions
    boundary, a ceiling that grants nothing) or a role's inline policies."""
    if resource.type == IAM_ROLE:
        return [
            (f"inlinePolicies[{i}]", doc)
            for i, inline in enumerate(P.known_list(resource.inputs, "inlinePolicies"))
            if isinstance(inline, dict) and (doc := D.document(P.get(inline, "policy")))
        ]
    boundary = ix.referrers_via(resource, "permissionsBoundary", IAM_ROLE)
    attached = [r for t in POLICY_ATTACHMENTS for r in ix.referrers_via(resource, "policyArn", t)]
    if boundary and not attached:
        return []
    doc = D.document(P.get(resource.inputs, "policy"))
    return [("policy", doc)] if doc else []


@resource_rule("AILZ-IAM-002", IAM_ROLE)
def trust_not_open(resource: PlanResource, ix: PlanIndex, params: Params) -> Messages:
    for statement in D.statements(D.document(P.get(resource.inputs, "assumeRolePolicy"))):
        if not D.allows(statement):
            continue
        if "*" in D.principals(statement) and not D.restricted_to_principals(statement):
            yield "trust policy lets any principal ('*') assume the role"
        federated = (
            (statement.get("Principal") or {}).get("Federated")
            if isinstance(statement.get("Principal"), dict)
            else None
        )
        web = any("assumerolewithwebidentity" in a for a in D.action_patterns(statement))
        if federated and web and not D.restricted_to_principals(statement):
            yield "web identity trust names no subject (a `...:sub` condition without wildcards)"


@resource_rule("AILZ-IAM-003", *POLICY_ATTACHMENTS, IAM_ROLE)
def no_broad_managed_policies(resource: PlanResource, ix: PlanIndex, params: Params) -> Messages:
    if resource.type != IAM_ROLE and ix.refs(resource, "policyArn", "aws:iam/policy:Policy"):
        return  # a policy of this plan, not an AWS managed one
    arns = (
        [str(a) for a in P.known_list(resource.inputs, "managedPolicyArns")]
        if resource.type == IAM_ROLE
        else [str(P.get(resource.inputs, "policyArn") or "")]
    )
    for arn in arns:
        name = arn.rsplit("/", 1)[-1]
        if name in params["broad_policies"]:
            yield f"attaches the broad managed policy {name}"


@resource_rule("AILZ-IAM-004", *GCP_PROJECT_IAM)
def no_owner_for_outsiders(resource: PlanResource, ix: PlanIndex, params: Params) -> Messages:
    allowed = [d.lower() for d in params["allowed_domains"]]
    on_account = resource.type.startswith("gcp:serviceaccount/")
    for role, member in iam_grants(resource.inputs):
        kind, _, who = member.partition(":")
        if member in ("allUsers", "allAuthenticatedUsers") and (on_account or role in params["owner_roles"]):
            yield f"{role} granted to {member}"
        elif role in params["owner_roles"] and kind in ("user", "group", "domain"):
            domain = who.rsplit("@", 1)[-1].lower()
            if domain in params["consumer_domains"] or (allowed and domain not in allowed):
                yield f"{role} granted to {member}, outside the organisation's domains"


# --- resilience ---------------------------------------------------------------------------------


@stack_rule("AILZ-RSL-001", *S3_BUCKETS, *S3_VERSIONING, GCS_BUCKET)
def buckets_keep_versions(resource: PlanResource, ix: PlanIndex, params: Params) -> Messages:
    if resource.type in S3_VERSIONING:
        status = P.get(resource.inputs, "versioningConfiguration", "status")
        if status != "Enabled":
            yield f"bucket versioning is {status}: an overwritten or deleted checkpoint is gone"
        return
    if P.truthy(P.get(resource.inputs, "forceDestroy")):
        yield "forceDestroy deletes every object with the bucket"
    if resource.type == GCS_BUCKET:
        if not P.truthy(P.get(resource.inputs, "versioning", "enabled")):
            yield "object versioning is off: an overwritten or deleted checkpoint is gone"
        return
    inline = P.get(resource.inputs, "versioning", "enabled")
    separate = [v for t in S3_VERSIONING for v in ix.referrers_via(resource, "bucket", t)]
    if not separate and not P.truthy(inline):
        yield "bucket has no versioning configuration: an overwritten or deleted checkpoint is gone"


@resource_rule(
    "AILZ-RSL-002", GKE_CLUSTER, "gcp:lustre/instance:Instance", "aws:fsx/lustreFileSystem:LustreFileSystem"
)
def deletion_protection(resource: PlanResource, ix: PlanIndex, params: Params) -> Messages:
    if resource.type == GKE_CLUSTER:
        if P.get(resource.inputs, "deletionProtection") is False:
            yield "deletionProtection is off: one destroy removes the cluster"
        return
    if (
        resource.type.startswith("aws:fsx")
        and P.truthy(P.get(resource.inputs, "skipFinalBackup"))
        and int(P.get(resource.inputs, "automaticBackupRetentionDays") or 0) > 0
    ):
        yield "backups are on but skipFinalBackup drops the last one on delete"


# --- cost ---------------------------------------------------------------------------------------


@resource_rule("AILZ-CAP-005", LAUNCH_TEMPLATE)
def launched_resources_carry_cost_tags(resource: PlanResource, ix: PlanIndex, params: Params) -> Messages:
    specs = {
        str(P.get(s, "resourceType")): (P.get(s, "tags") or {})
        for s in P.known_list(resource.inputs, "tagSpecifications")
    }
    for kind in ("instance", "volume"):
        tags = specs.get(kind)
        if tags is None:
            yield f"instances launched from it carry no tags on their {kind}s (tagSpecifications)"
            continue
        missing = [k for k in COST_KEYS if k not in tags]
        if missing:
            yield f"{kind} tags lack cost keys {', '.join(missing)} (tagSpecifications)"
