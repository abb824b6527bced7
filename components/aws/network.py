"""The target's VPC: carved private subnets, optional NAT egress, endpoints, flow logs, EFA SG."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from ailz.components.aws.cidr_plan import SubnetPlan, plan_subnets
from ailz.components.common.base import AilzComponent
from ailz.components.common.context import TargetContext
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
# FSx for Lustre client traffic (FSx for Lustre user guide, "File system access control with Amazon VPC").
LUSTRE_PORTS = ((988, 988), (1018, 1023))


class Network(AilzComponent):
    def __init__(
        self,
        ctx: TargetContext,
        zones: list[str],
        cluster_name: str,
        flow_log_bucket_arn: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        target = ctx.target
        super().__init__("aws", "Network", f"{target.name}-network", ctx.path("network"), opts)
        egress = target.network.egress == "nat"
        self.plans: list[SubnetPlan] = plan_subnets(target.network.cidr, zones, public=egress)

        def tags(name: str, **extra: str) -> dict[str, str]:
            return aws_tags(ctx.tags(Name=f"{target.name}-{name}", **extra))

        self.vpc = aws.ec2.Vpc(
            f"{target.name}-vpc",
            cidr_block=target.network.cidr,
            enable_dns_support=True,
            enable_dns_hostnames=True,
            tags=tags("vpc"),
            opts=self.child(),
        )
        # The default security group of a new VPC allows all traffic between members: empty it.
        aws.ec2.DefaultSecurityGroup(
            f"{target.name}-default-sg", vpc_id=self.vpc.id, tags=tags("default-sg-locked"), opts=self.child()
        )
        subnets: dict[str, aws.ec2.Subnet] = {}
        for plan in self.plans:
            role = (
                {"kubernetes.io/role/elb": "1"} if plan.public else {"kubernetes.io/role/internal-elb": "1"}
            )
            subnets[plan.name] = aws.ec2.Subnet(
                f"{target.name}-{plan.name}",
                vpc_id=self.vpc.id,
                cidr_block=plan.cidr,
                availability_zone=plan.zone,
                map_public_ip_on_launch=False,
                tags=tags(plan.name, **role, **{f"kubernetes.io/cluster/{cluster_name}": "shared"}),
                opts=self.child(),
            )
        private = [p for p in self.plans if not p.public]
        self.private_subnet_ids = [subnets[p.name].id for p in private]
        self.gpu_zone = private[0].zone
        self.gpu_subnet_id = subnets[private[0].name].id

        nat_by_zone: dict[str, aws.ec2.NatGateway] = {}
        if egress:
            igw = aws.ec2.InternetGateway(
                f"{target.name}-igw", vpc_id=self.vpc.id, tags=tags("igw"), opts=self.child()
            )
            public_rt = aws.ec2.RouteTable(
                f"{target.name}-public", vpc_id=self.vpc.id, tags=tags("public"), opts=self.child()
            )
            aws.ec2.Route(
                f"{target.name}-public-default",
                route_table_id=public_rt.id,
                destination_cidr_block="0.0.0.0/0",
                gateway_id=igw.id,
                opts=self.child(),
            )
            for plan in (p for p in self.plans if p.public):
                aws.ec2.RouteTableAssociation(
                    f"{target.name}-{plan.name}",
                    subnet_id=subnets[plan.name].id,
                    route_table_id=public_rt.id,
                    opts=self.child(),
                )
                eip = aws.ec2.Eip(
                    f"{target.name}-nat-{plan.zone}",
                    domain="vpc",
                    tags=tags(f"nat-{plan.zone}"),
                    opts=self.child(),
                )
                nat_by_zone[plan.zone] = aws.ec2.NatGateway(
                    f"{target.name}-nat-{plan.zone}",
                    allocation_id=eip.id,
                    subnet_id=subnets[plan.name].id,
                    connectivity_type="public",
                    tags=tags(f"nat-{plan.zone}"),
                    opts=self.child(depends_on=[igw]),
                )
        private_tables = []
        for plan in private:
            table = aws.ec2.RouteTable(
                f"{target.name}-{plan.name}", vpc_id=self.vpc.id, tags=tags(plan.name), opts=self.child()
            )
            private_tables.append(table)
            if egress:
                aws.ec2.Route(
                    f"{target.name}-{plan.name}-default",
                    route_table_id=table.id,
                    destination_cidr_block="0.0.0.0/0",
                    nat_gateway_id=nat_by_zone[plan.zone].id,
                    opts=self.child(),
                )
            aws.ec2.RouteTableAssociation(
                f"{target.name}-{plan.name}",
                subnet_id=subnets[plan.name].id,
                route_table_id=table.id,
                opts=self.child(),
            )

        aws.ec2.VpcEndpoint(
            f"{target.name}-s3",
            vpc_id=self.vpc.id,
            service_name=f"com.amazonaws.{target.region}.s3",
            vpc_endpoint_type="Gateway",
            route_table_ids=[t.id for t in private_tables],
            tags=tags("s3"),
            opts=self.child(),
        )
        endpoint_sg = aws.ec2.SecurityGroup(
            f"{target.name}-endpoints",
            vpc_id=self.vpc.id,
            description="HTTPS from the VPC to interface endpoints",
            tags=tags("endpoints"),
            opts=self.child(),
        )
        aws.vpc.SecurityGroupIngressRule(
            f"{target.name}-endpoints-https",
            security_group_id=endpoint_sg.id,
            ip_protocol="tcp",
            from_port=443,
            to_port=443,
            cidr_ipv4=target.network.cidr,
            tags=tags("endpoints-https"),
            opts=self.child(),
        )
        services = INTERFACE_ENDPOINTS + (() if egress else NO_EGRESS_ENDPOINTS)
        for service in services:
            aws.ec2.VpcEndpoint(
                f"{target.name}-{service.replace('.', '-')}",
                vpc_id=self.vpc.id,
                service_name=f"com.amazonaws.{target.region}.{service}",
                vpc_endpoint_type="Interface",
                private_dns_enabled=True,
                subnet_ids=self.private_subnet_ids,
                security_group_ids=[endpoint_sg.id],
                tags=tags(service.replace(".", "-")),
                opts=self.child(),
            )
        aws.ec2.FlowLog(
            f"{target.name}-flow-logs",
            vpc_id=self.vpc.id,
            traffic_type="ALL",
            log_destination_type="s3",
            log_destination=flow_log_bucket_arn,
            max_aggregation_interval=60,
            destination_options={"file_format": "parquet", "per_hour_partition": True},
            tags=tags("flow-logs"),
            opts=self.child(),
        )

        # EFA: all traffic in and out, but only between members of this group (EC2 EFA guide).
        self.efa_sg = aws.ec2.SecurityGroup(
            f"{target.name}-efa",
            vpc_id=self.vpc.id,
            description="EFA: all traffic between GPU nodes of the zone, nothing else",
            tags=tags("efa"),
            opts=self.child(),
        )
        aws.vpc.SecurityGroupIngressRule(
            f"{target.name}-efa-in-self",
            security_group_id=self.efa_sg.id,
            ip_protocol="-1",
            referenced_security_group_id=self.efa_sg.id,
            tags=tags("efa-in-self"),
            opts=self.child(),
        )
        aws.vpc.SecurityGroupEgressRule(
            f"{target.name}-efa-out-self",
            security_group_id=self.efa_sg.id,
            ip_protocol="-1",
            referenced_security_group_id=self.efa_sg.id,
            tags=tags("efa-out-self"),
            opts=self.child(),
        )
        # FSx for Lustre: the file servers talk to each other and accept clients on the Lustre ports.
        self.lustre_sg = aws.ec2.SecurityGroup(
            f"{target.name}-lustre",
            vpc_id=self.vpc.id,
            description="FSx for Lustre: Lustre ports from the cluster nodes",
            tags=tags("lustre"),
            opts=self.child(),
        )
        for low, high in LUSTRE_PORTS:
            for source_name, source in (("self", self.lustre_sg), ("efa", self.efa_sg)):
                aws.vpc.SecurityGroupIngressRule(
                    f"{target.name}-lustre-{low}-{source_name}",
                    security_group_id=self.lustre_sg.id,
                    ip_protocol="tcp",
                    from_port=low,
                    to_port=high,
                    referenced_security_group_id=source.id,
                    tags=tags(f"lustre-{low}-{source_name}"),
                    opts=self.child(),
                )
        aws.vpc.SecurityGroupEgressRule(
            f"{target.name}-lustre-out-self",
            security_group_id=self.lustre_sg.id,
            ip_protocol="-1",
            referenced_security_group_id=self.lustre_sg.id,
            tags=tags("lustre-out-self"),
            opts=self.child(),
        )
        self.register_outputs({"vpcId": self.vpc.id})

    def allow_lustre_from(self, name: str, security_group_id: pulumi.Input[str], ctx: TargetContext) -> None:
        """Open the Lustre ports to another group of clients (the EKS cluster security group)."""
        for low, high in LUSTRE_PORTS:
            aws.vpc.SecurityGroupIngressRule(
                f"{ctx.target.name}-lustre-{low}-{name}",
                security_group_id=self.lustre_sg.id,
                ip_protocol="tcp",
                from_port=low,
                to_port=high,
                referenced_security_group_id=security_group_id,
                tags=aws_tags(ctx.tags(Name=f"{ctx.target.name}-lustre-{low}-{name}")),
                opts=self.child(),
            )
