"""The EC2 Auto Scaling service-linked role, which the storage key's policy names.

KMS refuses a key policy naming a principal that does not exist (CreateKey, MalformedPolicyDocument),
and a new account has no Auto Scaling service-linked role until its first Auto Scaling group. So the
role is listed at deploy time and created when missing; it is kept when the stack lets go of it
(the account's Auto Scaling depends on it, not only this zone).
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from ailz.components.aws.iam_policies import AUTOSCALING_ROLE, AUTOSCALING_ROLE_PATH, AUTOSCALING_SERVICE


def role_exists(name: str, path: str, opts: pulumi.InvokeOptions) -> bool:
    """Does the account have the IAM role? Listed by path, so a missing role is an empty answer
    (a lookup by name fails with "couldn't find resource"), and any other failure stops the deploy."""
    return name in aws.iam.get_roles(path_prefix=path, opts=opts).names


def autoscaling_service_role(
    name: str, invoke: pulumi.InvokeOptions, opts: pulumi.ResourceOptions
) -> aws.iam.ServiceLinkedRole | None:
    """The role when this deploy has to create it (the key then waits for it), else None."""
    if role_exists(AUTOSCALING_ROLE, AUTOSCALING_ROLE_PATH, invoke):
        return None
    return aws.iam.ServiceLinkedRole(
        name,
        aws_service_name=AUTOSCALING_SERVICE,
        description="EC2 Auto Scaling: launches the node groups' encrypted volumes",
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(retain_on_delete=True)),
    )
