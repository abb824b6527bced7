"""The AWS target's infrastructure stack: the provider and every AWS part of the zone. Nothing here
talks to the Kubernetes API: the platform stage (cluster_layer.py) does, from this stack's outputs."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from ailz.components.aws.addons import parse_version
from ailz.components.aws.address_plan import SERVICE_ADDRESSES, addresses_needed, plan_node_groups
from ailz.components.aws.bucket import EncryptedBucket
from ailz.components.aws.budgets import CostBudgets
from ailz.components.aws.checks import target_service_cidr
from ailz.components.aws.cidr_plan import plan_zones
from ailz.components.aws.cluster import EksCluster
from ailz.components.aws.cold_storage import ColdStorage
from ailz.components.aws.gpu_pool import GpuNodePool
from ailz.components.aws.iam import IamBaseline
from ailz.components.aws.iam_policies import flow_log_delivery, s3_endpoint_policy
from ailz.components.aws.keys import EncryptionKeys
from ailz.components.aws.lustre import WarmLustre, fsx_lustre_pv_spec
from ailz.components.aws.names import bucket_name
from ailz.components.aws.network import Network
from ailz.components.aws.service_roles import autoscaling_service_role
from ailz.components.aws.system_pool import SystemNodePool
from ailz.components.aws.team_identity import TeamIdentity
from ailz.components.aws.workload_addons import WorkloadAddons
from ailz.components.common.base import AilzComponent
from ailz.components.common.budget_plan import activates_cost_allocation_tags, plan_budgets
from ailz.components.common.context import TargetContext
from ailz.components.common.labels import COST_KEYS, POOL_COST_KEYS, TARGET_KEY, aws_tags

LOG_ARCHIVE_AFTER_DAYS = 90


class AwsLandingZone(AilzComponent):
    def __init__(self, ctx: TargetContext, opts: pulumi.ResourceOptions | None = None) -> None:
        target = ctx.target
        super().__init__("aws", "LandingZone", target.name, ctx.path(), opts)
        self.provider = aws.Provider(
            f"{target.name}-aws",
            region=target.region,
            # Belt and braces: every resource also gets its tags explicitly.
            default_tags={"tags": aws_tags(ctx.tags())},
            opts=self.child(),
        )
        invoke = pulumi.InvokeOptions(parent=self, provider=self.provider)
        catalog = ctx.catalog
        caller = aws.get_caller_identity(opts=invoke)
        account = caller.account_id
        partition = aws.get_partition(opts=invoke).partition
        # Availability Zones only: no Local or Wavelength Zones for the control plane.
        region_zones = aws.get_availability_zones(
            state="available",
            filters=[{"name": "opt-in-status", "values": ["opt-in-not-required"]}],
            opts=invoke,
        )
        zones, cluster_zones = plan_zones(
            target.zone,
            list(region_zones.names),
            zone_ids=list(region_zones.zone_ids),
            unsupported_ids=tuple(catalog.eks_zones.unsupported_zone_ids),
        )
        node_groups = {p.pool: p for p in plan_node_groups(target, catalog)}
        cluster_name = f"{ctx.zone.name}-{target.name}"[:100]

        def part(**kwargs) -> pulumi.ResourceOptions:
            return pulumi.ResourceOptions(parent=self, providers=[self.provider], **kwargs)

        external = ctx.zone.residency.key_management == "external"
        # the storage key's policy names the Auto Scaling service-linked role, which must exist first
        service_role = (
            None if external else autoscaling_service_role(f"{target.name}-autoscaling", invoke, part())
        )
        keys = EncryptionKeys(
            f"{target.name}-keys",
            ctx.path("encryption"),
            zone=ctx.zone.name,
            target=target.name,
            region=target.region,
            external_keys=dict(target.encryption.external_keys) if external else None,
            account=account,
            partition=partition,
            tags=ctx.tags(),
            opts=part(depends_on=[service_role] if service_role is not None else []),
        )
        iam = IamBaseline(
            f"{target.name}-iam",
            ctx.path(),
            zone=ctx.zone.name,
            target=target.name,
            allowed_regions=ctx.zone.residency.allowed_regions,
            partition=partition,
            tags=ctx.tags(),
            opts=part(),
        )
        log_bucket = EncryptedBucket(
            f"{target.name}-logs",
            bucket_name=bucket_name(ctx.zone.name, target.name, "logs", account),
            partition=partition,
            spec_path=ctx.path("network"),
            key_arn=keys.arns["logs"],
            tags=ctx.tags(Name=f"{target.name}-logs", purpose="logs"),
            archive_after_days=LOG_ARCHIVE_AFTER_DAYS,
            extra_policy=lambda arn: flow_log_delivery(arn, account),
            opts=part(),
        )
        no_egress = target.network.egress == "none"
        network = Network(
            f"{target.name}-network",
            ctx.path("network"),
            target=target.name,
            region=target.region,
            network=target.network,
            zones=zones,
            cluster_zones=cluster_zones,
            cluster_name=cluster_name,
            flow_log_bucket_arn=log_bucket.arn,
            endpoint_policy=s3_endpoint_policy(
                account, target.region, partition, catalog.aws_owned_buckets.read_only_objects
            )
            if no_egress
            else None,
            gpu_subnet_addresses=addresses_needed(list(node_groups.values())) + SERVICE_ADDRESSES,
            tags=ctx.tags(),
            provider=self.provider,
            opts=part(),
        )
        cold = None
        if target.storage.cold:
            cold = ColdStorage(
                f"{target.name}-cold",
                ctx.path("storage", "cold"),
                zone=ctx.zone.name,
                target=target.name,
                account=account,
                partition=partition,
                cold=target.storage.cold,
                warm_tier=target.storage.warm is not None,
                key_arn=keys.arns["storage"],
                tags=ctx.tags(),
                opts=part(),
            )
        min_vpc_cni = max(
            (ctx.machine(p).efa.efa_only_min_vpc_cni for p in target.gpu_pools if ctx.machine(p).efa),
            default=None,
            key=parse_version,
        )
        cluster = EksCluster(
            cluster_name,
            ctx.path("kubernetes"),
            kubernetes=target.kubernetes,
            region=target.region,
            vpc_cidrs=network.cidrs,
            service_cidr=target_service_cidr(ctx.zone, target, catalog),
            prefix_delegation=target.network.prefix_delegation,
            caller_arn=caller.arn,
            role=iam.cluster_role,
            subnet_ids=network.private_subnet_ids,
            keys=keys.arns,
            partition=partition,
            min_vpc_cni=min_vpc_cni,
            tags=ctx.tags(Name=cluster_name),
            provider=self.provider,
            # the control plane knows the secondary blocks' nodes only when they exist before it
            opts=part(depends_on=network.cidr_blocks),
        )
        network.allow_lustre_from("cluster", cluster.security_group_id)
        system = SystemNodePool(
            f"{target.name}-system",
            ctx.path("system_nodes"),
            nodes=target.system_nodes,
            target=target.name,
            cluster_name=cluster.cluster.name,
            launch_template_name=f"{cluster_name}-system",
            node_role=iam.node_role,
            subnet_ids=network.system_subnet_ids,
            storage_key_arn=keys.arns["storage"],
            tags=ctx.tags(),
            depends_on=cluster.network_addons,
            opts=part(),
        )
        # one question for every GPU machine of the target, in the output form (none without pools)
        offered = pulumi.Output.from_input([])
        if target.gpu_pools:
            machines = sorted({ctx.machine(p).name for p in target.gpu_pools})
            offered = aws.ec2.get_instance_type_offerings_output(
                location_type="availability-zone",
                filters=[
                    {"name": "instance-type", "values": machines},
                    {"name": "location", "values": [network.gpu_zone]},
                ],
                opts=pulumi.InvokeOutputOptions(parent=self, provider=self.provider),
            ).instance_types
        pools = [
            GpuNodePool(
                f"{target.name}-{pool.name}",
                ctx.pool_path(pool),
                pool=pool,
                machine=ctx.machine(pool),
                target=target.name,
                cluster_name=cluster.cluster.name,
                cluster_security_group_id=cluster.security_group_id,
                node_role=iam.node_role,
                groups=node_groups[pool.name],
                subnet_ids=network.gpu_subnet_ids,
                zone=network.gpu_zone,
                offered=offered,
                launch_template_name=f"{cluster_name}-{pool.name}",
                efa_security_group_id=network.efa_sg.id,
                storage_key_arn=keys.arns["storage"],
                tags=ctx.tags(pool, Name=f"{target.name}-{pool.name}"),
                provider=self.provider,
                depends_on=cluster.network_addons,
                opts=part(),
            )
            for pool in target.gpu_pools
        ]
        WorkloadAddons(
            f"{target.name}-addons",
            ctx.path("kubernetes"),
            target=target.name,
            cluster=cluster,
            iam=iam,
            storage_key=keys.scopes["storage"],
            key_aliases=keys.aliases,
            depends_on=[system.node_group],
            opts=part(),
        )

        lustre = None
        if target.storage.warm:
            datasets = cold.buckets.get("datasets") if cold else None
            lustre = WarmLustre(
                f"{target.name}-lustre",
                ctx.path("storage", "warm"),
                warm=target.storage.warm,
                subnet_id=network.lustre_subnet_id,
                security_group_ids=[network.lustre_sg.id],
                log_key_arn=keys.arns["logs"],
                log_group_name=f"/aws/fsx/{cluster_name}-lustre",
                key_arn=keys.arns["storage"],
                datasets_bucket=datasets.name if datasets else None,
                tags=ctx.tags(Name=f"{target.name}-lustre", purpose="warm-storage"),
                opts=part(depends_on=network.lustre_rules),
            )
        bucket_arns = [b.known_arn for b in cold.buckets.values()] if cold else []
        # before each team had its own component, one component held every team's resources
        all_teams = pulumi.create_urn(f"{target.name}-teams", "ailz:aws:TeamIdentities", parent=self)
        teams = {
            team.name: TeamIdentity(
                f"{target.name}-team-{team.name}",
                ctx.path(),
                team=team.name,
                target=target.name,
                iam=iam,
                cluster_name=cluster.cluster.name,
                bucket_arns=bucket_arns,
                storage_key=keys.scopes["storage"],
                key_aliases=keys.aliases,
                tags=ctx.tags(team=team.name),
                formerly_under=all_teams,
                opts=part(),
            )
            for team in ctx.zone.teams
            if target.name in team.targets
        }
        alerts = ctx.zone.cost.budget_alerts
        budgets = plan_budgets(ctx.zone, target.name, catalog)
        if alerts is not None and budgets:
            CostBudgets(
                f"{target.name}-budgets",
                "cost.budget_alerts",
                budgets=budgets,
                alerts=alerts,
                region=target.region,
                cost_tag_keys=[*COST_KEYS, TARGET_KEY, *POOL_COST_KEYS]
                if activates_cost_allocation_tags(ctx.zone, target)
                else [],
                tags=ctx.tags(),
                opts=part(),
            )

        self.outputs: dict[str, pulumi.Input] = {
            "region": target.region,
            "zone": network.gpu_zone,
            "clusterName": cluster.cluster.name,
            "clusterEndpoint": cluster.endpoint,
            "kubeconfig": cluster.kubeconfig,
            "pools": [p.name for p in target.gpu_pools],
            "nodeGroups": pulumi.Output.from_input(
                {
                    p.name: [g.node_group_name for g in pool.node_groups]
                    for p, pool in zip(target.gpu_pools, pools, strict=True)
                }
            ),
            "maxPodsPerNode": {p.pool: p.addressing.max_pods for p in node_groups.values()},
            "efaInterfacesPerNode": pulumi.Output.from_input(
                {p.name: pool.efa_interfaces for p, pool in zip(target.gpu_pools, pools, strict=True)}
            ),
            "buckets": pulumi.Output.from_input(
                {purpose: b.name for purpose, b in (cold.buckets.items() if cold else [])}
            ),
            "logBucket": log_bucket.name,
            "kmsKeys": pulumi.Output.from_input(dict(keys.arns)),
            "teamRoles": pulumi.Output.from_input({name: team.role.arn for name, team in teams.items()}),
        }
        if lustre is not None:
            self.outputs["lustreDnsName"] = lustre.dns_name
            self.outputs["lustreMountName"] = lustre.mount_name
            gib = lustre.capacity_gib
            # the PersistentVolume the platform stage declares for it
            self.outputs["warmVolumeSpec"] = pulumi.Output.all(
                lustre.file_system.id, lustre.dns_name, lustre.mount_name
            ).apply(lambda args: fsx_lustre_pv_spec(args[0], args[1], args[2], gib))
        self.register_outputs(self.outputs)
