"""Shared names: shortening keeps limits, stays stable, ends with its tail; GKE network layouts."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ailz.catalog import load_catalog
from ailz.components.common import names as naming

names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=120)


@given(names, st.integers(min_value=24, max_value=80), st.sampled_from(["", "logs", "checkpoints"]))
def test_shorten_fits_and_is_stable(name, limit, tail):
    short = naming.shorten(name, limit, tail)
    assert len(short) <= limit
    assert short == naming.shorten(name, limit, tail)
    if len(name) <= limit:
        assert short == name
    elif tail:
        assert short.endswith(f"-{tail}")


@given(names, names)
def test_shortened_names_of_different_inputs_differ(first, second):
    if first != second and len(first) > 30 and len(second) > 30:
        assert naming.shorten(first, 30) != naming.shorten(second, 30)


def test_gke_networks_per_family():
    catalog = load_catalog()
    mega = naming.gke_extra_networks(catalog.machine("a3-megagpu-8g"))
    assert [n["name"] for n in mega] == [f"vpc{i}" for i in range(1, 9)]
    assert {n["device_mode"] for n in mega} == {"NetDevice"}
    ultra = naming.gke_extra_networks(catalog.machine("a3-ultragpu-8g"))
    assert [n["name"] for n in ultra] == ["gvnic-1", *[f"rdma-{i}" for i in range(8)]]
    assert [n["interface"] for n in ultra] == [f"eth{i}" for i in range(1, 10)]
    assert naming.gke_extra_networks(catalog.machine("p5.48xlarge")) == []


def test_onprem_rdma_requests():
    assert naming.onprem_rdma_request("shared", 8) == {"rdma/rdma_shared": 1}
    # one VF of each rail, from that rail's own resource
    assert naming.onprem_rdma_request("sriov", 3) == {
        "nvidia.com/sriov_rdma_rail0": 1,
        "nvidia.com/sriov_rdma_rail1": 1,
        "nvidia.com/sriov_rdma_rail2": 1,
    }
