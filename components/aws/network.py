"""The target's VPC: carved private subnets, optional NAT egress, endpoints, flow logs, EFA SG."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from ailz.catalog import load_catalog
from ailz.components.aws.cidr_plan import ExistingSubnet, SubnetPlan, existing_vpc_problems, plan_subnets
from ailz.components.aws.spec import AwsNetwork
from ailz.components.common.base import AilzComponent
from ailz.components.common.labels import aws_tags

# Interface endpoints every zone gets (image pulls, IRSA/pod identity tokens, KMS).
INTERFACE_ENDPOINTS = ("ecr.api", "ecr.dkr", "sts", "kms")
# Without internet egress, nodes also need these to join the cluster and ship logs
# (EKS user guide, "Deploy private clusters with limited internet access").
NO_EGRESS_ENDPOINTS = (
    "ec2",
    "logs",
    "eks",
    "eks-auth",
    "elasticloadbalancing",
    "ssm",
    "ssmmessages",
    "ec2messages",
)


class Network(AilzComponent):
    """The target's VPC, created from the spec's CIDRs or adopted (`network.existing`): subnets, NAT,
    routes and flow logs only in a VPC ailz creates; endpoints there or when asked; the EFA and
    Lustre security groups always."""

    def __init__(
        self,
        name: str,
        spec_path: str,
        *,
        target: str,
        region: str,
        network: AwsNetwork,
        zones: list[str],
        cluster_zones: list[str],
        cluster_name: str,
        flow_log_bucket_arn: pulumi.Input[str],
        endpoint_policy: dict | None,
        gpu_subnet_addresses: int,
        tags: dict[str, str],
        provider: aws.Provider,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("aws", "Network", name, spec_path, opts)
        self.target, self.base_tags = target, tags
        self.gpu_zone = zones[0]
        # who may reach the endpoints: the VPC's every block (pods take addresses in secondary ones)
        self.cidrs = [network.cidr, *network.secondary_cidrs]
        self.cidr_blocks: list[pulumi.Resource] = []
        if network.existing is None:
            route_tables = self._create_vpc(
                region, network, zones, cluster_zones, cluster_name, flow_log_bucket_arn
            )
        else:
            route_tables = self._adopt_vpc(network, zones[0], gpu_subnet_addresses, provider)
        if network.existing is None or network.existing.create_endpoints:
            self._endpoints(region, network.egress, route_tables, endpoint_policy)
        self._security_groups()
        self.register_outputs({"vpcId": self.vpc_id})

    def tagged(self, name: str, **extra: str) -> dict[str, str]:
        return aws_tags({**self.base_tags, "Name": f"{self.target}-{name}", **extra})

    def _create_vpc(
        self,
        region: str,
        network: AwsNetwork,
        zones: list[str],
        cluster_zones: list[str],
        cluster_name: str,
        flow_log_bucket_arn: pulumi.Input[str],
    ) -> list[pulumi.Input[str]]:
        """A new VPC with carved subnets; returns the private route tables."""
        target, tagged = self.target, self.tagged
        nat = network.egress == "nat"
        self.plans: list[SubnetPlan] = plan_subnets(network.cidr, zones, nat, network.secondary_cidrs)
        self.vpc = aws.ec2.Vpc(
            f"{target}-vpc",
            cidr_block=network.cidr,
            enable_dns_support=True,
            enable_dns_hostnames=True,
            tags=tagged("vpc"),
            opts=self.child(),
        )
        self.vpc_id = self.vpc.id
        # The default security group of a new VPC allows all traffic between members: empty it.
        aws.ec2.DefaultSecurityGroup(
            f"{target}-default-sg", vpc_id=self.vpc.id, tags=tagged("default-sg-locked"), opts=self.child()
        )
        # a subnet in a secondary block can only be made once the block is the VPC's
        blocks = {
            cidr: aws.ec2.VpcIpv4CidrBlockAssociation(
                f"{target}-cidr-{i}", vpc_id=self.vpc.id, cidr_block=cidr, opts=self.child()
            )
            for i, cidr in enumerate(network.secondary_cidrs, start=1)
        }
        self.cidr_blocks = list(blocks.values())
        subnets: dict[str, aws.ec2.Subnet] = {}
        for plan in self.plans:
            role = (
                {}
                if plan.gpu
                else (
                    {"kubernetes.io/role/elb": "1"}
                    if plan.public
                    else {"kubernetes.io/role/internal-elb": "1"}
                )
            )
            subnets[plan.name] = aws.ec2.Subnet(
                f"{target}-{plan.name}",
                vpc_id=blocks[plan.cidr].vpc_id if plan.cidr in blocks else self.vpc.id,
                cidr_block=plan.cidr,
                availability_zone=plan.zone,
                map_public_ip_on_launch=False,
                tags=tagged(plan.name, **role, **{f"kubernetes.io/cluster/{cluster_name}": "shared"}),
                opts=self.child(),
            )
        private = [p for p in self.plans if not p.public and not p.gpu]
        gpu = [p for p in self.plans if p.gpu] or private[:1]
        self.private_subnet_ids = [subnets[p.name].id for p in private if p.zone in cluster_zones]
        self.system_subnet_ids = self.private_subnet_ids
        self.gpu_subnet_ids = [subnets[p.name].id for p in gpu]
        # FSx for Lustre stays in the primary block: clients in every block reach it over the VPC
        self.lustre_subnet_id = subnets[private[0].name].id

        nat_by_zone: dict[str, aws.ec2.NatGateway] = {}
        if nat:
            igw = aws.ec2.InternetGateway(
                f"{target}-igw", vpc_id=self.vpc.id, tags=tagged("igw"), opts=self.child()
            )
            public_rt = aws.ec2.RouteTable(
                f"{target}-public", vpc_id=self.vpc.id, tags=tagged("public"), opts=self.child()
            )
            aws.ec2.Route(
                f"{target}-public-default",
                route_table_id=public_rt.id,
                destination_cidr_block="0.0.0.0/0",
                gateway_id=igw.id,
                opts=self.child(),
            )
            for plan in (p for p in self.plans if p.public):
                aws.ec2.RouteTableAssociation(
                    f"{target}-{plan.name}",
                    subnet_id=subnets[plan.name].id,
                    route_table_id=public_rt.id,
                    opts=self.child(),
                )
                eip = aws.ec2.Eip(
                    f"{target}-nat-{plan.zone}",
                    domain="vpc",
                    tags=tagged(f"nat-{plan.zone}"),
                    opts=self.child(),
                )
                nat_by_zone[plan.zone] = aws.ec2.NatGateway(
                    f"{target}-nat-{plan.zone}",
                    allocation_id=eip.id,
                    subnet_id=subnets[plan.name].id,
                    connectivity_type="public",
                    tags=tagged(f"nat-{plan.zone}"),
                    opts=self.child(depends_on=[igw]),
                )
        tables: dict[str, aws.ec2.RouteTable] = {}
        for plan in private:
            table = aws.ec2.RouteTable(
                f"{target}-{plan.name}", vpc_id=self.vpc.id, tags=tagged(plan.name), opts=self.child()
            )
            tables[plan.zone] = table
            if nat:
                aws.ec2.Route(
                    f"{target}-{plan.name}-default",
                    route_table_id=table.id,
                    destination_cidr_block="0.0.0.0/0",
                    nat_gateway_id=nat_by_zone[plan.zone].id,
                    opts=self.child(),
                )
        # GPU subnets of secondary blocks share their zone's private route table
        for plan in (p for p in self.plans if not p.public):
            aws.ec2.RouteTableAssociation(
                f"{target}-{plan.name}",
                subnet_id=subnets[plan.name].id,
                route_table_id=tables[plan.zone].id,
                opts=self.child(),
            )
        aws.ec2.FlowLog(
            f"{target}-flow-logs",
            vpc_id=self.vpc.id,
            traffic_type="ALL",
            log_destination_type="s3",
            log_destination=flow_log_bucket_arn,
            max_aggregation_interval=60,
            destination_options={"file_format": "parquet", "per_hour_partition": True},
            tags=tagged("flow-logs"),
            opts=self.child(),
        )
        return [t.id for t in tables.values()]

    def _adopt_vpc(
        self, network: AwsNetwork, gpu_zone: str, gpu_subnet_addresses: int, provider: aws.Provider
    ) -> list[str]:
        """An existing VPC: its subnets are used once EC2 reports them where the spec says. The few
        lookups run before anything is declared, so a wrong zone or a full subnet stops the
        deployment with one sentence instead of failing half-way."""
        existing = network.existing
        invoke = pulumi.InvokeOptions(parent=self, provider=provider)
        ids = list(dict.fromkeys([*existing.cluster_subnet_ids, *existing.gpu_subnet_ids]))
        vpc = aws.ec2.get_vpc(id=existing.vpc_id, opts=invoke)
        subnets = [aws.ec2.get_subnet(id=i, opts=invoke) for i in ids]
        problems = existing_vpc_problems(
            network,
            vpc_cidr=vpc.cidr_block,
            subnets=[
                ExistingSubnet(
                    s.id,
                    s.vpc_id,
                    s.availability_zone,
                    s.availability_zone_id,
                    int(s.available_ip_address_count),
                )
                for s in subnets
            ],
            gpu_zone=gpu_zone,
            gpu_addresses=gpu_subnet_addresses,
            unsupported_zone_ids=tuple(load_catalog().eks_zones.unsupported_zone_ids),
        )
        if problems:
            raise ValueError(
                f"network.existing ({existing.vpc_id}) does not fit this target: " + "; ".join(problems)
            )
        self.vpc_id = existing.vpc_id
        self.private_subnet_ids = list(existing.cluster_subnet_ids)
        self.system_subnet_ids = self.private_subnet_ids
        self.gpu_subnet_ids = list(existing.gpu_subnet_ids)
        self.lustre_subnet_id = existing.gpu_subnet_ids[0]
        if not existing.create_endpoints:
            return []
        # the S3 gateway endpoint goes into the route tables the subnets are associated with
        tables = {aws.ec2.get_route_table(subnet_id=i, opts=invoke).route_table_id for i in ids}
        return sorted(tables)

    def _endpoints(
        self, region: str, egress: str, route_tables: pulumi.Input, endpoint_policy: dict | None
    ) -> None:
        target, tagged = self.target, self.tagged
        aws.ec2.VpcEndpoint(
            f"{target}-s3",
            vpc_id=self.vpc_id,
            service_name=f"com.amazonaws.{region}.s3",
            vpc_endpoint_type="Gateway",
            route_table_ids=route_tables,
            policy=json.dumps(endpoint_policy) if endpoint_policy else None,
            tags=tagged("s3"),
            opts=self.child(),
        )
        endpoint_sg = aws.ec2.SecurityGroup(
            f"{target}-endpoints",
            vpc_id=self.vpc_id,
            description="HTTPS from the VPC to interface endpoints",
            tags=tagged("endpoints"),
            opts=self.child(),
        )
        for i, cidr in enumerate(self.cidrs):
            aws.vpc.SecurityGroupIngressRule(
                f"{target}-endpoints-https" + (f"-{i}" if i else ""),
                security_group_id=endpoint_sg.id,
                ip_protocol="tcp",
                from_port=443,
                to_port=443,
                cidr_ipv4=cidr,
                tags=tagged("endpoints-https"),
                opts=self.child(),
            )
        services = INTERFACE_ENDPOINTS + (() if egress == "nat" else NO_EGRESS_ENDPOINTS)
        for service in services:
            aws.ec2.VpcEndpoint(
                f"{target}-{service.replace('.', '-')}",
                vpc_id=self.vpc_id,
                service_name=f"com.amazonaws.{region}.{service}",
                vpc_endpoint_type="Interface",
                private_dns_enabled=True,
                subnet_ids=self.private_subnet_ids,
                security_group_ids=[endpoint_sg.id],
                tags=tagged(service.replace(".", "-")),
                opts=self.child(),
            )

    def _security_groups(self) -> None:
        target, tagged = self.target, self.tagged
        # EFA: all traffic in and out, but only between members of this group (EC2 EFA guide).
        self.efa_sg = aws.ec2.SecurityGroup(
            f"{target}-efa",
            vpc_id=self.vpc_id,
            description="EFA: all traffic between GPU nodes of the zone, nothing else",
            tags=tagged("efa"),
            opts=self.child(),
        )
        aws.vpc.SecurityGroupIngressRule(
            f"{target}-efa-in-self",
            security_group_id=self.efa_sg.id,
            ip_protocol="-1",
            referenced_security_group_id=self.efa_sg.id,
            tags=tagged("efa-in-self"),
            opts=self.child(),
        )
        aws.vpc.SecurityGroupEgressRule(
            f"{target}-efa-out-self",
            security_group_id=self.efa_sg.id,
            ip_protocol="-1",
            referenced_security_group_id=self.efa_sg.id,
            tags=tagged("efa-out-self"),
            opts=self.child(),
        )
        # FSx for Lustre: the file servers talk to each other and accept clients on the Lustre ports.
        self.lustre_sg = aws.ec2.SecurityGroup(
            f"{target}-lustre",
            vpc_id=self.vpc_id,
            description="FSx for Lustre: Lustre ports from the cluster nodes",
            tags=tagged("lustre"),
            opts=self.child(),
        )
        # FSx checks the group's rules when it creates the file system, which must wait for them
        self.lustre_rules: list[pulumi.Resource] = []
        for low, high in load_catalog().fsx_lustre.client_ports:
            rule = aws.vpc.SecurityGroupIngressRule(
                f"{target}-lustre-{low}-self",
                security_group_id=self.lustre_sg.id,
                ip_protocol="tcp",
                from_port=low,
                to_port=high,
                referenced_security_group_id=self.lustre_sg.id,
                tags=tagged(f"lustre-{low}-self"),
                opts=self.child(),
            )
            self.lustre_rules.append(rule)
        # the EFA group keeps only its self-referencing rules (the gate's AILZ-FAB-004): GPU node
        # interfaces also carry the cluster security group, which admits the file system
        self.allow_lustre_from("efa", self.efa_sg.id, admit_on_client=False)
        aws.vpc.SecurityGroupEgressRule(
            f"{target}-lustre-out-self",
            security_group_id=self.lustre_sg.id,
            ip_protocol="-1",
            referenced_security_group_id=self.lustre_sg.id,
            tags=tagged("lustre-out-self"),
            opts=self.child(),
        )

    def allow_lustre_from(
        self, name: str, security_group_id: pulumi.Input[str], admit_on_client: bool = True
    ) -> None:
        """Lustre traffic both ways between the file system and a group of clients (the EFA group,
        the EKS cluster security group), as the FSx for Lustre user guide lists the rules ("File
        system access control with Amazon VPC"): the file system admits the clients on the Lustre
        ports, the clients admit the file system on them, and the file system may reach them."""
        for low, high in load_catalog().fsx_lustre.client_ports:
            ports = {"ip_protocol": "tcp", "from_port": low, "to_port": high}

            def tags(rule: str, low: int = low) -> dict[str, str]:
                return aws_tags({**self.base_tags, "Name": f"{self.target}-lustre-{low}-{rule}"})

            admitted = aws.vpc.SecurityGroupIngressRule(
                f"{self.target}-lustre-{low}-{name}",
                security_group_id=self.lustre_sg.id,
                referenced_security_group_id=security_group_id,
                tags=tags(name),
                opts=self.child(),
                **ports,
            )
            if admit_on_client:
                aws.vpc.SecurityGroupIngressRule(
                    f"{self.target}-lustre-{low}-to-{name}",
                    security_group_id=security_group_id,
                    referenced_security_group_id=self.lustre_sg.id,
                    tags=tags(f"to-{name}"),
                    opts=self.child(),
                    **ports,
                )
            reaching = aws.vpc.SecurityGroupEgressRule(
                f"{self.target}-lustre-{low}-out-{name}",
                security_group_id=self.lustre_sg.id,
                referenced_security_group_id=security_group_id,
                tags=tags(f"out-{name}"),
                opts=self.child(),
                **ports,
            )
            self.lustre_rules += [admitted, reaching]
