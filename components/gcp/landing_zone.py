"""The GCP target's infrastructure stack: the provider and every GCP part of the zone. Nothing here
talks to the Kubernetes API: the platform stage (cluster_layer.py) does, from this stack's outputs."""

from __future__ import annotations

import pulumi
import pulumi_gcp as gcp

from ailz.catalog import load_catalog
from ailz.components.common import names as naming
from ailz.components.common.base import AilzComponent
from ailz.components.common.budget_plan import plan_budgets
from ailz.components.common.context import TargetContext
from ailz.components.common.labels import gcp_labels, k8s_labels
from ailz.components.gcp import network_plan
from ailz.components.gcp.budgets import CostBudgets
from ailz.components.gcp.cluster import GkeCluster
from ailz.components.gcp.cold_storage import ColdStorage
from ailz.components.gcp.existing_network import adopt_network
from ailz.components.gcp.filestore import SHARE, FilestoreShare, filestore_pv_spec
from ailz.components.gcp.gpu_networks import GpuNetworks
from ailz.components.gcp.gpu_pool import GpuNodePool
from ailz.components.gcp.keys import EncryptionKeys, service_agents
from ailz.components.gcp.lustre import ManagedLustre
from ailz.components.gcp.names import account_id, fit
from ailz.components.gcp.network import Network
from ailz.components.gcp.node_identity import NodeServiceAccount
from ailz.components.gcp.private_services import PrivateServiceAccess
from ailz.components.gcp.project_services import ProjectServices
from ailz.components.gcp.system_pool import SystemNodePool
from ailz.components.gcp.team_identity import TeamIdentity
from ailz.components.gcp.versions import cluster_version, required_versions
from ailz.components.gcp.warm_tiers import DEFAULT_CAPACITY_GIB, DEFAULT_FILESTORE_GIB, DEFAULT_THROUGHPUT
from ailz.components.gcp.warm_volume import lustre_pv_spec

# Output keys GCP stacks had before every kind spelled them in camelCase; exported as well, for one
# release, so scripts reading them keep working (docs/gcp.md).
RENAMED_OUTPUTS = {
    "cluster_name": "clusterName",
    "cluster_endpoint": "clusterEndpoint",
    "keys": "kmsKeys",
    "lustre_mount_point": "lustreMountPoint",
    "filestore_share": "filestoreShare",
}


class GcpLandingZone(AilzComponent):
    def __init__(self, ctx: TargetContext, opts: pulumi.ResourceOptions | None = None) -> None:
        target = ctx.target
        super().__init__("gcp", "LandingZone", target.name, ctx.path(), opts)
        self.provider = gcp.Provider(
            f"{target.name}-gcp",
            project=target.project,
            region=target.region,
            zone=target.zone,
            opts=self.child(),
        )
        project, region, zone = target.project, target.region, target.zone
        prefix = fit(ctx.stack_name, 30)
        labels = gcp_labels(ctx.tags())
        invoke = pulumi.InvokeOptions(provider=self.provider)
        storage = target.storage
        warm_kind = storage.warm.kind if storage.warm is not None else None

        budgets = plan_budgets(ctx.zone, target.name, ctx.catalog)
        services = ProjectServices(
            f"{prefix}-apis",
            ctx.path(),
            project=project,
            warm=warm_kind,
            budgets=bool(budgets),
            opts=self._opts(),
        )
        after_apis = self._opts(depends_on=[services])
        # lookups in the output form: the program goes on while Google answers
        asked = pulumi.InvokeOutputOptions(provider=self.provider)
        number = gcp.organizations.get_project_output(project_id=project, opts=asked).number
        gcs_agent = gcp.storage.get_project_service_account_output(project=project, opts=asked).email_address

        keys = None
        if ctx.zone.residency.key_management != "provider-managed":
            external = target.encryption.external_keys or None
            keys = EncryptionKeys(
                f"{prefix}-keys",
                ctx.path("encryption"),
                project=project,
                region=region,
                agents=service_agents(
                    number, gcs_agent, (warm_kind, services.warm_agent) if warm_kind else None
                ),
                external_keys=external if ctx.zone.residency.key_management == "external" else None,
                labels=labels,
                opts=after_apis,
            )
        key = lambda data_class: keys.key_ids[data_class] if keys else None  # noqa: E731
        after_keys = self._opts(depends_on=[services, *(keys.grants if keys else [])])

        nodes_sa = NodeServiceAccount(
            f"{prefix}-nodes",
            ctx.path(),
            project=project,
            account_id=account_id(prefix, "nodes"),
            opts=after_apis,
        )

        machines = {pool.name: ctx.machine(pool) for pool in target.gpu_pools}
        vpcs = network_plan.merged_vpcs(list(machines.values()))
        pool_networks = {
            pool.name: [item["name"] for item in naming.gke_extra_networks(machines[pool.name])]
            for pool in target.gpu_pools
        }
        users = network_plan.nic_users([(pool.scaling[2], machines[pool.name]) for pool in target.gpu_pools])
        existing = target.network.existing
        if existing is not None:
            primary, addresses = adopt_network(target, users, invoke)
        else:
            addresses = network_plan.plan_addresses(
                target.network.cidr,
                users,
                sum(pool.scaling[2] for pool in target.gpu_pools),
                warm_kind is not None,
            )
            primary = Network(
                f"{prefix}-vpc",
                ctx.path("network"),
                project=project,
                region=region,
                cidr=target.network.cidr,
                addresses=addresses,
                egress=target.network.egress,
                # jumbo frames on the primary VPC too, as the families' gVNIC networks (catalog); GCP's
                # default VPC MTU when no GPU family asks for them
                mtu=max(
                    (m.gcp.gvnic_mtu for m in machines.values() if m.gcp),
                    default=load_catalog().gcp_vpc.default_mtu,
                ),
                labels=labels,
                opts=after_apis,
            )
        fabric = None
        fabric_name = f"{prefix}-fabric"
        vpc_of = {s.network_name: f"{fabric_name}-{v.key}" for v in vpcs for s in v.subnets}
        if vpcs:
            fabric = GpuNetworks(
                fabric_name,
                ctx.path("gpu_pools"),
                project=project,
                region=region,
                zone=zone,
                vpcs=vpcs,
                cidrs=addresses.extra,
                opts=after_apis,
            )

        training = any(pool.purpose == "training" for pool in target.gpu_pools)
        cluster = GkeCluster(
            fit(ctx.stack_name, 40),
            ctx.path("kubernetes"),
            project=project,
            location=region if target.regional_cluster else zone,
            node_locations=[zone] if target.regional_cluster else None,
            network=primary.network.id,
            subnetwork=primary.subnet.id,
            master_cidr=addresses.master,
            **(
                {"pods_range": existing.pods_range, "services_range": existing.services_range}
                if existing
                else {}
            ),
            authorized_cidr=target.network.cidr,
            # connected networks reach the private endpoint, listed ones the public one
            api_access_cidrs=[*target.kubernetes.connected_cidrs, *target.kubernetes.api_access_cidrs],
            # the spec's minor, raised to the patch its machines and warm tier need within it
            version=cluster_version(target.kubernetes.version, required_versions(target, ctx.catalog)),
            private_endpoint=target.kubernetes.endpoint == "private",
            multi_networking=bool(vpcs),
            training=training,
            secrets_key=key("secrets"),
            node_service_account=nodes_sa.email,
            labels=labels,
            opts=self._opts(depends_on=[services, *(keys.grants if keys else []), *nodes_sa.bindings]),
        )
        location = region if target.regional_cluster else zone
        SystemNodePool(
            f"{prefix}-system",
            ctx.path("kubernetes"),
            project=project,
            location=location,
            zone=zone,
            cluster=cluster.cluster.name,
            service_account=nodes_sa.email,
            boot_disk_key=key("storage"),
            labels={**k8s_labels(ctx.tags()), naming.TARGET_LABEL: target.name},
            resource_labels=labels,
            opts=after_keys,
        )
        for pool in target.gpu_pools:
            GpuNodePool(
                f"{prefix}-{pool.name}",
                ctx.pool_path(pool),
                project=project,
                location=location,
                zone=zone,
                cluster=cluster.cluster.name,
                pool=pool,
                machine=machines[pool.name],
                target=target.name,
                extra_nics=[fabric.attached[name] for name in pool_networks[pool.name]] if fabric else [],
                service_account=nodes_sa.email,
                boot_disk_key=key("storage"),
                tags=ctx.tags(pool),
                resource_labels=gcp_labels(ctx.tags(pool)),
                opts=after_keys,
            )

        buckets: dict[str, pulumi.Output[str]] = {}
        if storage.cold is not None:
            cold = ColdStorage(
                f"{prefix}-cold",
                ctx.path("storage", "cold"),
                project=project,
                region=region,
                target=fit(target.name, 20),
                kinds=list(storage.cold.buckets),
                archive_after_days=storage.cold.archive_after_days,
                checkpoint_retention_days=storage.cold.checkpoint_retention_days,
                kms_key=key("storage"),
                labels=labels,
                opts=after_keys,
            )
            buckets = cold.names

        warm_mount: dict[str, pulumi.Input[str]] = {}
        warm_volume: dict[str, pulumi.Input] = {}
        if storage.warm is not None and existing is not None:
            # the network team's private services access range, on their network
            warm_mount, warm_volume = self._warm_tier(
                ctx, prefix, primary, existing.private_services_range, key("storage"), labels, after_keys
            )
        elif storage.warm is not None and addresses.private_services:
            psa = PrivateServiceAccess(
                f"{prefix}-psa",
                ctx.path("storage", "warm"),
                project=project,
                network=primary.network,
                cidr=addresses.private_services,
                labels=labels,
                opts=after_apis,
            )
            warm_mount, warm_volume = self._warm_tier(
                ctx,
                prefix,
                primary,
                psa.range.name,
                key("storage"),
                labels,
                self._opts(depends_on=[*after_keys.depends_on, psa]),
            )

        team_accounts: dict[str, pulumi.Input[str]] = {}
        for team in ctx.zone.teams:
            if target.name not in team.targets:
                continue
            identity = TeamIdentity(
                f"{prefix}-team-{team.name}",
                ctx.path(),
                project=project,
                team=team.name,
                account_id=account_id(team.name, target.name),
                buckets=buckets,
                opts=after_apis,
            )
            team_accounts[team.name] = identity.email
        if budgets:
            CostBudgets(
                f"{prefix}-budgets",
                "cost.budget_alerts",
                budgets=budgets,
                alerts=ctx.zone.cost.budget_alerts,
                project=project,
                project_number=number,
                labels=labels,
                opts=after_apis,
            )

        self.outputs: dict[str, pulumi.Input] = {
            "project": project,
            "region": region,
            "zone": zone,
            "clusterName": cluster.name,
            "clusterEndpoint": cluster.endpoint,
            "clusterDnsEndpoint": cluster.dns_endpoint,
            "kubeconfig": cluster.kubeconfig,
            # dicts of outputs are lifted into one output each, so exports resolve completely
            "networks": pulumi.Output.from_input(
                {
                    "primary": primary.network.name,
                    **{pool: sorted({vpc_of[n] for n in names}) for pool, names in pool_networks.items()},
                }
            ),
            "buckets": pulumi.Output.from_input(buckets),
            "kmsKeys": pulumi.Output.from_input(dict(keys.key_ids) if keys else {}),
            "lustreMountPoint": warm_mount.get("lustre"),
            "filestoreShare": warm_mount.get("filestore"),
            # what the platform stage (cluster_layer.py) declares in the cluster
            "gkeNetworks": pulumi.Output.all(*(nic.exported() for nic in fabric.attached.values()))
            if fabric is not None
            else [],
            "teamServiceAccounts": pulumi.Output.from_input(team_accounts),
            **warm_volume,
        }
        self.outputs.update({old: self.outputs[new] for old, new in RENAMED_OUTPUTS.items()})
        self.register_outputs(self.outputs)

    def _warm_tier(self, ctx, prefix, primary, reserved_range, kms_key, labels, opts):
        """Managed Lustre or Filestore; returns its mount for clients outside the cluster and the
        PersistentVolume the platform stage declares for it (warmVolumeKind, warmVolumeSpec)."""
        target, warm = ctx.target, ctx.target.storage.warm
        if warm.kind == "lustre":
            gib = warm.capacity_gib or DEFAULT_CAPACITY_GIB
            lustre = ManagedLustre(
                fit(f"{prefix}-lustre", 40),
                ctx.path("storage", "warm"),
                project=target.project,
                zone=target.zone,
                network=primary.network,
                capacity_gib=gib,
                throughput=warm.throughput_per_tib or DEFAULT_THROUGHPUT,
                kms_key=kms_key,
                labels=labels,
                opts=opts,
            )
            spec = lustre.mount_point.apply(
                lambda mount: lustre_pv_spec(
                    target.project, target.zone, lustre.instance_id, mount, lustre.filesystem, gib
                )
            )
            return {"lustre": lustre.mount_point}, {"warmVolumeKind": "lustre", "warmVolumeSpec": spec}
        gib = warm.capacity_gib or DEFAULT_FILESTORE_GIB
        share = FilestoreShare(
            fit(f"{prefix}-filestore", 40),
            ctx.path("storage", "warm"),
            project=target.project,
            zone=target.zone,
            network=primary.network,
            reserved_range=reserved_range,
            capacity_gib=gib,
            kms_key=kms_key,
            labels=labels,
            opts=opts,
        )
        spec = share.ip.apply(lambda ip: filestore_pv_spec(target.zone, share.instance_id, ip, gib))
        mount = {"filestore": pulumi.Output.concat(share.ip, f":/{SHARE}")}
        return mount, {"warmVolumeKind": "filestore", "warmVolumeSpec": spec}

    def _opts(self, depends_on: list | None = None) -> pulumi.ResourceOptions:
        """Child component options: parented here, every GCP resource on this target's provider."""
        return pulumi.ResourceOptions(
            parent=self, providers={"gcp": self.provider}, depends_on=depends_on or []
        )
