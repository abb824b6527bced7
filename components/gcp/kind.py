"""Registers the gcp target kind."""

from __future__ import annotations

from ailz.catalog import Machine
from ailz.components.common.kind import PoolFacts, TargetKind, reserved_capacity
from ailz.components.gcp.checks import check_gcp_target
from ailz.components.gcp.fakes import GCP_FAKES
from ailz.components.gcp.gpu_pool_plan import compact_placement, node_pools
from ailz.components.gcp.spec import GcpTarget
from ailz.spec.common import GpuPool


def stack_config(target: GcpTarget) -> dict[str, str]:
    return {"gcp:project": target.project, "gcp:region": target.region, "gcp:zone": target.zone}


def describe_pool(target: GcpTarget, pool: GpuPool, machine: Machine) -> PoolFacts:
    """Placement as the node pool planner decides it (a reservation block places nodes itself)."""
    block = pool.capacity.reservation_block
    if compact_placement(pool, machine):
        placement = f"compact placement, zone {target.zone}"
    elif block:
        placement = f"placed by reservation block {block}, zone {target.zone}"
    elif pool.capacity.kind == "reservation":
        placement = f"placed by reservation {pool.capacity.reservation_id}, zone {target.zone}"
    else:
        placement = f"no placement policy, zone {target.zone}"
    if len(pools := node_pools(pool)) > 1:
        sizes = "+".join(str(p.max_size) for p in pools)
        placement += f"; {len(pools)} GKE node pools ({sizes} nodes at most)"
    return PoolFacts(fabric=machine.fabric, capacity=reserved_capacity(pool), placement=placement)


GCP = TargetKind(
    model=GcpTarget,
    check=check_gcp_target,
    cluster_layer="ailz.components.gcp.cluster_layer:GcpClusterLayer",
    landing_zone="ailz.components.gcp.landing_zone:GcpLandingZone",
    stack_config=stack_config,
    describe_pool=describe_pool,
    fakes=GCP_FAKES,
    api_access_hint=(
        "the kubeconfig reaches the cluster's DNS-based endpoint (gke.goog), open to any network that "
        "reaches Google APIs and authorized by IAM: let this machine resolve and reach it (a proxy or "
        "firewall may block *.gke.goog), and give the deploying identity access to the cluster in IAM"
    ),
)
