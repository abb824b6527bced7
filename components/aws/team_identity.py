"""A team's cloud identity: an IAM role its workload ServiceAccount assumes through EKS Pod Identity,
allowed into the team's own bucket prefixes and the storage key, and nothing else."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from ailz.components.aws.iam import IamBaseline
from ailz.components.aws.iam_policies import KeyScope, pod_identity_trust, team_access
from ailz.components.common.base import AilzComponent
from ailz.components.common.labels import aws_tags
from ailz.components.common.names import team_namespace, team_service_account


class TeamIdentity(AilzComponent):
    def __init__(
        self,
        name: str,
        spec_path: str,
        *,
        team: str,
        target: str,
        iam: IamBaseline,
        cluster_name: pulumi.Input[str],
        bucket_arns: list[str],
        storage_key: KeyScope,
        key_aliases: list[pulumi.Resource] | None = None,
        tags: dict[str, str],
        formerly_under: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """`formerly_under`: URN of the component that held every team's resources before each team
        had its own; the resources keep their state through an alias."""
        super().__init__("aws", "TeamIdentity", name, spec_path, opts)
        moved = [pulumi.Alias(parent=formerly_under)] if formerly_under is not None else None
        self.role = iam.role(f"team-{team}", pod_identity_trust(), parent=self, aliases=moved, tags=tags)
        aws.iam.RolePolicy(
            f"{target}-team-{team}-data",
            role=self.role.id,
            # names and aliases only: the policy is known at preview, where the gate reads it
            policy=json.dumps(team_access(team, bucket_arns, storage_key)),
            opts=self.child(aliases=moved, depends_on=key_aliases or []),
        )
        aws.eks.PodIdentityAssociation(
            f"{target}-team-{team}",
            cluster_name=cluster_name,
            namespace=team_namespace(team),
            service_account=team_service_account(team),
            role_arn=self.role.arn,
            tags=aws_tags(tags),
            opts=self.child(aliases=moved),
        )
        self.register_outputs({"role": self.role.arn})
