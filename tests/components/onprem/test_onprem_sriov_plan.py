"""The SR-IOV RoCE example: VFs and exclusive RDMA mode from the SR-IOV Network Operator, routed
(L3) rails, a traffic class, DMA-BUF instead of nvidia-peermem, everything from the mirror."""

from __future__ import annotations

import json

import pytest

from ailz.components.common import names as naming
from tests.components.platform.helpers import by_kind, manifests, named, release

TARGET = "ams-hgx"
MIRROR = "registry.ams2.acme.internal"


@pytest.fixture(scope="module")
def plan(example_plan):
    return example_plan("onprem-sriov-roce")


@pytest.fixture(scope="module")
def objects(plan):
    return manifests(plan, TARGET)


def test_every_rail_gets_its_vfs_network_and_routes(objects):
    vfs = by_kind(objects, "SriovNetworkNodePolicy")
    assert len(vfs) == 8 and {v["spec"]["numVfs"] for v in vfs} == {4}
    assert vfs[7]["spec"]["nicSelector"]["pfNames"] == ["enp220s0np0"]
    assert vfs[7]["spec"]["resourceName"] == "sriov_rdma_rail7" and vfs[7]["spec"]["mtu"] == 9000
    (exclusive,) = by_kind(objects, "SriovNetworkPoolConfig")
    assert exclusive["spec"]["rdmaMode"] == "exclusive" and exclusive["spec"]["maxUnavailable"] == 1
    networks = by_kind(objects, "SriovNetwork")
    assert [n["metadata"]["name"] for n in networks] == naming.onprem_network_names("roce", 8)
    pools = {p["metadata"]["name"]: p["spec"] for p in by_kind(objects, "IPPool")}
    assert pools["roce-rail2"]["subnet"] == "172.26.1.0/24"
    assert pools["roce-rail2"]["gateway"] == "172.26.1.1"
    assert pools["roce-rail2"]["routes"] == [{"dst": "172.26.0.0/16"}]
    assert json.loads(networks[2]["spec"]["ipam"])["poolName"] == "roce-rail2"


def test_nccl_settings_for_team_jobs(objects):
    data = named(objects, "ConfigMap", "nccl-fabric", naming.FABRIC_NAMESPACE)["data"]
    assert data["NCCL_IB_TC"] == "106"
    assert data["NCCL_IB_ADDR_FAMILY"] == "AF_INET" and data["NCCL_IB_ADDR_RANGE"] == "172.24.0.0/13"
    assert "NCCL_IB_HCA" not in data and "net$i/device/infiniband" in data["NCCL_IB_HCA_COMMAND"]
    assert data["rdmaResource"].split(",") == [naming.onprem_rail_resource(i) for i in range(8)]


def test_dma_buf_instead_of_peermem(plan):
    driver = release(plan, TARGET, "gpu-operator").inputs["values"]["driver"]
    assert driver["rdma"]["enabled"] is False and driver["kernelModuleType"] == "open"


def test_the_sriov_operator_comes_from_the_mirror(plan):
    values = release(plan, TARGET, "network-operator").inputs["values"]
    assert values["sriovNetworkOperator"] == {"enabled": True}
    images = values["sriov-network-operator"]["images"]
    assert images["rdmaCni"] == f"{MIRROR}/nvidia/mellanox/rdma-cni:network-operator-v25.7.0"
    assert all(image.startswith(f"{MIRROR}/") for image in images.values())
