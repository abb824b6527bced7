"""The Google APIs a GCP landing zone uses, enabled before anything that needs them."""

from __future__ import annotations

import pulumi
import pulumi_gcp as gcp
from ailz.components.gcp.component import GcpComponent

BASE_APIS = (
    "compute.googleapis.com",
    "container.googleapis.com",
    "cloudkms.googleapis.com",
    "iam.googleapis.com",
    "storage.googleapis.com",
    "dns.googleapis.com",
    "logging.googleapis.com",
    "monitoring.googleapis.com",
    "artifactregistry.googleapis.com",
)
LUSTRE_APIS = ("lustre.googleapis.com", "servicenetworking.googleapis.com")


class ProjectServices(GcpComponent):
    """Enables APIs (left enabled on destroy: other workloads may share the project).

    With Lustre it also creates the Lustre service agent, which CMEK grants name.
    """

    def __init__(
        self,
        name: str,
        spec_path: str,
        *,
        project: str,
        lustre: bool,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("ProjectServices", name, spec_path, opts)
        apis = BASE_APIS + (LUSTRE_APIS if lustre else ())
        self.services = [
            gcp.projects.Service(
                f"{name}-{api.split('.')[0]}",
                project=project,
                service=api,
                disable_on_destroy=False,
                opts=self.child(),
            )
            for api in apis
        ]
        self.lustre_agent: pulumi.Output[str] | None = None
        if lustre:
            identity = gcp.projects.ServiceIdentity(
                f"{name}-lustre-agent",
                project=project,
                service="lustre.googleapis.com",
                opts=self.child(depends_on=self.services),
            )
            self.lustre_agent = identity.email
        self.register_outputs({"apis": list(apis)})
