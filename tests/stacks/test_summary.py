"""Pool summaries describe placement and capacity as each kind's planner decides them."""

from __future__ import annotations

from ailz.components.kinds import load_spec, load_text
from ailz.stacks.summary import pool_summaries
from tests.conftest import EXAMPLES

GCP_BLOCK = (
    (EXAMPLES / "gcp-a3-ultra.yaml")
    .read_text()
    .replace(
        "capacity: {kind: reservation, reservation_id: a3u-train-res, reserved_nodes: 4}",
        "capacity: {kind: reservation, reservation_id: a3u-train-res, reserved_nodes: 4, "
        "reservation_block: block-7}",
    )
)


def _rows(zone) -> dict[tuple[str, str], object]:
    return {(row.target, row.pool): row for row in pool_summaries(zone)}


def test_gke_pool_on_a_reservation_block_is_placed_by_the_block_not_compact():
    rows = _rows(load_text(GCP_BLOCK, "block.yaml").zone)
    assert rows["gcp-train", "h200"].placement == "placed by reservation block block-7, zone europe-west4-b"
    assert rows["gcp-train", "h200"].capacity == "reservation a3u-train-res"


def test_gke_pools_on_a_reservation_are_placed_by_it_others_compact():
    rows = _rows(load_spec(EXAMPLES / "gcp-a3-mega.yaml").zone)
    assert rows["gcp-ft", "h100-mega"].placement == "placed by reservation a3m-ft-res, zone us-central1-a"
    assert rows["gcp-ft", "h100-batch"].placement == "compact placement, zone us-central1-a"


def test_every_kind_describes_its_pools():
    rows = _rows(load_spec(EXAMPLES / "hybrid-sovereign.yaml").zone)
    by_kind = {row.target: row for row in rows.values()}
    assert any("placement group" in r.placement or "Capacity Block" in r.placement for r in by_kind.values())
    onprem = [r for r in rows.values() if r.capacity == "owned servers"]
    assert onprem and all(r.placement == "node labels on the existing cluster" for r in onprem)
    assert all(r.fabric in ("infiniband", "roce") for r in onprem)


def test_capacity_block_pool_is_co_located_by_the_block():
    rows = _rows(load_spec(EXAMPLES / "aws-p5-training.yaml").zone)
    blocks = [r for r in rows.values() if r.capacity.startswith("capacity-block")]
    assert blocks and all(r.placement.startswith("co-located by the Capacity Block") for r in blocks)
