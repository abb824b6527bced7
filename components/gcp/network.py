"""The primary VPC of a GCP target: node subnet with pod/service ranges, internal firewall, egress."""

from __future__ import annotations

import pulumi
import pulumi_gcp as gcp

from ailz.catalog import load_catalog
from ailz.components.gcp.component import GcpComponent
from ailz.components.gcp.network_plan import AddressPlan

# Domains resolved to the restricted VIP when there is no egress (Google APIs, Artifact Registry).
PRIVATE_API_DOMAINS = {"googleapis": "googleapis.com.", "pkg-dev": "pkg.dev.", "gcr-io": "gcr.io."}
PODS_RANGE, SERVICES_RANGE = "pods", "services"


class Network(GcpComponent):
    """VPC + subnet for nodes (Private Google Access), internal-only ingress, NAT or no egress.

    Inputs: name prefix, project/region, the AddressPlan, target CIDR, egress (nat|none).
    """

    def __init__(
        self,
        name: str,
        spec_path: str,
        *,
        project: str,
        region: str,
        cidr: str,
        addresses: AddressPlan,
        egress: str,
        mtu: int,
        labels: dict[str, str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("Network", name, spec_path, opts, formerly="PrimaryNetwork")
        self.network = gcp.compute.Network(
            name,
            name=name,
            project=project,
            auto_create_subnetworks=False,
            routing_mode="REGIONAL",
            mtu=mtu,
            delete_default_routes_on_create=egress == "none",
            opts=self.child(),
        )
        self.subnet = gcp.compute.Subnetwork(
            f"{name}-nodes",
            name=f"{name}-nodes",
            project=project,
            region=region,
            network=self.network.id,
            ip_cidr_range=addresses.nodes,
            private_ip_google_access=True,
            secondary_ip_ranges=[
                {"range_name": PODS_RANGE, "ip_cidr_range": addresses.pods},
                {"range_name": SERVICES_RANGE, "ip_cidr_range": addresses.services},
            ],
            log_config={"aggregation_interval": "INTERVAL_5_SEC", "flow_sampling": 0.5},
            opts=self.child(),
        )
        self.firewalls = [
            gcp.compute.Firewall(
                f"{name}-allow-internal",
                name=f"{name}-allow-internal",
                project=project,
                network=self.network.id,
                direction="INGRESS",
                priority=1000,
                source_ranges=[cidr],
                allows=[{"protocol": "tcp"}, {"protocol": "udp"}, {"protocol": "icmp"}],
                opts=self.child(),
            ),
        ]
        self.router = self.nat = None
        if egress == "nat":
            self.router = gcp.compute.Router(
                f"{name}-router",
                name=f"{name}-router",
                project=project,
                region=region,
                network=self.network.id,
                opts=self.child(),
            )
            self.nat = gcp.compute.RouterNat(
                f"{name}-nat",
                name=f"{name}-nat",
                project=project,
                region=region,
                router=self.router.name,
                nat_ip_allocate_option="AUTO_ONLY",
                source_subnetwork_ip_ranges_to_nat="ALL_SUBNETWORKS_ALL_IP_RANGES",
                enable_endpoint_independent_mapping=False,
                log_config={"enable": True, "filter": "ERRORS_ONLY"},
                opts=self.child(),
            )
        else:
            # No internet: only Google APIs through the restricted VIP stay reachable
            # (restricted.googleapis.com, catalog gcp_vpc).
            restricted_google_apis = str(load_catalog().gcp_vpc.restricted_google_apis)
            gcp.compute.Route(
                f"{name}-google-apis",
                name=f"{name}-google-apis",
                project=project,
                network=self.network.id,
                dest_range=restricted_google_apis,
                next_hop_gateway="default-internet-gateway",
                priority=1000,
                opts=self.child(),
            )
            self.firewalls += [
                gcp.compute.Firewall(
                    f"{name}-allow-egress-internal",
                    name=f"{name}-allow-egress-internal",
                    project=project,
                    network=self.network.id,
                    direction="EGRESS",
                    priority=1000,
                    destination_ranges=[cidr, restricted_google_apis],
                    allows=[{"protocol": "all"}],
                    opts=self.child(),
                ),
                gcp.compute.Firewall(
                    f"{name}-deny-egress",
                    name=f"{name}-deny-egress",
                    project=project,
                    network=self.network.id,
                    direction="EGRESS",
                    priority=65000,
                    destination_ranges=["0.0.0.0/0"],
                    denies=[{"protocol": "all"}],
                    opts=self.child(),
                ),
            ]
            self._restricted_dns(name, project, labels)
        self.register_outputs({"network": self.network.name, "subnet": self.subnet.name})

    def _restricted_dns(self, name: str, project: str, labels: dict[str, str]) -> None:
        """Private zones that send Google API and registry names to the restricted VIP."""
        for key, domain in PRIVATE_API_DOMAINS.items():
            zone = gcp.dns.ManagedZone(
                f"{name}-{key}",
                name=f"{name}-{key}",
                project=project,
                dns_name=domain,
                visibility="private",
                private_visibility_config={"networks": [{"network_url": self.network.id}]},
                labels=labels,
                opts=self.child(),
            )
            gcp.dns.RecordSet(
                f"{name}-{key}-a",
                project=project,
                managed_zone=zone.name,
                name=domain if key != "googleapis" else f"restricted.{domain}",
                type="A",
                ttl=300,
                rrdatas=load_catalog().gcp_vpc.restricted_google_apis_addresses,
                opts=self.child(),
            )
            gcp.dns.RecordSet(
                f"{name}-{key}-wildcard",
                project=project,
                managed_zone=zone.name,
                name=f"*.{domain}",
                type="CNAME",
                ttl=300,
                rrdatas=[
                    f"restricted.{PRIVATE_API_DOMAINS['googleapis']}" if key == "googleapis" else domain
                ],
                opts=self.child(),
            )
