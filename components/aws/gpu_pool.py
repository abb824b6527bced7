"""A GPU node pool: placement group, EFA launch template, capacity, managed node group.

The choices come from gpu_pool_plan.py; this component registers the resources.
"""

from __future__ import annotations

import base64

import pulumi
import pulumi_aws as aws

from ailz.catalog import Machine
from ailz.components.aws import gpu_pool_plan as plan
from ailz.components.aws.address_plan import PoolGroups
from ailz.components.aws.nic_layout import efa_interface_count
from ailz.components.aws.user_data import node_user_data
from ailz.components.common.base import AilzComponent
from ailz.components.common.labels import aws_tags
from ailz.spec.common import GpuPool

AMI_TYPE = "AL2023_x86_64_NVIDIA"
ROOT_DEVICE = "/dev/xvda"  # AL2023 EKS AMIs
ROOT_VOLUME_GIB = 200
TAGGED_AT_LAUNCH = ("instance", "volume", "network-interface")


class GpuNodePool(AilzComponent):
    def __init__(
        self,
        name: str,
        spec_path: str,
        *,
        pool: GpuPool,
        machine: Machine,
        target: str,
        cluster_name: pulumi.Input[str],
        cluster_security_group_id: pulumi.Input[str],
        node_role: aws.iam.Role,
        groups: PoolGroups,
        subnet_ids: pulumi.Input[list[str]],
        zone: str,
        offered: pulumi.Output[list[str]],
        launch_template_name: str,
        efa_security_group_id: pulumi.Input[str],
        storage_key_arn: pulumi.Input[str],
        tags: dict[str, str],
        provider: aws.Provider,
        depends_on: list[pulumi.Resource] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("aws", "GpuNodePool", name, spec_path, opts)
        tags = aws_tags(tags)
        # the zone's offerings, asked once for every pool of the target (landing_zone.py)
        instance_type = offered.apply(lambda types: plan.offered_machine(machine.name, zone, list(types)))

        placement: dict | None = plan.existing_placement(pool)
        self.placement_group: aws.ec2.PlacementGroup | None = None
        if plan.needs_placement_group(pool):
            self.placement_group = aws.ec2.PlacementGroup(
                name, strategy="cluster", tags=tags, opts=self.child()
            )
            placement = {"group_name": self.placement_group.name}

        slots = plan.nic_slots(machine)
        self.efa_interfaces = efa_interface_count(slots)
        self.launch_template = aws.ec2.LaunchTemplate(
            name,
            # launch template names are the region's: qualified by the cluster (zone and target)
            name=launch_template_name[:128],
            description=f"ailz GPU pool {pool.name}: {machine.description}",
            instance_type=instance_type,
            update_default_version=True,
            user_data=base64.b64encode(
                node_user_data(machine.local_nvme.count, groups.addressing.max_pods).encode()
            ).decode(),
            network_interfaces=plan.network_interfaces(
                name, slots, [cluster_security_group_id, efa_security_group_id]
            ),
            placement=placement,
            instance_market_options=plan.market_options(pool),
            capacity_reservation_specification=plan.reservation_options(pool),
            metadata_options={
                "http_endpoint": "enabled",
                "http_tokens": "required",
                # 1 hop: pods on GPU nodes get no instance credentials (their own come from Pod
                # Identity); what runs there that reads IMDS uses the host network (VPC CNI, EFA
                # device plugin) or falls back to the Kubernetes API (EBS CSI node).
                "http_put_response_hop_limit": 1,
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
        block_state = None
        if pool.capacity.kind == "capacity-block":
            block = aws.ec2.get_capacity_block_reservation_output(
                id=pool.capacity.reservation_id, opts=pulumi.InvokeOptions(parent=self, provider=provider)
            )
            block_state = block.state.apply(lambda state: self._block_state(pool, state))

        def scaling(share):
            sizes = plan.scaling(pool, share)
            if block_state is None:
                return sizes
            return block_state.apply(lambda state: plan.block_scaling(sizes, state))

        # a pool larger than one node group may hold is several groups of the same template, the
        # first keeping the pool's name
        self.node_groups = [
            aws.eks.NodeGroup(
                share.name(name),
                cluster_name=cluster_name,
                node_group_name=share.name(name),
                node_role_arn=node_role.arn,
                subnet_ids=plan.group_subnets(share, subnet_ids),
                ami_type=AMI_TYPE,
                capacity_type=plan.capacity_type(pool),
                launch_template={
                    "id": self.launch_template.id,
                    "version": self.launch_template.latest_version.apply(str),
                },
                scaling_config=scaling(share),
                update_config=plan.update_config(pool, share),
                labels=plan.node_labels(pool, target),
                taints=[plan.GPU_TAINT],
                node_repair_config={"enabled": True},
                tags=tags,
                # EKS (Capacity Block end) and autoscalers move the desired size; do not fight them.
                opts=self.child(depends_on=depends_on or [], ignore_changes=["scalingConfig.desiredSize"]),
            )
            for share in groups.groups
        ]
        self.node_group = self.node_groups[0]
        self.name = name
        self.register_outputs(
            {
                "nodeGroups": [g.node_group_name for g in self.node_groups],
                "efaInterfaces": self.efa_interfaces,
            }
        )

    @staticmethod
    def _block_state(pool: GpuPool, state: str) -> str:
        if state != "active":
            pulumi.log.warn(
                f"Capacity Block {pool.capacity.reservation_id} is {state}: pool '{pool.name}' starts with "
                f"0 nodes; once the block is active, scale its node groups to {pool.scaling[1]} nodes "
                "(aws eks update-nodegroup-config --scaling-config desiredSize=N)"
            )
        return state
