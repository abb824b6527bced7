"""Policy documents that decide whether nodes launch and pods get credentials."""

from __future__ import annotations

from ailz.components.aws.iam_policies import BOUNDARY_SERVICES, key_policy, permissions_boundary


def _allowed_actions(document: dict) -> set[str]:
    actions: set[str] = set()
    for statement in document["Statement"]:
        if statement["Effect"] == "Allow":
            value = statement["Action"]
            actions |= set(value if isinstance(value, list) else [value])
    return actions


def test_boundary_lets_the_pod_identity_agent_fetch_credentials():
    # the agent runs with the node role and calls eks-auth:AssumeRoleForPodIdentity
    assert "eks-auth" in BOUNDARY_SERVICES
    actions = _allowed_actions(permissions_boundary(["eu-west-1"]))
    assert any(a in ("eks-auth:*", "eks-auth:AssumeRoleForPodIdentity", "*") for a in actions)


def test_storage_key_lets_auto_scaling_launch_encrypted_root_volumes():
    policy = key_policy("storage", "111111111111", "aws", "eu-west-1")
    role = (
        "arn:aws:iam::111111111111:role/aws-service-role/autoscaling.amazonaws.com/"
        "AWSServiceRoleForAutoScaling"
    )
    mine = [s for s in policy["Statement"] if s.get("Principal", {}).get("AWS") == role]
    actions = {a for s in mine for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])}
    assert {"kms:Decrypt", "kms:GenerateDataKey*", "kms:CreateGrant"} <= actions
    grant = next(s for s in mine if s["Action"] == "kms:CreateGrant")
    assert grant["Condition"] == {"Bool": {"kms:GrantIsForAWSResource": "true"}}


def test_only_the_storage_key_serves_auto_scaling():
    for data_class in ("secrets", "logs"):
        policy = key_policy(data_class, "111111111111", "aws", "eu-west-1")
        assert not any("AutoScaling" in s.get("Sid", "") for s in policy["Statement"])


def test_the_boundary_leaves_the_cluster_role_its_load_balancer_service_linked_role():
    from ailz.components.aws.iam_policies import permissions_boundary

    by_sid = {s["Sid"]: s for s in permissions_boundary(["eu-west-1"])["Statement"]}
    slr = by_sid["AllowLoadBalancingServiceLinkedRole"]
    assert slr["Action"] == "iam:CreateServiceLinkedRole"
    assert slr["Condition"] == {"StringEquals": {"iam:AWSServiceName": "elasticloadbalancing.amazonaws.com"}}
    # and nothing else in IAM: creating roles stays denied
    assert "iam:CreateRole" in by_sid["DenyIdentityEscalation"]["Action"]
