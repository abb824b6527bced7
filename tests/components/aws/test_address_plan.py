"""Addresses and pods per GPU node, node-group splitting and placement: pure, property-tested."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ailz.catalog import load_catalog
from ailz.components.aws.address_plan import (
    QuotaExceeded,
    SubnetsFull,
    node_addressing,
    place_groups,
    plan_node_groups,
    pod_interfaces,
)
from ailz.components.aws.spec import AwsTarget
from ailz.components.common.pool_split import PoolShare, split_pool

CATALOG = load_catalog()
AWS_MACHINES = sorted(n for n, m in CATALOG.machines.items() if m.provider == "aws")


def test_a_p5_addresses_pods_only_through_its_one_ena_interface_on_card_0():
    # card 0 of a p5.48xlarge holds two interfaces: the ENA primary and an efa-only one, which takes
    # no address; the primary's 49 secondary addresses are the pods' (+2 host-network pods)
    p5 = CATALOG.machine("p5.48xlarge")
    assert pod_interfaces(p5) == 1
    assert node_addressing(p5, False, CATALOG).max_pods == 51
    assert node_addressing(p5, False, CATALOG).addresses == 50


def test_prefix_delegation_reaches_the_managed_node_group_ceiling_at_a_cost_in_addresses():
    p5 = CATALOG.machine("p5.48xlarge")
    delegated = node_addressing(p5, True, CATALOG)
    assert delegated.max_pods == 250  # EKS caps managed node groups over 30 vCPUs at 250
    # 248 pods in 16 prefixes of 16, one more kept warm, and the interface's own address
    assert delegated.addresses == 17 * 16 + 1


@pytest.mark.parametrize("name", AWS_MACHINES)
@pytest.mark.parametrize("delegated", [False, True])
def test_every_pod_kubelet_admits_has_an_address(name, delegated):
    machine = CATALOG.machine(name)
    plan = node_addressing(machine, delegated, CATALOG)
    assert 0 < plan.max_pods <= CATALOG.eks_pods.max_pods_large
    assert plan.addresses >= plan.max_pods - CATALOG.eks_pods.host_network_pods


@given(
    low=st.integers(0, 3000),
    extra=st.integers(0, 3000),
    more=st.integers(0, 3000),
    per_group=st.integers(1, 1000),
)
def test_split_groups_add_up_and_fit_the_quota(low, extra, more, per_group):
    desired, high = low + extra, low + extra + more
    if high == 0:
        return
    shares = split_pool((low, desired, high), per_group)
    assert sum(s.min_size for s in shares) == low
    assert sum(s.desired_size for s in shares) == desired
    assert sum(s.max_size for s in shares) == high
    for s in shares:
        assert 1 <= s.max_size <= per_group
        assert s.min_size <= s.desired_size <= s.max_size
    assert len(shares) == -(-high // per_group)


@given(
    sizes=st.lists(st.integers(1, 500), min_size=1, max_size=10),
    per_node=st.integers(1, 300),
    free=st.lists(st.integers(0, 70000), min_size=1, max_size=4),
)
def test_placed_groups_never_overfill_a_subnet(sizes, per_node, free):
    groups = [("p", PoolShare(i, 0, n, n), per_node) for i, n in enumerate(sizes)]
    try:
        placed = place_groups(groups, free)
    except SubnetsFull:
        return
    for i, room in enumerate(free):
        assert sum(n * per_node for j, n in enumerate(sizes) if placed[("p", j)] == i) <= room


def _target(**network):
    return AwsTarget.model_validate(
        {
            "name": "train",
            "kind": "aws",
            "region": "us-east-1",
            "zone": "us-east-1a",
            "network": {"cidr": "10.20.0.0/16", **network},
            "kubernetes": {"version": "1.35"},
            "gpu_pools": [
                {
                    "name": "h100",
                    "machine": "p5.48xlarge",
                    "nodes": 1024,
                    "capacity": {"kind": "reservation", "reservation_id": "cr-0123456789abcdef0"},
                }
            ],
        }
    )


def test_1024_p5_fit_one_target_with_a_secondary_block():
    (pool,) = plan_node_groups(_target(secondary_cidrs=["100.64.0.0/16"]), CATALOG)
    assert [g.max_size for g in pool.groups] == [342, 341, 341]
    assert sum(g.max_size for g in pool.groups) == 1024
    assert {g.subnet for g in pool.groups} == {0}


def test_1024_p5_do_not_fit_the_primary_block_alone():
    with pytest.raises(SubnetsFull, match="need 51200"):
        plan_node_groups(_target(), CATALOG)


def test_more_node_groups_than_the_cluster_may_have_names_the_quota():
    target = _target(secondary_cidrs=["100.64.0.0/16"])
    target.eks_quotas.nodes_per_node_group = 30  # 35 groups + the system group
    with pytest.raises(QuotaExceeded, match="30 managed node groups per cluster"):
        plan_node_groups(target, CATALOG)
