"""Per-team AWS identities: a role per team bound to its workload ServiceAccount by Pod Identity."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from ailz.components.aws.iam import IamBaseline
from ailz.components.aws.iam_policies import pod_identity_trust, team_access
from ailz.components.common.base import AilzComponent
from ailz.components.common.context import TargetContext
from ailz.components.common.labels import aws_tags
from ailz.components.common.names import team_namespace, team_service_account


class TeamIdentities(AilzComponent):
    def __init__(
        self,
        ctx: TargetContext,
        iam: IamBaseline,
        cluster_name: pulumi.Input[str],
        bucket_arns: list[pulumi.Input[str]],
        storage_key_arn: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        target = ctx.target
        super().__init__("aws", "TeamIdentities", f"{target.name}-teams", ctx.path(), opts)
        self.roles: dict[str, aws.iam.Role] = {}
        for team in ctx.zone.teams:
            if target.name not in team.targets:
                continue
            role = iam.role(f"team-{team.name}", pod_identity_trust(), parent=self)
            aws.iam.RolePolicy(
                f"{target.name}-team-{team.name}-data",
                role=role.id,
                policy=pulumi.Output.all(storage_key_arn, *bucket_arns).apply(
                    lambda args, team=team.name: json.dumps(team_access(team, list(args[1:]), [args[0]]))
                ),
                opts=self.child(),
            )
            aws.eks.PodIdentityAssociation(
                f"{target.name}-team-{team.name}",
                cluster_name=cluster_name,
                namespace=team_namespace(team.name),
                service_account=team_service_account(team.name),
                role_arn=role.arn,
                tags=aws_tags(ctx.tags(team=team.name)),
                opts=self.child(),
            )
            self.roles[team.name] = role
        self.register_outputs({"roles": {name: role.arn for name, role in self.roles.items()}})
