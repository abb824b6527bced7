"""The target's VPC: carved private subnets, optional NAT egress, endpoints, flow logs, EFA SG."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from ailz.catalog import load_catalog
from ailz.components.aws.cidr_plan import SubnetPlan, plan_subnets
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
    def __init__(
        self,
        name: str,
        spec_path: str,
        *,
        target: str,
        region: str,
        cidr: str,
        egress: str,
        zones: list[str],
        cluster_name: str,
        flow_log_bucket_arn: pulumi.Input[str],
        tags: dict[str, str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("aws", "Network", name, spec_path, opts)
        self.target, self.base_tags = target, tags
        nat = egress == "nat"
        self.plans: list[SubnetPlan] = plan_subnets(cidr, zones, public=nat)

        def tagged(name: str, **extra: str) -> dict[str, str]:
            return aws_tags({**tags, "Name": f"{target}-{name}", **extra})

        self.vpc = aws.ec2.Vpc(
            f"{target}-vpc",
            cidr_block=cidr,
            enable_dns_support=True,
            enable_dns_hostnames=True,
            tags=tagged("vpc"),
            opts=self.child(),
        )
        # The default security group of a new VPC allows all traffic between members: empty it.
        aws.ec2.DefaultSecurityGroup(
            f"{target}-default-sg", vpc_id=self.vpc.id, tags=tagged("default-sg-locked"), opts=self.child()
        )
        subnets: dict[str, aws.ec2.Subnet] = {}
        for plan in self.plans:
            role = (
                {"kubernetes.io/role/elb": "1"} if plan.public else {"kubernetes.io/role/internal-elb": "1"}
            )
            subnets[plan.name] = aws.ec2.Subnet(
                f"{target}-{plan.name}",
                vpc_id=self.vpc.id,
                cidr_block=plan.cidr,
                availability_zone=plan.zone,
                map_public_ip_on_launch=False,
                tags=tagged(plan.name, **role, **{f"kubernetes.io/cluster/{cluster_name}": "shared"}),
                opts=self.child(),
            )
        private = [p for p in self.plans if not p.public]
        self.private_subnet_ids = [subnets[p.name].id for p in private]
        self.gpu_zone = private[0].zone
        self.gpu_subnet_id = subnets[private[0].name].id

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
        private_tables = []
        for plan in private:
            table = aws.ec2.RouteTable(
                f"{target}-{plan.name}", vpc_id=self.vpc.id, tags=tagged(plan.name), opts=self.child()
            )
            private_tables.append(table)
            if nat:
                aws.ec2.Route(
                    f"{target}-{plan.name}-default",
                    route_table_id=table.id,
                    destination_cidr_block="0.0.0.0/0",
                    nat_gateway_id=nat_by_zone[plan.zone].id,
                    opts=self.child(),
                )
            aws.ec2.RouteTableAssociation(
                f"{target}-{plan.name}",
                subnet_id=subnets[plan.name].id,
                route_table_id=table.id,
                opts=self.child(),
            )

        aws.ec2.VpcEndpoint(
            f"{target}-s3",
            vpc_id=self.vpc.id,
            service_name=f"com.amazonaws.{region}.s3",
            vpc_endpoint_type="Gateway",
            route_table_ids=[t.id for t in private_tables],
            tags=tagged("s3"),
            opts=self.child(),
        )
        endpoint_sg = aws.ec2.SecurityGroup(
            f"{target}-endpoints",
            vpc_id=self.vpc.id,
            description="HTTPS from the VPC to interface endpoints",
            tags=tagged("endpoints"),
            opts=self.child(),
        )
        aws.vpc.SecurityGroupIngressRule(
            f"{target}-endpoints-https",
            security_group_id=endpoint_sg.id,
            ip_protocol="tcp",
            from_port=443,
            to_port=443,
            cidr_ipv4=cidr,
            tags=tagged("endpoints-https"),
            opts=self.child(),
        )
        services = INTERFACE_ENDPOINTS + (() if nat else NO_EGRESS_ENDPOINTS)
        for service in services:
            aws.ec2.VpcEndpoint(
                f"{target}-{service.replace('.', '-')}",
                vpc_id=self.vpc.id,
                service_name=f"com.amazonaws.{region}.{service}",
                vpc_endpoint_type="Interface",
                private_dns_enabled=True,
                subnet_ids=self.private_subnet_ids,
                security_group_ids=[endpoint_sg.id],
                tags=tagged(service.replace(".", "-")),
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

        # EFA: all traffic in and out, but only between members of this group (EC2 EFA guide).
        self.efa_sg = aws.ec2.SecurityGroup(
            f"{target}-efa",
            vpc_id=self.vpc.id,
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
            vpc_id=self.vpc.id,
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
        self.register_outputs({"vpcId": self.vpc.id})

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
