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
# warm tier kind -> its API; both reach the VPC through private services access
# budgets are created through the Billing Budget API, billed to the caller's project
BUDGETS_API = "billingbudgets.googleapis.com"
WARM_APIS = {"lustre": "lustre.googleapis.com", "filestore": "file.googleapis.com"}


class ProjectServices(GcpComponent):
    """Enables APIs (left enabled on destroy: other workloads may share the project).

    With a warm tier it also creates that service's agent (Lustre, Filestore), which CMEK
    grants name.
    """

    def __init__(
        self,
        name: str,
        spec_path: str,
        *,
        project: str,
        warm: str | None,
        budgets: bool = False,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("ProjectServices", name, spec_path, opts)
        apis = BASE_APIS + ((WARM_APIS[warm], "servicenetworking.googleapis.com") if warm else ())
        apis += (BUDGETS_API,) if budgets else ()
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
        self.warm_agent: pulumi.Output[str] | None = None
        if warm:
            identity = gcp.projects.ServiceIdentity(
                f"{name}-{warm}-agent",
                project=project,
                service=WARM_APIS[warm],
                opts=self.child(depends_on=self.services),
            )
            self.warm_agent = identity.email
        self.register_outputs({"apis": list(apis)})
