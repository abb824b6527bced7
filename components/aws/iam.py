"""The IAM every zone needs: a permissions boundary and the EKS cluster and node roles."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from ailz.components.aws.iam_policies import managed_policy, permissions_boundary, service_trust
from ailz.components.aws.names import role_name
from ailz.components.common.base import AilzComponent
from ailz.components.common.labels import aws_tags

CLUSTER_POLICIES = ("AmazonEKSClusterPolicy",)
# Only what a managed node needs: join the cluster, pull images, let the VPC CNI manage ENIs,
# and be reachable through Session Manager instead of SSH.
NODE_POLICIES = (
    "AmazonEKSWorkerNodePolicy",
    "AmazonEC2ContainerRegistryReadOnly",
    "AmazonEKS_CNI_Policy",
    "AmazonSSMManagedInstanceCore",
)


class IamBaseline(AilzComponent):
    """The boundary and the cluster and node roles; role() makes every other role ailz needs
    (team and add-on roles) with the same boundary."""

    def __init__(
        self,
        name: str,
        spec_path: str,
        *,
        zone: str,
        target: str,
        allowed_regions: list[str],
        partition: str,
        tags: dict[str, str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("aws", "IamBaseline", name, spec_path, opts)
        self.zone, self.target, self.partition, self.tags = zone, target, partition, tags
        self.boundary = aws.iam.Policy(
            f"{target}-boundary",
            name=f"ailz-{zone}-{target}-boundary",
            description="Permissions boundary for every role ailz creates in this zone",
            policy=json.dumps(permissions_boundary(allowed_regions)),
            tags=aws_tags(tags),
            opts=self.child(),
        )
        self.cluster_role = self.role("cluster", service_trust("eks.amazonaws.com"), CLUSTER_POLICIES)
        self.node_role = self.role("node", service_trust("ec2.amazonaws.com"), NODE_POLICIES)
        self.register_outputs({"boundaryArn": self.boundary.arn})

    def role(
        self,
        purpose: str,
        trust: dict,
        managed: tuple[str, ...] = (),
        parent: pulumi.Resource | None = None,
        aliases: list[pulumi.Alias] | None = None,
        tags: dict[str, str] | None = None,
    ) -> aws.iam.Role:
        """A role with the zone's boundary and the named AWS managed policies; `tags` when the role
        is someone's (a team's), else the zone's."""
        name = f"{self.target}-{purpose}"
        opts = pulumi.ResourceOptions(parent=parent or self, aliases=aliases)
        role = aws.iam.Role(
            name,
            name=role_name(self.zone, self.target, purpose),
            assume_role_policy=json.dumps(trust),
            permissions_boundary=self.boundary.arn,
            max_session_duration=3600,
            tags=aws_tags({**(tags or self.tags), "purpose": purpose}),
            opts=opts,
        )
        for policy in managed:
            aws.iam.RolePolicyAttachment(
                f"{name}-{policy}",
                role=role.name,
                policy_arn=managed_policy(self.partition, policy),
                opts=opts,
            )
        return role
