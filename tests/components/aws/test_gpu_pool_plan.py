"""The pure choices of an EKS GPU node group, for every capacity kind and every AWS machine."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ailz.catalog import load_catalog
from ailz.components.aws import gpu_pool_plan as plan
from ailz.components.common.names import POOL_LABEL, TARGET_LABEL
from ailz.spec.common import GpuPool

AWS_MACHINES = [m for m in load_catalog().machines.values() if m.provider == "aws"]


@st.composite
def pools(draw) -> GpuPool:
    kind = draw(st.sampled_from(["on-demand", "reservation", "capacity-block", "spot"]))
    low = draw(st.integers(0, 64))
    nodes = draw(st.integers(max(low, 1), 128))
    high = draw(st.integers(nodes, 256))
    capacity = {"kind": kind}
    if kind in ("reservation", "capacity-block"):
        capacity["reservation_id"] = "cr-0123456789abcdef0"
    labels = draw(
        st.dictionaries(st.sampled_from([POOL_LABEL, TARGET_LABEL, "team", "x"]), st.text(max_size=5))
    )
    return GpuPool(
        name="pool", machine="p5.48xlarge", nodes=nodes, min_nodes=low, max_nodes=high,
        purpose="batch", capacity=capacity, labels=labels,
    )  # fmt: skip


@given(pools())
def test_capacity_options_follow_the_capacity_kind(pool):
    kind = pool.capacity.kind
    assert plan.capacity_type(pool) == {"capacity-block": "CAPACITY_BLOCK", "spot": "SPOT"}.get(
        kind, "ON_DEMAND"
    )
    # EC2 places a Capacity Block itself, and an ODCR decides its own placement group
    assert plan.needs_placement_group(pool) == (kind in ("on-demand", "spot"))
    assert (plan.market_options(pool) is not None) == (kind == "capacity-block")
    reservation = plan.reservation_options(pool)
    if kind in ("reservation", "capacity-block"):
        assert reservation["capacity_reservation_target"]["capacity_reservation_id"] == "cr-0123456789abcdef0"
    else:
        assert reservation is None


@given(pools())
def test_scaling_stays_ordered_and_capacity_blocks_can_drain(pool):
    scaling = plan.scaling(pool)
    assert scaling["min_size"] <= scaling["desired_size"] <= scaling["max_size"]
    assert scaling["desired_size"] == pool.nodes
    if pool.capacity.kind == "capacity-block":
        assert scaling["min_size"] == 0


@given(pools())
def test_a_capacity_block_that_has_not_started_starts_its_groups_empty(pool):
    sizes = plan.scaling(pool)
    assert plan.block_scaling(sizes, "active") == sizes
    for state in ("scheduled", "payment-pending", "expired"):
        assert plan.block_scaling(sizes, state) == {**sizes, "desired_size": 0}


@given(pools())
def test_rollouts_replace_a_tenth_of_a_group_within_what_eks_accepts(pool):
    unavailable = plan.update_config(pool)["max_unavailable"]
    assert 1 <= unavailable <= 100
    assert unavailable <= max(1, pool.scaling[2] // 10)


@given(pools())
def test_shared_node_labels_win_over_the_pool_labels(pool):
    labels = plan.node_labels(pool, "aws-train")
    assert labels[POOL_LABEL] == "pool" and labels[TARGET_LABEL] == "aws-train"
    assert labels["ailz.io/purpose"] == "batch"


@pytest.mark.parametrize("machine", AWS_MACHINES, ids=lambda m: m.name)
def test_every_aws_machine_gets_ena_first_then_all_its_efa_interfaces(machine):
    interfaces = plan.network_interfaces("n", plan.nic_slots(machine), ["cluster-sg", "efa-sg"])
    assert (interfaces[0]["network_card_index"], interfaces[0]["device_index"]) == (0, 0)
    assert interfaces[0]["interface_type"] == "interface"
    efa = [i for i in interfaces if i["interface_type"] == "efa-only"]
    assert len(efa) == (machine.efa.max_efa_interfaces if machine.efa else 0)
    places = [(i["network_card_index"], i["device_index"]) for i in interfaces]
    assert len(set(places)) == len(places)
    assert all(i["security_groups"] == ["cluster-sg", "efa-sg"] for i in interfaces)
    assert all("subnet_id" not in i and "associate_public_ip_address" not in i for i in interfaces)


def _reserved(placement_group):
    capacity = {
        "kind": "reservation",
        "reservation_id": "cr-0123456789abcdef0",
        "placement_group": placement_group,
    }
    return GpuPool(name="pool", machine="p5.48xlarge", nodes=2, capacity=capacity)


def test_a_reservation_made_in_an_existing_placement_group_launches_into_it():
    pool = _reserved("ml-cpg-1")
    assert not plan.needs_placement_group(pool)
    assert plan.existing_placement(pool) == {"group_name": "ml-cpg-1"}


def test_a_reservation_outside_any_placement_group_gets_none():
    pool = _reserved("none")
    assert not plan.needs_placement_group(pool) and plan.existing_placement(pool) is None


def test_a_reservation_gets_no_placement_group_of_ailz_by_default():
    # launching an ODCR's instances into a group it was not made in fails for lack of capacity
    pool = _reserved(None)
    assert not plan.needs_placement_group(pool) and plan.existing_placement(pool) is None
    on_demand = GpuPool(name="pool", machine="p5.48xlarge", nodes=2)
    assert plan.needs_placement_group(on_demand)
