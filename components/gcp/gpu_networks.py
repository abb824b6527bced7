"""The extra VPCs GPU machine families need for full fabric bandwidth, shared by their pools."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from ailz.components.gcp.component import GcpComponent
from ailz.components.gcp.network_plan import ExtraSubnet, ExtraVpc


@dataclass
class AttachedSubnet:
    """What a node pool and the GKE Network objects need to know about one extra NIC."""

    subnet: ExtraSubnet
    network_name: pulumi.Output[str]
    subnet_name: pulumi.Output[str]

    def exported(self) -> pulumi.Output[dict[str, str]]:
        """The NIC as the platform stage reads it from the stack outputs (`gkeNetworks`)."""
        return pulumi.Output.all(self.network_name, self.subnet_name).apply(
            lambda names: {
                "name": self.subnet.network_name,
                "vpc": names[0],
                "subnet": names[1],
                "deviceMode": self.subnet.device_mode,
            }
        )


def roce_profile(project: str, zone: str) -> str:
    """The zonal RDMA RoCE network profile (VPC docs: RDMA network profiles, `<zone>-vpc-roce`)."""
    return f"projects/{project}/global/networkProfiles/{zone}-vpc-roce"


class GpuNetworks(GcpComponent):
    """gVNIC VPCs (one subnet each) and, for RDMA families, one RoCE VPC with a subnet per NIC.

    Inputs: the ExtraVpc layouts (network_plan.merged_vpcs), a CIDR per NIC network, project,
    region, zone. RoCE VPCs take no VPC firewall rules (Cloud NGFW for RoCE VPC networks: only
    RDMA_ROCE_POLICY regional policies; implied allow within the network), so only the gVNIC
    VPCs get an internal-only ingress rule.
    """

    def __init__(
        self,
        name: str,
        spec_path: str,
        *,
        project: str,
        region: str,
        zone: str,
        vpcs: list[ExtraVpc],
        cidrs: dict[str, str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("GpuNetworks", name, spec_path, opts)
        self.attached: dict[str, AttachedSubnet] = {}
        self.networks: list[gcp.compute.Network] = []
        for vpc in vpcs:
            vpc_name = f"{name}-{vpc.key}"
            network = gcp.compute.Network(
                vpc_name,
                name=vpc_name,
                project=project,
                auto_create_subnetworks=False,
                routing_mode="REGIONAL",
                mtu=vpc.mtu,
                network_profile=roce_profile(project, zone) if vpc.rdma else None,
                opts=self.child(),
            )
            self.networks.append(network)
            ranges = []
            for index, subnet in enumerate(vpc.subnets):
                cidr = cidrs[subnet.network_name]
                ranges.append(cidr)
                sub_name = f"{vpc_name}-sub-{index}" if vpc.rdma else f"{vpc_name}-sub"
                created = gcp.compute.Subnetwork(
                    sub_name,
                    name=sub_name,
                    project=project,
                    region=region,
                    network=network.id,
                    ip_cidr_range=cidr,
                    private_ip_google_access=not vpc.rdma,
                    opts=self.child(),
                )
                self.attached[subnet.network_name] = AttachedSubnet(subnet, network.name, created.name)
            if not vpc.rdma:
                gcp.compute.Firewall(
                    f"{vpc_name}-allow-internal",
                    name=f"{vpc_name}-allow-internal",
                    project=project,
                    network=network.id,
                    direction="INGRESS",
                    priority=1000,
                    source_ranges=ranges,
                    allows=[{"protocol": "tcp"}, {"protocol": "udp"}, {"protocol": "icmp"}],
                    opts=self.child(),
                )
        self.register_outputs({"networks": [n.name for n in self.networks]})
