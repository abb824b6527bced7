"""A GPU node pool: placement group, EFA launch template, capacity, managed node group."""

from __future__ import annotations

import base64

import pulumi
import pulumi_aws as aws

from ailz.components.aws.nic_layout import efa_interface_count, efa_layout
from ailz.components.aws.user_data import node_user_data
from ailz.components.common.base import AilzComponent
from ailz.components.common.context import TargetContext
from ailz.components.common.labels import aws_tags
from ailz.components.common.names import GPU_TAINT_KEY, POOL_LABEL, TARGET_LABEL
from ailz.spec.common import GpuPool

AMI_TYPE = "AL2023_x86_64_NVIDIA"
ROOT_DEVICE = "/dev/xvda"  # AL2023 EKS AMIs
ROOT_VOLUME_GIB = 200
TAGGED_AT_LAUNCH = ("instance", "volume", "network-interface")
GPU_TAINT = {"key": GPU_TAINT_KEY, "value": "true", "effect": "NO_SCHEDULE"}
NODE_GROUP_CAPACITY = {
    "on-demand": "ON_DEMAND",
    "reservation": "ON_DEMAND",
    "capacity-block": "CAPACITY_BLOCK",
    "spot": "SPOT",
}
# EC2 places Capacity Block instances together in an UltraCluster itself (EC2 API reference,
# CapacityBlock); ailz adds its own cluster placement group for every other capacity kind.
OWN_PLACEMENT_GROUP = ("on-demand", "reservation", "spot")


def check_offered(machine: str, zone: str, offered: list[str]) -> None:
    if machine not in offered:
        raise ValueError(f"{machine} is not offered in {zone}; pick a zone that offers it")


class GpuNodePool(AilzComponent):
    def __init__(
        self,
        ctx: TargetContext,
        pool: GpuPool,
        cluster_name: pulumi.Input[str],
        cluster_security_group_id: pulumi.Input[str],
        node_role: aws.iam.Role,
        subnet_id: pulumi.Input[str],
        zone: str,
        efa_security_group_id: pulumi.Input[str],
        storage_key_arn: pulumi.Input[str],
        provider: aws.Provider,
        depends_on: list[pulumi.Resource] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        target = ctx.target
        machine = ctx.machine(pool)
        name = f"{target.name}-{pool.name}"
        super().__init__("aws", "GpuNodePool", name, ctx.pool_path(pool), opts)
        offerings = aws.ec2.get_instance_type_offerings(
            location_type="availability-zone",
            filters=[
                {"name": "instance-type", "values": [machine.name]},
                {"name": "location", "values": [zone]},
            ],
            opts=pulumi.InvokeOptions(parent=self, provider=provider),
        )
        check_offered(machine.name, zone, list(offerings.instance_types))
        tags = aws_tags(ctx.tags(pool, Name=name))
        capacity = pool.capacity

        placement: dict | None = None
        self.placement_group: aws.ec2.PlacementGroup | None = None
        if capacity.kind in OWN_PLACEMENT_GROUP:
            self.placement_group = aws.ec2.PlacementGroup(
                name, strategy="cluster", tags=tags, opts=self.child()
            )
            placement = {"group_name": self.placement_group.name}

        # EKS adds no cluster security group once a launch template names groups, so every
        # interface carries it beside the EFA group. The subnet comes from the node group: EKS
        # refuses launch templates whose network interfaces name one (EKS user guide,
        # "Customize managed nodes with launch templates").
        security_groups = [cluster_security_group_id, efa_security_group_id]
        efa = machine.efa
        slots = efa_layout(efa.network_cards, efa.max_efa_interfaces) if efa else efa_layout(1, 0)
        self.efa_interfaces = efa_interface_count(slots)
        network_interfaces = [
            {
                "network_card_index": slot.network_card_index,
                "device_index": slot.device_index,
                "interface_type": slot.interface_type,
                "security_groups": security_groups,
                # no AssociatePublicIpAddress: EC2 refuses it on multi-interface launches; the
                # private subnets never map public IPs (map_public_ip_on_launch false)
                "delete_on_termination": "true",
                "description": f"{name} {slot.interface_type} card {slot.network_card_index}",
            }
            for slot in slots
        ]
        market: dict | None = None
        reservation: dict | None = None
        if capacity.kind == "capacity-block":
            market = {"market_type": "capacity-block"}
        if capacity.kind in ("reservation", "capacity-block"):
            reservation = {
                "capacity_reservation_target": {"capacity_reservation_id": capacity.reservation_id}
            }

        self.launch_template = aws.ec2.LaunchTemplate(
            name,
            name=name,
            description=f"ailz GPU pool {pool.name}: {machine.description}",
            instance_type=machine.name,
            update_default_version=True,
            user_data=base64.b64encode(node_user_data(machine.local_nvme.count).encode()).decode(),
            network_interfaces=network_interfaces,
            placement=placement,
            instance_market_options=market,
            capacity_reservation_specification=reservation,
            metadata_options={
                "http_endpoint": "enabled",
                "http_tokens": "required",
                # 2 hops: containers reach IMDSv2 through the node's network namespace.
                "http_put_response_hop_limit": 2,
                "instance_metadata_tags": "disabled",
            },
            block_device_mappings=[
                {
                    "device_name": ROOT_DEVICE,
                    "ebs": {
                        "volume_type": "gp3",
                        "volume_size": ROOT_VOLUME_GIB,
                        "encrypted": "true",
                        "kms_key_id": storage_key_arn,
                        "delete_on_termination": "true",
                    },
                }
            ],
            monitoring={"enabled": True},
            tag_specifications=[{"resource_type": kind, "tags": tags} for kind in TAGGED_AT_LAUNCH],
            tags=tags,
            opts=self.child(),
        )
        low, desired, high = pool.scaling
        if capacity.kind == "capacity-block":
            # the group must be able to drop to 0: before upgrades (EKS user guide, Capacity Blocks
            # with managed node groups) and when the block ends
            low = 0
        self.node_group = aws.eks.NodeGroup(
            name,
            cluster_name=cluster_name,
            node_group_name=name,
            node_role_arn=node_role.arn,
            subnet_ids=[subnet_id],
            ami_type=AMI_TYPE,
            capacity_type=NODE_GROUP_CAPACITY[capacity.kind],
            launch_template={
                "id": self.launch_template.id,
                "version": self.launch_template.latest_version.apply(str),
            },
            scaling_config={"min_size": low, "desired_size": desired, "max_size": high},
            update_config={"max_unavailable": 1},
            labels={
                **pool.labels,
                POOL_LABEL: pool.name,
                TARGET_LABEL: target.name,
                "ailz.io/purpose": pool.purpose,
            },
            taints=[GPU_TAINT],
            node_repair_config={"enabled": True},
            tags=tags,
            # EKS (Capacity Block end) and autoscalers move the desired size; do not fight them.
            opts=self.child(depends_on=depends_on or [], ignore_changes=["scalingConfig.desiredSize"]),
        )
        self.name = name
        self.register_outputs(
            {"nodeGroup": self.node_group.node_group_name, "efaInterfaces": self.efa_interfaces}
        )
