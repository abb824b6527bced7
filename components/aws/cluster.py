"""The EKS control plane: API access entries, envelope encryption, logs, network add-ons."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from ailz.components.aws.addons import NETWORK_ADDONS, addon_configuration, require_minimum
from ailz.components.aws.iam_policies import CLUSTER_ADMIN_POLICY
from ailz.components.aws.kubeconfig import eks_kubeconfig
from ailz.components.common.base import AilzComponent
from ailz.components.common.labels import aws_tags
from ailz.spec.common import Kubernetes

CONTROL_PLANE_LOGS = ["api", "audit", "authenticator", "controllerManager", "scheduler"]
LOG_RETENTION_DAYS = 365
HTTPS = 443


def same_principal(caller_arn: str):
    """A test for "this IAM role or user ARN is the caller". STS reports a role session as
    arn:aws:sts::<account>:assumed-role/<name>/<session>, without the role's path; role names are
    unique in an account, so account and name decide."""
    parts = caller_arn.split(":", 5)
    if len(parts) < 6:
        return lambda arn: False
    account, resource = parts[4], parts[5]
    if resource.startswith("assumed-role/"):
        kind, name = "role", resource.split("/")[1]
    else:
        kind, name = resource.split("/", 1)[0], resource.rsplit("/", 1)[-1]

    def matches(arn: str) -> bool:
        other = arn.split(":", 5)
        if len(other) < 6 or other[4] != account:
            return False
        return other[5].split("/", 1)[0] == kind and other[5].rsplit("/", 1)[-1] == name

    return matches


class EksCluster(AilzComponent):
    def __init__(
        self,
        name: str,
        spec_path: str,
        *,
        kubernetes: Kubernetes,
        region: str,
        vpc_cidrs: list[str],
        service_cidr: str,
        prefix_delegation: bool,
        caller_arn: str,
        role: aws.iam.Role,
        subnet_ids: list[pulumi.Input[str]],
        keys: dict[str, pulumi.Input[str]],
        partition: str,
        min_vpc_cni: str | None,
        tags: dict[str, str],
        provider: aws.Provider,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("aws", "EksCluster", name, spec_path, opts)
        self.name = name
        tags = aws_tags(tags)
        # Created before the cluster so control-plane logs land encrypted with the logs key.
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-control-plane",
            name=f"/aws/eks/{name}/cluster",
            retention_in_days=LOG_RETENTION_DAYS,
            kms_key_id=keys["logs"],
            tags=tags,
            opts=self.child(),
        )
        private_only = kubernetes.endpoint == "private"
        self.cluster = aws.eks.Cluster(
            name,
            name=name,
            version=kubernetes.version,
            role_arn=role.arn,
            vpc_config={
                "subnet_ids": subnet_ids,
                "endpoint_private_access": True,
                "endpoint_public_access": not private_only,
                # EKS opens a public endpoint to 0.0.0.0/0 unless told otherwise: name the networks
                "public_access_cidrs": None if private_only else list(kubernetes.api_access_cidrs),
            },
            access_config={
                "authentication_mode": "API",
                # The deploying identity administers the cluster so ailz can install in-cluster parts.
                "bootstrap_cluster_creator_admin_permissions": True,
            },
            encryption_config={"provider": {"key_arn": keys["secrets"]}, "resources": ["secrets"]},
            enabled_cluster_log_types=CONTROL_PLANE_LOGS,
            # named, not left to EKS: its default may be a connected network's range
            kubernetes_network_config={"ip_family": "ipv4", "service_ipv4_cidr": service_cidr},
            upgrade_policy={"support_type": "STANDARD"},
            bootstrap_self_managed_addons=False,
            tags=tags,
            opts=self.child(depends_on=[log_group]),
        )
        self.prefix_delegation = prefix_delegation
        # the deploying identity already has its access entry (bootstrapped as the creator): a
        # second entry for the same principal fails
        creator = same_principal(caller_arn)
        for index, principal in enumerate(kubernetes.admin_roles):
            if creator(principal):
                pulumi.log.info(f"{principal} deploys this cluster and administers it as its creator")
                continue
            entry = aws.eks.AccessEntry(
                f"{name}-admin-{index}",
                cluster_name=self.cluster.name,
                principal_arn=principal,
                type="STANDARD",
                tags=tags,
                opts=self.child(),
            )
            aws.eks.AccessPolicyAssociation(
                f"{name}-admin-{index}",
                cluster_name=self.cluster.name,
                principal_arn=principal,
                policy_arn=CLUSTER_ADMIN_POLICY.format(partition=partition),
                access_scope={"type": "cluster"},
                opts=self.child(depends_on=[entry]),
            )
        self.version, self.provider = kubernetes.version, provider
        self.tags = tags
        self.network_addons = [
            self.addon(addon, min_vpc_cni if addon == "vpc-cni" else None) for addon in NETWORK_ADDONS
        ]
        self.security_group_id = self.cluster.vpc_config.cluster_security_group_id
        # The private endpoint answers only traffic the cluster security group admits (its default
        # rule admits the group itself): HTTPS from the target's VPC, e.g. a runner or bastion there,
        # and from each connected network (EKS user guide, "Cluster API server endpoint")
        sources = {
            **{("vpc" if i == 0 else f"vpc-{i}"): cidr for i, cidr in enumerate(vpc_cidrs)},
            **{str(i): cidr for i, cidr in enumerate(kubernetes.connected_cidrs)},
        }
        for key, cidr in sources.items():
            aws.vpc.SecurityGroupIngressRule(
                f"{name}-api-{key}",
                security_group_id=self.security_group_id,
                description=f"Kubernetes API from {cidr}",
                ip_protocol="tcp",
                from_port=HTTPS,
                to_port=HTTPS,
                cidr_ipv4=cidr,
                tags=tags,
                opts=self.child(),
            )
        self.endpoint = self.cluster.endpoint
        self.kubeconfig = pulumi.Output.secret(
            pulumi.Output.all(
                self.cluster.name, self.cluster.endpoint, self.cluster.certificate_authority
            ).apply(lambda args: eks_kubeconfig(args[0], args[1], args[2]["data"], region))
        )
        self.register_outputs({"name": self.cluster.name, "endpoint": self.cluster.endpoint})

    def addon(
        self,
        addon: str,
        minimum: str | None = None,
        pod_identity: list[dict] | None = None,
        depends_on: list[pulumi.Resource] | None = None,
        parent: pulumi.Resource | None = None,
    ) -> aws.eks.Addon:
        """An EKS add-on at the newest version EKS offers for the cluster's Kubernetes version."""
        # the output form: the program goes on while EKS answers (a failed minimum fails the add-on)
        offered = aws.eks.get_addon_version_output(
            addon_name=addon,
            kubernetes_version=self.version,
            most_recent=True,
            opts=pulumi.InvokeOutputOptions(parent=self, provider=self.provider),
        )
        version = offered.version.apply(lambda found: require_minimum(addon, found, minimum))
        return aws.eks.Addon(
            f"{self.name}-{addon}",
            cluster_name=self.cluster.name,
            addon_name=addon,
            addon_version=version,
            resolve_conflicts_on_create="OVERWRITE",
            resolve_conflicts_on_update="PRESERVE",
            configuration_values=(
                json.dumps(config) if (config := addon_configuration(addon, self.prefix_delegation)) else None
            ),
            pod_identity_associations=pod_identity,
            tags=self.tags,
            opts=pulumi.ResourceOptions(parent=parent or self, depends_on=depends_on or []),
        )
