"""The GKE cluster of a GCP target, and the kubeconfig the platform stage reaches it with."""

from __future__ import annotations

import json

import pulumi
import pulumi_gcp as gcp

from ailz.components.gcp.component import GcpComponent
from ailz.components.gcp.network import PODS_RANGE, SERVICES_RANGE

RELEASE_CHANNEL = "REGULAR"
# Synchronous training must not lose nodes to upgrades: block minor and node upgrades until the
# minor version's end of support; security patches to the control plane still apply.
TRAINING_EXCLUSION = {
    "exclusion_name": "ailz-training-no-minor-or-node-upgrades",
    "exclusion_options": {"scope": "NO_MINOR_OR_NODE_UPGRADES", "end_time_behavior": "UNTIL_END_OF_SUPPORT"},
}
# Weekend nights, 8 h each: GKE wants at least 48 h of maintenance availability per 32 days.
MAINTENANCE_WINDOW = {
    "start_time": "2026-01-03T02:00:00Z",
    "end_time": "2026-01-03T10:00:00Z",
    "recurrence": "FREQ=WEEKLY;BYDAY=SA,SU",
}


def kubeconfig(name: str, dns_endpoint: str) -> str:
    """A kubeconfig for the cluster's DNS-based endpoint, authenticating through
    gke-gcloud-auth-plugin (no static credentials). The endpoint serves a publicly trusted
    certificate, so no cluster CA is pinned (as `gcloud container clusters get-credentials
    --dns-endpoint` writes it)."""
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": name, "cluster": {"server": f"https://{dns_endpoint}"}}],
        "contexts": [{"name": name, "context": {"cluster": name, "user": name}}],
        "current-context": name,
        "users": [
            {
                "name": name,
                "user": {
                    "exec": {
                        "apiVersion": "client.authentication.k8s.io/v1beta1",
                        "command": "gke-gcloud-auth-plugin",
                        "installHint": "Install gke-gcloud-auth-plugin: "
                        "gcloud components install gke-gcloud-auth-plugin",
                        "provideClusterInfo": True,
                    }
                },
            }
        ],
    }
    return json.dumps(config, indent=2)


class GkeCluster(GcpComponent):
    """A private, Dataplane V2, Workload Identity GKE cluster with CMEK-encrypted secrets.

    Inputs: project, location (region or zone), node_locations, primary network/subnet,
    control-plane CIDR, target CIDR (authorized networks), Kubernetes minor version, private or
    public-and-private endpoint, whether extra networks exist (multi-networking), whether
    training pools exist (upgrade exclusion), the secrets key, the node service account, labels.
    """

    def __init__(
        self,
        name: str,
        spec_path: str,
        *,
        project: str,
        location: str,
        node_locations: list[str] | None,
        network: pulumi.Input[str],
        subnetwork: pulumi.Input[str],
        master_cidr: str,
        pods_range: str = PODS_RANGE,
        services_range: str = SERVICES_RANGE,
        authorized_cidr: str,
        api_access_cidrs: list[str],
        version: str,
        private_endpoint: bool,
        multi_networking: bool,
        training: bool,
        secrets_key: pulumi.Input[str] | None,
        node_service_account: pulumi.Input[str],
        labels: dict[str, str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("GkeCluster", name, spec_path, opts)
        maintenance: dict = {"recurring_window": MAINTENANCE_WINDOW}
        if training:
            maintenance["maintenance_exclusions"] = [
                {**TRAINING_EXCLUSION, "start_time": MAINTENANCE_WINDOW["start_time"]}
            ]
        self.cluster = gcp.container.Cluster(
            name,
            name=name,
            project=project,
            location=location,
            node_locations=node_locations,
            network=network,
            subnetwork=subnetwork,
            networking_mode="VPC_NATIVE",
            ip_allocation_policy={
                "cluster_secondary_range_name": pods_range,
                "services_secondary_range_name": services_range,
            },
            datapath_provider="ADVANCED_DATAPATH",
            enable_multi_networking=multi_networking or None,
            remove_default_node_pool=True,
            initial_node_count=1,
            # the throwaway default pool still must not run as the Compute default account
            node_config={
                "service_account": node_service_account,
                "shielded_instance_config": {"enable_secure_boot": True, "enable_integrity_monitoring": True},
                "workload_metadata_config": {"mode": "GKE_METADATA"},
            },
            private_cluster_config={
                "enable_private_nodes": True,
                "enable_private_endpoint": private_endpoint,
                "master_ipv4_cidr_block": master_cidr,
                "master_global_access_config": {"enabled": True},
            },
            master_authorized_networks_config={
                "cidr_blocks": [
                    {"cidr_block": authorized_cidr, "display_name": "landing-zone"},
                    *(
                        {"cidr_block": cidr, "display_name": f"api-access-{i}"}
                        for i, cidr in enumerate(api_access_cidrs)
                    ),
                ],
                "gcp_public_cidrs_access_enabled": False,
            },
            workload_identity_config={"workload_pool": f"{project}.svc.id.goog"},
            database_encryption=(
                {"state": "ENCRYPTED", "key_name": secrets_key}
                if secrets_key is not None
                else {"state": "DECRYPTED"}
            ),
            release_channel={"channel": RELEASE_CHANNEL},
            min_master_version=version,
            maintenance_policy=maintenance,
            addons_config={
                "gcs_fuse_csi_driver_config": {"enabled": True},
                "lustre_csi_driver_config": {"enabled": True},
                "gcp_filestore_csi_driver_config": {"enabled": True},
                "gce_persistent_disk_csi_driver_config": {"enabled": True},
                "dns_cache_config": {"enabled": True},
            },
            enable_shielded_nodes=True,
            enable_legacy_abac=False,
            monitoring_config={
                "enable_components": ["SYSTEM_COMPONENTS", "DCGM"],
                "managed_prometheus": {"enabled": True},
            },
            logging_config={"enable_components": ["SYSTEM_COMPONENTS", "WORKLOADS"]},
            # basic posture (workload configuration audit); VULNERABILITY_BASIC is no longer
            # supported and the enterprise mode needs GKE Enterprise (GKE deprecations, posture)
            security_posture_config={"mode": "BASIC", "vulnerability_mode": "VULNERABILITY_DISABLED"},
            # the DNS-based endpoint: reachable from anywhere, every request authorized by IAM first, so
            # the platform stage and kubectl reach a private cluster without a network path
            control_plane_endpoints_config={"dns_endpoint_config": {"allow_external_traffic": True}},
            resource_labels=labels,
            # GKE cost allocation: the billing export splits node costs by namespace and workload
            # labels, so a team's share of the shared GPU pools can be read from it
            cost_management_config={"enabled": True},
            deletion_protection=True,
            opts=self.child(),
        )
        self.name = self.cluster.name
        self.endpoint = self.cluster.endpoint
        self.dns_endpoint = self.cluster.control_plane_endpoints_config.apply(
            lambda config: (
                config["dns_endpoint_config"]["endpoint"]
                if isinstance(config, dict)
                else config.dns_endpoint_config.endpoint
            )
        )
        self.kubeconfig = pulumi.Output.secret(
            pulumi.Output.all(self.cluster.name, self.dns_endpoint).apply(
                lambda parts: kubeconfig(parts[0], parts[1])
            )
        )
        self.register_outputs({"name": self.name, "endpoint": self.endpoint})
