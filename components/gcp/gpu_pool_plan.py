"""Pure choices for a GKE GPU node pool: labels, taints, reservation, placement, scaling."""

from __future__ import annotations

from ailz.catalog import Machine, load_catalog
from ailz.components.common import names as naming
from ailz.components.common.labels import k8s_labels
from ailz.components.common.pool_split import PoolShare, rollout_batch, split_pool
from ailz.spec.common import GpuPool

# Node label prefixes GKE and the kubelet reserve for themselves.
RESERVED_LABEL_DOMAINS = ("kubernetes.io", "k8s.io")
RESERVATION_KEY = "compute.googleapis.com/reservation-name"
GPU_TAINT = {"key": naming.GPU_TAINT_KEY, "value": "present", "effect": "NO_SCHEDULE"}


def _reserved(key: str) -> bool:
    domain = key.split("/", 1)[0] if "/" in key else ""
    return any(domain == d or domain.endswith("." + d) for d in RESERVED_LABEL_DOMAINS)


def node_labels(tags: dict[str, str], pool: GpuPool, target: str) -> dict[str, str]:
    """Zone labels (Kubernetes rules), the shared pool/target labels and the pool's own labels."""
    labels = {k: v for k, v in k8s_labels(tags).items() if not _reserved(k)}
    labels.update({naming.POOL_LABEL: pool.name, naming.TARGET_LABEL: target})
    labels.update({k: v for k, v in pool.labels.items() if not _reserved(k)})
    return labels


def reservation_affinity(pool: GpuPool) -> dict:
    """SPECIFIC_RESERVATION for reserved pools (optionally one block of it), else none."""
    cap = pool.capacity
    if cap.kind != "reservation":
        return {"consume_reservation_type": "NO_RESERVATION"}
    value = cap.reservation_id
    if cap.reservation_block:
        value = f"{cap.reservation_id}/reservationBlocks/{cap.reservation_block}"
    return {"consume_reservation_type": "SPECIFIC_RESERVATION", "key": RESERVATION_KEY, "values": [value]}


def compact_placement(pool: GpuPool, machine: Machine) -> bool:
    """COMPACT placement of the pool's own where the family supports it, for capacity that is not
    reserved. A reservation places its VMs itself: by its block, or by the placement policy and
    maintenance interval it was created with, which a node pool policy of its own contradicts
    (GKE's A3 Ultra / A4 guide sets none on reserved pools; xpk stopped adding one for A3 Mega
    reservations, google/xpk #476 and #522)."""
    facts = machine.gcp
    return bool(facts and facts.compact_placement and pool.capacity.kind != "reservation")


def node_pools(pool: GpuPool) -> list[PoolShare]:
    """The pool as GKE node pools: at most `gke_limits.nodes_per_pool_per_zone` nodes each."""
    return split_pool(pool.scaling, load_catalog().gke_limits.nodes_per_pool_per_zone)


def upgrade_settings(share: PoolShare) -> dict:
    """No surge (a reservation has no spare machine), a tenth of the node pool at a time."""
    return {"strategy": "SURGE", "max_surge": 0, "max_unavailable": rollout_batch(share.max_size)}


def scaling(pool: GpuPool, share: PoolShare | None = None) -> dict:
    """Fixed size when min == max (reserved training), autoscaling bounds otherwise."""
    low, nodes, high = pool.scaling if share is None else (share.min_size, share.desired_size, share.max_size)
    if low == high:
        return {"node_count": nodes}
    return {
        "initial_node_count": nodes,
        "autoscaling": {"min_node_count": low, "max_node_count": high, "location_policy": "ANY"},
    }
