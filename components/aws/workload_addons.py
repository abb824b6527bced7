"""EKS add-ons whose pods need nodes: CoreDNS and the EBS and FSx CSI drivers."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from ailz.components.aws.addons import WORKLOAD_ADDONS
from ailz.components.aws.cluster import EksCluster
from ailz.components.aws.iam import IamBaseline
from ailz.components.aws.iam_policies import KeyScope, ebs_csi_key_access, pod_identity_trust
from ailz.components.common.base import AilzComponent

EBS_CSI_SERVICE_ACCOUNT = "ebs-csi-controller-sa"


class WorkloadAddons(AilzComponent):
    def __init__(
        self,
        name: str,
        spec_path: str,
        *,
        target: str,
        cluster: EksCluster,
        iam: IamBaseline,
        storage_key: KeyScope,
        key_aliases: list[pulumi.Resource] | None = None,
        depends_on: list[pulumi.Resource],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("aws", "WorkloadAddons", name, spec_path, opts)
        # The EBS CSI controller gets its AWS permissions through EKS Pod Identity.
        ebs_role = iam.role(
            "ebs-csi", pod_identity_trust(), ("service-role/AmazonEBSCSIDriverPolicy",), parent=self
        )
        aws.iam.RolePolicy(
            f"{target}-ebs-csi-kms",
            role=ebs_role.id,
            policy=json.dumps(ebs_csi_key_access(storage_key)),
            opts=self.child(depends_on=key_aliases or []),
        )
        pod_identity = {
            "aws-ebs-csi-driver": [{"role_arn": ebs_role.arn, "service_account": EBS_CSI_SERVICE_ACCOUNT}],
        }
        self.addons = [
            cluster.addon(addon, pod_identity=pod_identity.get(addon), depends_on=depends_on, parent=self)
            for addon in WORKLOAD_ADDONS
        ]
        self.register_outputs({})
