"""The system node pool: untainted CPU nodes for cluster services (CoreDNS, CSI controllers,
device-plugin and operator controllers, schedulers), spread over the control-plane zones."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from ailz.components.aws.spec import SystemNodes
from ailz.components.common.base import AilzComponent
from ailz.components.common.labels import aws_tags
from ailz.components.common.names import TARGET_LABEL

AMI_TYPE = "AL2023_x86_64_STANDARD"


class SystemNodePool(AilzComponent):
    def __init__(
        self,
        name: str,
        spec_path: str,
        *,
        nodes: SystemNodes,
        target: str,
        cluster_name: pulumi.Input[str],
        launch_template_name: str,
        node_role: aws.iam.Role,
        subnet_ids: list[pulumi.Input[str]],
        storage_key_arn: pulumi.Input[str],
        tags: dict[str, str],
        depends_on: list[pulumi.Resource] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("aws", "SystemNodePool", name, spec_path, opts)
        spec = nodes
        tags = aws_tags({**tags, "Name": name, "purpose": "system"})
        self.launch_template = aws.ec2.LaunchTemplate(
            name,
            # launch template names are the region's: qualified by the cluster (zone and target)
            name=launch_template_name[:128],
            description="ailz system nodes",
            update_default_version=True,
            metadata_options={
                "http_endpoint": "enabled",
                "http_tokens": "required",
                # 1 hop: pods get no node credentials; the EBS CSI controller, the only system
                # service that reads IMDS, falls back to the Kubernetes API for its metadata
                "http_put_response_hop_limit": 1,
            },
            block_device_mappings=[
                {
                    "device_name": "/dev/xvda",
                    "ebs": {
                        "volume_type": "gp3",
                        "volume_size": 100,
                        "encrypted": "true",
                        "kms_key_id": storage_key_arn,
                        "delete_on_termination": "true",
                    },
                }
            ],
            tag_specifications=[
                {"resource_type": kind, "tags": tags} for kind in ("instance", "volume", "network-interface")
            ],
            tags=tags,
            opts=self.child(),
        )
        self.node_group = aws.eks.NodeGroup(
            name,
            cluster_name=cluster_name,
            node_group_name=name,
            node_role_arn=node_role.arn,
            subnet_ids=subnet_ids,
            ami_type=AMI_TYPE,
            capacity_type="ON_DEMAND",
            instance_types=[spec.instance_type],
            launch_template={
                "id": self.launch_template.id,
                "version": self.launch_template.latest_version.apply(str),
            },
            scaling_config={"min_size": spec.nodes, "desired_size": spec.nodes, "max_size": spec.max_nodes},
            update_config={"max_unavailable": 1},
            labels={TARGET_LABEL: target, "ailz.io/purpose": "system"},
            node_repair_config={"enabled": True},
            tags=tags,
            opts=self.child(depends_on=depends_on or [], ignore_changes=["scalingConfig.desiredSize"]),
        )
        self.register_outputs({"nodeGroup": self.node_group.node_group_name})
