"""Registers the aws target kind."""

from __future__ import annotations

from ailz.catalog import Machine, load_catalog
from ailz.components.aws.address_plan import node_addressing, quotas
from ailz.components.aws.checks import check_aws_target
from ailz.components.aws.fakes import AWS_FAKES
from ailz.components.aws.gpu_pool_plan import NO_PLACEMENT_GROUP
from ailz.components.aws.spec import AwsTarget
from ailz.components.common.kind import PoolFacts, TargetKind, reserved_capacity
from ailz.components.common.pool_split import split_pool
from ailz.spec.common import GpuPool


def stack_config(target: AwsTarget) -> dict[str, str]:
    return {"aws:region": target.region}


def describe_pool(target: AwsTarget, pool: GpuPool, machine: Machine) -> PoolFacts:
    group = pool.capacity.placement_group
    if pool.capacity.kind == "capacity-block":
        # EC2 co-locates the instances of a Capacity Block itself (EC2 Capacity Blocks documentation)
        placement = f"co-located by the Capacity Block, single AZ {target.zone}"
    elif group == NO_PLACEMENT_GROUP:
        placement = f"no placement group, single AZ {target.zone}"
    elif group is not None:
        placement = f"existing cluster placement group {group}, single AZ {target.zone}"
    else:
        placement = f"cluster placement group, single AZ {target.zone}"
    catalog = load_catalog()
    shares = split_pool(pool.scaling, quotas(target, catalog)[1])
    if len(shares) > 1:
        sizes = "+".join(str(s.max_size) for s in shares)
        placement += f"; {len(shares)} EKS node groups ({sizes} nodes at most)"
    if machine.vpc_limits is not None:
        pods = node_addressing(machine, target.network.prefix_delegation, catalog).max_pods
        placement += f"; maxPods {pods}"
    return PoolFacts(fabric=machine.fabric, capacity=reserved_capacity(pool), placement=placement)


AWS = TargetKind(
    model=AwsTarget,
    check=check_aws_target,
    cluster_layer="ailz.components.aws.cluster_layer:AwsClusterLayer",
    landing_zone="ailz.components.aws.landing_zone:AwsLandingZone",
    stack_config=stack_config,
    describe_pool=describe_pool,
    fakes=AWS_FAKES,
    api_access_hint=(
        "the EKS private endpoint answers only inside the VPC and from kubernetes.connected_cidrs "
        "(HTTPS on the cluster security group): run `ailz up --stage platform` from one of them, or set "
        "kubernetes.endpoint: public-and-private with this runner's egress in kubernetes.api_access_cidrs"
    ),
)
