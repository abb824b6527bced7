"""The dedicated, least-privilege Google service account GKE nodes run as."""

from __future__ import annotations

import pulumi
import pulumi_gcp as gcp

from ailz.components.gcp.component import GcpComponent

# What a node needs to ship logs and metrics and pull images, and nothing more: GKE's own
# least-privilege node role (GKE docs, "Configure node service accounts": nodes need at least
# roles/container.defaultNodeServiceAccount) and image pulls; never editor or container.admin.
NODE_ROLES = (
    "roles/container.defaultNodeServiceAccount",
    "roles/artifactregistry.reader",
)


class NodeServiceAccount(GcpComponent):
    """A service account per target for its nodes, bound to NODE_ROLES on the project."""

    def __init__(
        self,
        name: str,
        spec_path: str,
        *,
        project: str,
        account_id: str,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("NodeServiceAccount", name, spec_path, opts)
        self.account = gcp.serviceaccount.Account(
            name,
            project=project,
            account_id=account_id,
            display_name=f"GKE nodes of {name}",
            opts=self.child(),
        )
        self.email = self.account.email
        self.bindings = [
            gcp.projects.IAMMember(
                f"{name}-{role.split('/')[1].replace('.', '-')}",
                project=project,
                role=role,
                member=self.account.member,
                opts=self.child(),
            )
            for role in NODE_ROLES
        ]
        self.register_outputs({"email": self.email})
