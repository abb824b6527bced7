"""The subnet planner: disjoint, inside the VPC, big enough, for any VPC ailz accepts."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ailz.components.aws.cidr_plan import (
    MAX_VPC_PREFIX,
    MIN_VPC_PREFIX,
    ExistingSubnet,
    existing_vpc_problems,
    plan_subnets,
    plan_zones,
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


@given(vpc=vpcs(), public=st.booleans(), blocks=st.integers(0, 4))
def test_secondary_blocks_become_whole_gpu_subnets_in_the_gpu_zone(vpc, public, blocks):
    secondary = [f"100.{64 + i}.0.0/16" for i in range(blocks)]
    plans = plan_subnets(vpc, ZONES, public, secondary)
    gpu = [p for p in plans if p.gpu]
    assert [p.cidr for p in gpu] == secondary
    assert all(p.zone == ZONES[0] and not p.public for p in gpu)
    assert len(plans) == 3 * (2 if public else 1) + blocks


@pytest.mark.parametrize("cidr", ["10.0.0.0/15", "10.0.0.0/23"])
def test_refuses_vpcs_it_cannot_carve(cidr):
    with pytest.raises(ValueError, match="between"):
        plan_subnets(cidr, ZONES, True)


def test_zones_start_with_the_gpu_zone():
    zones, cluster = plan_zones("eu-west-1b", ["eu-west-1c", "eu-west-1a", "eu-west-1b"])
    assert zones == cluster == ["eu-west-1b", "eu-west-1a", "eu-west-1c"]


def test_zones_skip_zone_ids_eks_refuses():
    names = ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d"]
    ids = ["use1-az1", "use1-az3", "use1-az4", "use1-az6"]  # us-east-1b is use1-az3 in this account
    zones, cluster = plan_zones("us-east-1a", names, zone_ids=ids, unsupported_ids=("use1-az3",))
    assert "us-east-1b" not in zones and zones[0] == "us-east-1a" and cluster == zones


def test_a_gpu_zone_eks_refuses_keeps_its_nodes_but_not_the_cluster():
    # EKS refuses cluster subnets there, not nodes: a reservation in use1-az3 stays usable
    names = ["us-east-1a", "us-east-1b", "us-east-1c"]
    ids = ["use1-az1", "use1-az3", "use1-az4"]
    zones, cluster = plan_zones("us-east-1b", names, zone_ids=ids, unsupported_ids=("use1-az3",))
    assert zones[0] == "us-east-1b"
    assert cluster == ["us-east-1a", "us-east-1c"]


def test_too_few_zones_for_the_cluster_stops_with_the_reason():
    with pytest.raises(ValueError, match="two zones it supports"):
        plan_zones(
            "us-east-1b", ["us-east-1a", "us-east-1b"], zone_ids=["use1-az1", "use1-az3"],
            unsupported_ids=("use1-az3",),
        )  # fmt: skip


def _existing(**overrides):
    from ailz.components.aws.spec import AwsNetwork

    return AwsNetwork.model_validate(
        {
            "cidr": "10.30.0.0/16",
            "existing": {
                "vpc_id": "vpc-0a1b2c3d4e5f60718",
                "cluster_subnet_ids": ["subnet-00000001", "subnet-00000002"],
                "gpu_subnet_ids": ["subnet-00000101"],
            },
            **overrides,
        }
    )


def _subnets(gpu_zone="eu-west-1a", second_zone="eu-west-1b", free=8000, vpc="vpc-0a1b2c3d4e5f60718"):
    return [
        ExistingSubnet("subnet-00000001", vpc, "eu-west-1a", "euw1-az1", 4000),
        ExistingSubnet("subnet-00000002", vpc, second_zone, "euw1-az2", 4000),
        ExistingSubnet("subnet-00000101", vpc, gpu_zone, "euw1-az1", free),
    ]


def _problems(subnets, vpc_cidr="10.30.0.0/16", need=1000):
    return existing_vpc_problems(
        _existing(),
        vpc_cidr=vpc_cidr,
        subnets=subnets,
        gpu_zone="eu-west-1a",
        gpu_addresses=need,
        unsupported_zone_ids=("euw1-az9",),
    )


def test_an_existing_vpc_that_fits_has_no_problems():
    assert _problems(_subnets()) == []


@pytest.mark.parametrize(
    ("subnets", "kwargs", "expected"),
    [
        (_subnets(gpu_zone="eu-west-1c"), {}, "GPU subnet subnet-00000101 is in eu-west-1c"),
        (_subnets(second_zone="eu-west-1a"), {}, "two or more Availability Zones"),
        (_subnets(free=900), {}, "have 900 free addresses"),
        (_subnets(vpc="vpc-0ffffffffffffffff"), {}, "is in vpc-0ffffffffffffffff"),
        (_subnets(), {"vpc_cidr": "10.31.0.0/16"}, "primary CIDR is 10.31.0.0/16"),
    ],
)
def test_an_existing_vpc_that_does_not_fit_says_why(subnets, kwargs, expected):
    problems = _problems(subnets, **kwargs)
    assert any(expected in p for p in problems), problems
