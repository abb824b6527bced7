"""The subnet planner: disjoint, inside the VPC, big enough, for any VPC ailz accepts."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ailz.components.aws.cidr_plan import (
    MAX_VPC_PREFIX,
    MIN_VPC_PREFIX,
    addresses_per_node,
    control_plane_zones,
    plan_subnets,
    private_subnet_addresses,
)

ZONES = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]


@st.composite
def vpcs(draw):
    prefix = draw(st.integers(MIN_VPC_PREFIX, MAX_VPC_PREFIX))
    base = draw(st.integers(0, 2**32 - 1))
    return str(ipaddress.ip_network(f"{ipaddress.IPv4Address(base)}/{prefix}", strict=False))


@given(vpc=vpcs(), zones=st.integers(1, 3), public=st.booleans())
def test_subnets_are_disjoint_and_inside_the_vpc(vpc, zones, public):
    plans = plan_subnets(vpc, ZONES[:zones], public)
    net = ipaddress.ip_network(vpc)
    nets = [ipaddress.ip_network(p.cidr) for p in plans]
    assert len(plans) == zones * (2 if public else 1)
    for i, a in enumerate(nets):
        assert a.subnet_of(net)
        for b in nets[i + 1 :]:
            assert not a.overlaps(b)


@given(vpc=vpcs(), public=st.booleans())
def test_gpu_subnet_is_a_quarter_and_first(vpc, public):
    plans = plan_subnets(vpc, ZONES, public)
    gpu = plans[0]
    assert not gpu.public and gpu.zone == ZONES[0]
    assert ipaddress.ip_network(gpu.cidr).prefixlen == ipaddress.ip_network(vpc).prefixlen + 2
    assert gpu.usable_addresses == private_subnet_addresses(vpc)
    assert all(p.zone in ZONES for p in plans)


def test_a_16_holds_a_hundred_p5_nodes():
    # p5: 33 interfaces (1 ENA + 32 efa-only) + 110 pods per node.
    assert private_subnet_addresses("10.20.0.0/16") >= 100 * addresses_per_node(33)


@pytest.mark.parametrize("cidr", ["10.0.0.0/15", "10.0.0.0/23"])
def test_refuses_vpcs_it_cannot_carve(cidr):
    with pytest.raises(ValueError, match="between"):
        plan_subnets(cidr, ZONES, True)


def test_control_plane_zones_start_with_the_gpu_zone():
    assert control_plane_zones("eu-west-1b", ["eu-west-1c", "eu-west-1a", "eu-west-1b"]) == [
        "eu-west-1b",
        "eu-west-1a",
        "eu-west-1c",
    ]


def test_control_plane_zones_skip_zone_ids_eks_refuses():
    names = ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d"]
    ids = ["use1-az1", "use1-az3", "use1-az4", "use1-az6"]  # us-east-1b is use1-az3 in this account
    zones = control_plane_zones("us-east-1a", names, zone_ids=ids, unsupported_ids=("use1-az3",))
    assert "us-east-1b" not in zones and zones[0] == "us-east-1a" and len(zones) >= 2


def test_a_gpu_zone_eks_refuses_stops_with_the_reason():
    import pytest

    with pytest.raises(ValueError, match="use1-az3, where EKS places no cluster subnet"):
        control_plane_zones(
            "us-east-1b", ["us-east-1a", "us-east-1b"], zone_ids=["use1-az1", "use1-az3"],
            unsupported_ids=("use1-az3",),
        )  # fmt: skip
