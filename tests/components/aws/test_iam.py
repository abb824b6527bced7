"""IAM: one boundary on every role, least-privilege node role, team roles scoped to their data."""

from __future__ import annotations

import json

from ailz.components.aws.iam_policies import permissions_boundary, team_access
from ailz.components.common.names import team_namespace, team_service_account
from tests.inventory import one


def statements(document: str | dict) -> list[dict]:
    doc = json.loads(document) if isinstance(document, str) else document
    return doc["Statement"]


def test_every_role_has_the_boundary(aws_plan):
    boundary = one(aws_plan, "aws:iam/policy:Policy", "aws-train-boundary")
    roles = aws_plan.of_type("aws:iam/role:Role")
    assert {r.name for r in roles} == {
        "aws-train-cluster",
        "aws-train-node",
        "aws-train-ebs-csi",
        "aws-train-team-research",
        "aws-train-team-applied",
    }
    for role in roles:
        assert role.property_dependencies["permissionsBoundary"] == [boundary.urn], role.name


def test_no_wildcard_admin_anywhere(aws_plan):
    documents = [r.inputs["policy"] for r in aws_plan.of_type("aws:iam/rolePolicy:RolePolicy")]
    documents += [r.inputs["assumeRolePolicy"] for r in aws_plan.of_type("aws:iam/role:Role")]
    for document in documents:
        for statement in statements(document):
            if statement["Effect"] == "Allow":
                actions = (
                    statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                )
                assert "*" not in actions and "iam:*" not in actions


def test_node_role_managed_policies(aws_plan):
    node = one(aws_plan, "aws:iam/role:Role", "aws-train-node")
    attached = {
        r.inputs["policyArn"].rsplit("/", 1)[-1]
        for r in aws_plan.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        if node.urn in r.property_dependencies.get("role", [])
    }
    assert attached == {
        "AmazonEKSWorkerNodePolicy",
        "AmazonEC2ContainerRegistryReadOnly",
        "AmazonEKS_CNI_Policy",
        "AmazonSSMManagedInstanceCore",
    }


def test_boundary_denies_escalation_and_other_regions():
    doc = permissions_boundary(["eu-west-1"])
    by_sid = {s["Sid"]: s for s in doc["Statement"]}
    assert "iam:CreateRole" in by_sid["DenyIdentityEscalation"]["Action"]
    assert by_sid["DenyOutsideResidency"]["Condition"] == {
        "StringNotEquals": {"aws:RequestedRegion": ["eu-west-1"]}
    }
    assert all(a.endswith(":*") and a != "iam:*" for a in by_sid["AllowLandingZoneServices"]["Action"])


def test_team_roles_bound_by_pod_identity(aws_plan):
    associations = {
        r.name: r for r in aws_plan.of_type("aws:eks/podIdentityAssociation:PodIdentityAssociation")
    }
    assert set(associations) == {"aws-train-team-research", "aws-train-team-applied"}
    for team in ("research", "applied"):
        assoc = associations[f"aws-train-team-{team}"]
        role = one(aws_plan, "aws:iam/role:Role", f"aws-train-team-{team}")
        assert assoc.inputs["namespace"] == team_namespace(team)
        assert assoc.inputs["serviceAccount"] == team_service_account(team)
        assert assoc.property_dependencies["roleArn"] == [role.urn]
        # the team's role is the team's: its costs and ownership carry the team, like its association
        assert role.inputs["tags"]["team"] == assoc.inputs["tags"]["team"] == team
        trust = statements(role.inputs["assumeRolePolicy"])[0]
        assert trust["Principal"] == {"Service": ["pods.eks.amazonaws.com"]}
        assert trust["Action"] == ["sts:AssumeRole", "sts:TagSession"]


def test_team_policy_reaches_only_its_prefix(aws_plan):
    policy = one(aws_plan, "aws:iam/rolePolicy:RolePolicy", "aws-train-team-research-data")
    by_sid = {s["Sid"]: s for s in statements(policy.inputs["policy"])}
    objects = by_sid["ReadWriteOwnPrefix"]["Resource"]
    assert objects and all(arn.endswith("/research/*") for arn in objects)
    assert by_sid["ListOwnPrefix"]["Condition"] == {"StringLike": {"s3:prefix": ["research/*", "research"]}}
    # the storage key by its alias: known at preview, where the gate reads the policy
    key = by_sid["UseStorageKey"]
    assert key["Resource"] == "arn:aws:kms:eu-west-1:111111111111:key/*"
    assert key["Condition"] == {
        "ForAnyValue:StringEquals": {"kms:ResourceAliases": "alias/ailz/acme-ai/aws-train/storage"}
    }
    assert all(arn.startswith("arn:aws:s3:::") for arn in by_sid["ListOwnPrefix"]["Resource"])


def test_policies_ailz_writes_are_known_before_apply(aws_plan):
    # built from names, aliases and the account: nothing in them waits for another resource
    for type_token in ("aws:iam/rolePolicy:RolePolicy", "aws:s3/bucketPolicy:BucketPolicy"):
        for resource in aws_plan.of_type(type_token):
            assert (
                "policy" not in resource.property_dependencies or not resource.property_dependencies["policy"]
            ), resource.name


def test_team_access_document():
    doc = team_access("t", ["arn:aws:s3:::a", "arn:aws:s3:::b"], {"Resource": "arn:aws:kms:r:1:key/k"})
    resources = [
        r
        for s in doc["Statement"]
        for r in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])
    ]
    assert "*" not in resources


def test_policies_that_name_a_key_by_alias_wait_for_the_alias(aws_plan):
    aliases = {r.urn for r in aws_plan.of_type("aws:kms/alias:Alias")}
    for name in ("aws-train-team-research-data", "aws-train-ebs-csi-kms"):
        policy = one(aws_plan, "aws:iam/rolePolicy:RolePolicy", name)
        assert aliases & set(policy.dependencies), name
