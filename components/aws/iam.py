"""The IAM every zone needs: a permissions boundary and the EKS cluster and node roles."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from ailz.components.aws.iam_policies import managed_policy, permissions_boundary, service_trust
from ailz.components.aws.names import role_name
from ailz.components.common.base import AilzComponent
from ailz.components.common.context import TargetContext
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
    def __init__(
        self, ctx: TargetContext, partition: str, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        target = ctx.target
        super().__init__("aws", "IamBaseline", f"{target.name}-iam", ctx.path(), opts)
        self.ctx, self.partition = ctx, partition
        self.boundary = aws.iam.Policy(
            f"{target.name}-boundary",
            name=f"ailz-{ctx.zone.name}-{target.name}-boundary",
            description="Permissions boundary for every role ailz creates in this zone",
            policy=json.dumps(permissions_boundary(ctx.zone.residency.allowed_regions)),
            tags=aws_tags(ctx.tags()),
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
    ) -> aws.iam.Role:
        """A role with the zone's boundary and the named AWS managed policies."""
        target = self.ctx.target
        name = f"{target.name}-{purpose}"
        opts = pulumi.ResourceOptions(parent=parent or self)
        role = aws.iam.Role(
            name,
            name=role_name(self.ctx.zone.name, target.name, purpose),
            assume_role_policy=json.dumps(trust),
            permissions_boundary=self.boundary.arn,
            max_session_duration=3600,
            tags=aws_tags(self.ctx.tags(purpose=purpose)),
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
