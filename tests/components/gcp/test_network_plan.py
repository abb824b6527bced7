"""Extra VPC layouts per machine family and CIDR carving: no overlaps, inside the CIDR, room for pods."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ailz.catalog import load_catalog
from ailz.components.gcp import network_plan
from ailz.components.gcp.network_plan import AddressPlanError, plan_addresses

CATALOG = load_catalog()
GCP_MACHINES = [m.name for m in CATALOG.for_provider("gcp")]


def test_layouts_follow_the_catalog():
    shapes = {
        name: [(v.key, v.mtu, v.rdma, len(v.subnets)) for v in network_plan.extra_vpcs(CATALOG.machine(name))]
        for name in GCP_MACHINES
    }
    assert shapes["a3-highgpu-8g"] == [(f"vpc{i}", 8244, False, 1) for i in range(1, 5)]
    assert shapes["a3-megagpu-8g"] == [(f"vpc{i}", 8244, False, 1) for i in range(1, 9)]
    for rdma in ("a3-ultragpu-8g", "a4-highgpu-8g"):
        assert shapes[rdma] == [("gvnic-1", 8896, False, 1), ("rdma", 8896, True, 8)]


@pytest.mark.parametrize("name", GCP_MACHINES)
def test_layout_matches_the_shared_names(name):
    """Every GKE network the NCCL renderer will request exists as exactly one subnet."""
    from ailz.components.common import names as naming

    machine = CATALOG.machine(name)
    subnets = [s for v in network_plan.extra_vpcs(machine) for s in v.subnets]
    assert [s.network_name for s in subnets] == [n["name"] for n in naming.gke_extra_networks(machine)]
    facts = machine.gcp
    assert sum(1 for s in subnets if s.device_mode == "RDMA") == facts.rdma_nics
    assert sum(1 for s in subnets if s.device_mode == "NetDevice") == facts.extra_gvnic_networks


def test_nic_users_add_up_pools_sharing_a_network():
    users = network_plan.nic_users(
        [(4, CATALOG.machine("a3-highgpu-8g")), (2, CATALOG.machine("a3-megagpu-8g"))]
    )
    assert users == {**{f"vpc{i}": 6 for i in range(1, 5)}, **{f"vpc{i}": 2 for i in range(5, 9)}}


def test_families_share_networks_of_the_same_name():
    merged = network_plan.merged_vpcs([CATALOG.machine("a3-highgpu-8g"), CATALOG.machine("a3-megagpu-8g")])
    assert [v.key for v in merged] == [f"vpc{i}" for i in range(1, 9)]
    merged = network_plan.merged_vpcs([CATALOG.machine("a3-ultragpu-8g"), CATALOG.machine("a4-highgpu-8g")])
    assert [v.key for v in merged] == ["gvnic-1", "rdma"]


pools = st.lists(
    st.tuples(st.sampled_from(GCP_MACHINES), st.integers(min_value=1, max_value=64)), min_size=0, max_size=4
)


@settings(max_examples=150, deadline=None)
@given(
    prefix=st.integers(min_value=8, max_value=24),
    octet=st.integers(0, 255),
    pools=pools,
    psa=st.booleans(),
)
def test_address_plan_is_disjoint_and_inside(prefix, octet, pools, psa):
    cidr = str(ipaddress.ip_network(f"10.{octet}.0.0/{prefix}", strict=False))
    machines = [CATALOG.machine(name) for name, _ in pools]
    vpcs = network_plan.merged_vpcs(machines)
    users: dict[str, int] = {}
    for name, nodes in pools:
        for vpc in network_plan.extra_vpcs(CATALOG.machine(name)):
            for subnet in vpc.subnets:
                users[subnet.network_name] = users.get(subnet.network_name, 0) + nodes
    extra = {s.network_name: users[s.network_name] for v in vpcs for s in v.subnets}
    gpu_nodes = sum(nodes for _, nodes in pools)
    try:
        plan = plan_addresses(cidr, extra, gpu_nodes, psa)
    except AddressPlanError as err:
        # too small: the message names a size that does fit
        fitting = int(str(err).split("use a /")[1].split(" ")[0])
        assert fitting < prefix
        bigger = str(ipaddress.ip_network(cidr).supernet(new_prefix=fitting))
        plan_addresses(bigger, extra, gpu_nodes, psa)
        return
    outer = ipaddress.ip_network(cidr)
    ranges = [ipaddress.ip_network(r) for r in plan.all_ranges()]
    assert all(r.subnet_of(outer) for r in ranges)
    for i, a in enumerate(ranges):
        for b in ranges[i + 1 :]:
            assert not a.overlaps(b), (a, b)
    # pods: a /24 per system node and a /26 per GPU node (32 pods per node)
    pods = ipaddress.ip_network(plan.pods).num_addresses
    assert pods >= network_plan.SYSTEM_NODES * 256 + gpu_nodes * 64
    assert ipaddress.ip_network(plan.services).num_addresses >= 256
    # every NIC subnet holds all nodes attached to it, after GCP's four reserved addresses
    for name, subnet in plan.extra.items():
        assert ipaddress.ip_network(subnet).num_addresses - 4 >= extra[name]
    assert ipaddress.ip_network(plan.nodes).num_addresses - 4 >= gpu_nodes + network_plan.SYSTEM_NODES
    assert (plan.private_services is not None) == psa


def test_too_small_cidr_says_what_fits():
    with pytest.raises(AddressPlanError, match=r"use a /\d+ or larger"):
        plan_addresses("10.0.0.0/24", {"vpc1": 4}, 4, True)
