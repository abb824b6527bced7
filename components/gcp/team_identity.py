"""A team's Google identity, usable only from the team's Kubernetes ServiceAccount."""

from __future__ import annotations

import pulumi
import pulumi_gcp as gcp

from ailz.components.common import names as naming
from ailz.components.gcp.component import GcpComponent

BUCKET_ROLE = "roles/storage.objectUser"  # read, write, delete objects; no bucket admin


def workload_identity_member(project: str, team: str) -> str:
    """The Workload Identity principal of the team's ServiceAccount in the team's namespace."""
    namespace = naming.team_namespace(team)
    ksa = naming.team_service_account(team)
    return f"serviceAccount:{project}.svc.id.goog[{namespace}/{ksa}]"


class TeamIdentity(GcpComponent):
    """A Google service account per team and target, bound through Workload Identity.

    It gets object access on the target's buckets and nothing at project level. Keys: buckets
    are CMEK-encrypted by the Cloud Storage service agent, so the team needs no key grant.
    """

    def __init__(
        self,
        name: str,
        spec_path: str,
        *,
        project: str,
        team: str,
        account_id: str,
        buckets: dict[str, pulumi.Input[str]],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("TeamIdentity", name, spec_path, opts)
        self.account = gcp.serviceaccount.Account(
            name,
            project=project,
            account_id=account_id,
            display_name=f"Workloads of team {team}",
            opts=self.child(),
        )
        self.email = self.account.email
        gcp.serviceaccount.IAMMember(
            f"{name}-workload-identity",
            service_account_id=self.account.name,
            role="roles/iam.workloadIdentityUser",
            member=workload_identity_member(project, team),
            opts=self.child(),
        )
        for kind, bucket in buckets.items():
            gcp.storage.BucketIAMMember(
                f"{name}-{kind}",
                bucket=bucket,
                role=BUCKET_ROLE,
                member=self.account.member,
                opts=self.child(),
            )
        self.register_outputs({"email": self.email})
