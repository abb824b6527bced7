"""IAM and resource policy documents ailz attaches: pure dicts, tested without Pulumi."""

from __future__ import annotations

from typing import Any

Document = dict[str, Any]
VERSION = "2012-10-17"
# What a principal needs to encrypt and decrypt with a KMS key (not administer it).
KEY_USE_ACTIONS = ("kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey")

# Services the roles ailz creates may use at all; the boundary caps every role to these.
BOUNDARY_SERVICES = (
    "ec2",
    "eks",
    "ecr",
    "s3",
    "kms",
    "fsx",
    "logs",
    "cloudwatch",
    "ssm",
    "ssmmessages",
    "ec2messages",
    "elasticloadbalancing",
    "autoscaling",
    "sts",
    "eks-auth",  # eks-auth:AssumeRoleForPodIdentity: the Pod Identity agent runs with the node role
)
# Actions no ailz role may take, whatever policy is attached to it: no identity escalation.
BOUNDARY_DENIED = (
    "iam:CreateUser",
    "iam:CreateAccessKey",
    "iam:CreateRole",
    "iam:AttachRolePolicy",
    "iam:PutRolePolicy",
    "iam:PutRolePermissionsBoundary",
    "iam:DeleteRolePermissionsBoundary",
    "iam:UpdateAssumeRolePolicy",
    # ailz's roles reach its own KMS keys by alias (kms:ResourceAliases): whoever repoints an alias
    # changes which key they may use (AWS KMS guide, Use aliases to control access to KMS keys)
    "kms:CreateAlias",
    "kms:UpdateAlias",
    "kms:DeleteAlias",
    "organizations:*",
    "account:*",
)
# Global services whose calls carry no regional endpoint; exempt from the region guard.
GLOBAL_ACTIONS = ("iam:*", "sts:*", "organizations:*", "support:*")

# The EC2 Auto Scaling service-linked role: its name and IAM path (IAM user guide, "Using
# service-linked roles"; EC2 Auto Scaling user guide, "Service-linked roles for Amazon EC2 Auto Scaling").
AUTOSCALING_SERVICE = "autoscaling.amazonaws.com"
AUTOSCALING_ROLE = "AWSServiceRoleForAutoScaling"
AUTOSCALING_ROLE_PATH = f"/aws-service-role/{AUTOSCALING_SERVICE}/"

CLUSTER_ADMIN_POLICY = "arn:{partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"


def managed_policy(partition: str, name: str) -> str:
    return f"arn:{partition}:iam::aws:policy/{name}"


def permissions_boundary(allowed_regions: list[str]) -> Document:
    """The boundary on every ailz role: listed services only, no escalation, residency regions."""
    return {
        "Version": VERSION,
        "Statement": [
            {
                "Sid": "AllowLandingZoneServices",
                "Effect": "Allow",
                "Action": [f"{service}:*" for service in BOUNDARY_SERVICES],
                "Resource": "*",
            },
            {
                "Sid": "AllowPassRoleToEks",
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": "*",
                "Condition": {
                    "StringEquals": {"iam:PassedToService": ["eks.amazonaws.com", "ec2.amazonaws.com"]}
                },
            },
            {
                # AmazonEKSClusterPolicy lets the cluster role create the Elastic Load Balancing
                # service-linked role (for Service load balancers); the boundary must not take it away
                "Sid": "AllowLoadBalancingServiceLinkedRole",
                "Effect": "Allow",
                "Action": "iam:CreateServiceLinkedRole",
                "Resource": "*",
                "Condition": {"StringEquals": {"iam:AWSServiceName": "elasticloadbalancing.amazonaws.com"}},
            },
            {
                "Sid": "DenyIdentityEscalation",
                "Effect": "Deny",
                "Action": list(BOUNDARY_DENIED),
                "Resource": "*",
            },
            {
                "Sid": "DenyOutsideResidency",
                "Effect": "Deny",
                "NotAction": list(GLOBAL_ACTIONS),
                "Resource": "*",
                "Condition": {"StringNotEquals": {"aws:RequestedRegion": list(allowed_regions)}},
            },
        ],
    }


def service_trust(*services: str, tag_session: bool = False) -> Document:
    actions = ["sts:AssumeRole", "sts:TagSession"] if tag_session else "sts:AssumeRole"
    return {
        "Version": VERSION,
        "Statement": [{"Effect": "Allow", "Principal": {"Service": list(services)}, "Action": actions}],
    }


def pod_identity_trust() -> Document:
    """Trust for EKS Pod Identity: the agent assumes the role and tags the session."""
    return service_trust("pods.eks.amazonaws.com", tag_session=True)


# The Resource (and Condition) of a statement on one KMS key. A key ailz creates is named by its
# alias (kms:ResourceAliases): its ARN exists only after apply, and a policy naming it would be
# unknown at preview, where the gate must read it. An alias cannot be the Resource itself (AWS KMS
# developer guide: Use aliases to control access to KMS keys; Specifying KMS keys in IAM policies).
KeyScope = dict[str, Any]


def key_by_arn(arn: str) -> KeyScope:
    return {"Resource": arn}


def key_by_alias(alias: str, account: str, partition: str, region: str) -> KeyScope:
    return {
        "Resource": f"arn:{partition}:kms:{region}:{account}:key/*",
        "Condition": {"ForAnyValue:StringEquals": {"kms:ResourceAliases": alias}},
    }


def s3_bucket_arn(partition: str, bucket: str) -> str:
    """A bucket's ARN from its name: known before the bucket exists."""
    return f"arn:{partition}:s3:::{bucket}"


def team_access(team: str, bucket_arns: list[str], key: KeyScope) -> Document:
    """A team reads and writes its own prefix (<team>/) of each zone bucket, with the storage key."""
    return {
        "Version": VERSION,
        "Statement": [
            {
                "Sid": "ListOwnPrefix",
                "Effect": "Allow",
                "Action": "s3:ListBucket",
                "Resource": list(bucket_arns),
                "Condition": {"StringLike": {"s3:prefix": [f"{team}/*", team]}},
            },
            {
                "Sid": "ReadWriteOwnPrefix",
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
                "Resource": [f"{arn}/{team}/*" for arn in bucket_arns],
            },
            {
                "Sid": "UseStorageKey",
                "Effect": "Allow",
                "Action": ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
                **key,
            },
        ],
    }


def ebs_csi_key_access(key: KeyScope) -> Document:
    """EBS CSI driver: create volumes encrypted with the storage key."""
    return {
        "Version": VERSION,
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
                "Resource": key["Resource"],
                "Condition": {**key.get("Condition", {}), "Bool": {"kms:GrantIsForAWSResource": "true"}},
            },
            {"Effect": "Allow", "Action": list(KEY_USE_ACTIONS), **key},
        ],
    }


# FSx for Lustre's service-linked role for one file system's data repositories (FSx for Lustre
# guide, "Using service-linked roles for Amazon FSx"): AWSServiceRoleForFSxS3Access_<fs id>.
FSX_S3_ROLE = (
    "arn:{partition}:iam::{account}:role/aws-service-role/s3.data-source.lustre.fsx.amazonaws.com/"
    "AWSServiceRoleForFSxS3Access_*"
)


def key_policy(data_class: str, account: str, partition: str, region: str) -> Document:
    """Key policy: the account administers the key through IAM; services use it where needed."""
    statements: list[dict[str, Any]] = [
        {
            "Sid": "AccountAdministersThroughIam",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:{partition}:iam::{account}:root"},
            "Action": "kms:*",
            "Resource": "*",
        }
    ]
    if data_class == "logs":
        statements += [
            {
                "Sid": "CloudWatchLogs",
                "Effect": "Allow",
                "Principal": {"Service": f"logs.{region}.amazonaws.com"},
                "Action": [
                    "kms:Encrypt*",
                    "kms:Decrypt*",
                    "kms:ReEncrypt*",
                    "kms:GenerateDataKey*",
                    "kms:Describe*",
                ],
                "Resource": "*",
                "Condition": {
                    "ArnLike": {
                        "kms:EncryptionContext:aws:logs:arn": f"arn:{partition}:logs:{region}:{account}:*"
                    }
                },
            },
            {
                "Sid": "VpcFlowLogDelivery",
                "Effect": "Allow",
                "Principal": {"Service": "delivery.logs.amazonaws.com"},
                "Action": list(KEY_USE_ACTIONS),
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:SourceAccount": account}},
            },
        ]
    if data_class == "storage":
        # Node groups launch through the Auto Scaling service-linked role, which must be able to use
        # the key of the encrypted root volumes (EC2 Auto Scaling guide: "Required AWS KMS key policy
        # for use with encrypted volumes").
        autoscaling = f"arn:{partition}:iam::{account}:role{AUTOSCALING_ROLE_PATH}{AUTOSCALING_ROLE}"
        statements += [
            {
                "Sid": "AutoScalingUsesKeyForEncryptedVolumes",
                "Effect": "Allow",
                "Principal": {"AWS": autoscaling},
                "Action": list(KEY_USE_ACTIONS),
                "Resource": "*",
            },
            {
                "Sid": "AutoScalingGrantsForAttachedVolumes",
                "Effect": "Allow",
                "Principal": {"AWS": autoscaling},
                "Action": "kms:CreateGrant",
                "Resource": "*",
                "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}},
            },
        ]
        # FSx reads and writes the linked datasets bucket as its per-file-system service-linked
        # role, through S3 (FSx for Lustre guide, "Working with server-side encrypted Amazon S3
        # buckets"); its name carries the file system id, so it is matched by pattern. Every other
        # principal of the account uses the key through IAM (the first statement).
        statements.append(
            {
                "Sid": "FsxDataRepositoryThroughS3",
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": list(KEY_USE_ACTIONS),
                "Resource": "*",
                "Condition": {
                    "StringEquals": {
                        "kms:CallerAccount": account,
                        "kms:ViaService": f"s3.{region}.amazonaws.com",
                    },
                    "ArnLike": {"aws:PrincipalArn": FSX_S3_ROLE.format(partition=partition, account=account)},
                },
            }
        )
    return {"Version": VERSION, "Statement": statements}


def tls_only_bucket_policy(bucket_arn: str, extra: list[dict[str, Any]] | None = None) -> Document:
    """Refuse every request to the bucket that does not use TLS."""
    return {
        "Version": VERSION,
        "Statement": [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [bucket_arn, f"{bucket_arn}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
            *(extra or []),
        ],
    }


def flow_log_delivery(bucket_arn: str, account: str) -> list[dict[str, Any]]:
    """Statements that let VPC Flow Logs write into the log bucket."""
    return [
        {
            "Sid": "FlowLogsWrite",
            "Effect": "Allow",
            "Principal": {"Service": "delivery.logs.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": f"{bucket_arn}/AWSLogs/{account}/*",
            "Condition": {
                "StringEquals": {"aws:SourceAccount": account, "s3:x-amz-acl": "bucket-owner-full-control"}
            },
        },
        {
            "Sid": "FlowLogsAclCheck",
            "Effect": "Allow",
            "Principal": {"Service": "delivery.logs.amazonaws.com"},
            "Action": ["s3:GetBucketAcl", "s3:ListBucket"],
            "Resource": bucket_arn,
            "Condition": {"StringEquals": {"aws:SourceAccount": account}},
        },
    ]


def s3_endpoint_policy(account: str, region: str, partition: str, aws_owned_objects: list[str]) -> Document:
    """The S3 gateway endpoint of a VPC without internet egress: the account's own buckets, and
    reads of the AWS-owned objects nodes need (ECR image layers), nothing else. Otherwise the
    endpoint would be a path to copy data to any bucket in the region."""
    return {
        "Version": VERSION,
        "Statement": [
            {
                "Sid": "OwnAccountBuckets",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:ResourceAccount": account}},
            },
            {
                "Sid": "AwsOwnedObjects",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": [
                    arn.format(region=region).replace("arn:aws:", f"arn:{partition}:", 1)
                    for arn in aws_owned_objects
                ],
            },
        ],
    }
