"""Pure planners: rail subnets, IP blocks, quotas, queues, admission expressions."""

from __future__ import annotations

import ipaddress
import json
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ailz.components.common import names as naming
from ailz.components.onprem.fabric_manifests import (
    carve_rail_subnets,
    ip_pools,
    nic_cluster_policy,
    per_node_block,
    rail_networks,
    sriov_node_policies,
    sriov_pool_config,
)
from ailz.components.onprem.sovereignty_manifests import registry_policy
from ailz.components.platform.gpu_operator_values import GpuStackOptions, gpu_operator_values
from ailz.components.platform.scheduling_manifests import cluster_queue
from ailz.components.platform.team_manifests import rdma_per_gpu, rdma_quota, workload_namespace_labels


@given(prefix=st.integers(min_value=8, max_value=24), rails=st.integers(min_value=1, max_value=16))
def test_rail_subnets_are_disjoint_and_inside_the_pool(prefix, rails):
    pool = ipaddress.ip_network(f"10.0.0.0/{prefix}")
    subnets = [ipaddress.ip_network(s) for s in carve_rail_subnets(str(pool), rails)]
    assert len(subnets) == rails
    assert all(s.subnet_of(pool) for s in subnets)
    assert len({s.prefixlen for s in subnets}) == 1
    for i, a in enumerate(subnets):
        assert not any(a.overlaps(b) for b in subnets[i + 1 :])
    # as large as possible: one bit more would not hold every rail
    assert 2 ** (subnets[0].prefixlen - pool.prefixlen) < 2 * rails


def test_rail_subnets_refuse_a_tiny_pool():
    with pytest.raises(ValueError, match="too small"):
        carve_rail_subnets("10.0.0.0/29", 8)


@given(prefix=st.integers(min_value=16, max_value=26), nodes=st.integers(min_value=1, max_value=512))
def test_per_node_blocks_fit_every_node(prefix, nodes):
    subnet = f"172.30.0.0/{prefix}"
    usable = ipaddress.ip_network(subnet).num_addresses - 2
    if usable // nodes < 4:
        with pytest.raises(ValueError):
            per_node_block(subnet, nodes)
        return
    block = per_node_block(subnet, nodes)
    assert block & (block - 1) == 0  # power of two
    assert block * nodes <= usable
    assert block >= 4


@given(
    quota=st.integers(min_value=0, max_value=4096),
    efa=st.sampled_from([4, 8, 16, 32]),
    gpus=st.sampled_from([4, 8]),
)
def test_rdma_quota_is_proportional_and_never_short(quota, efa, gpus):
    per_gpu = rdma_per_gpu([{"nvidia.com/gpu": gpus, "vpc.amazonaws.com/efa": efa}])
    got = rdma_quota(quota, per_gpu)["vpc.amazonaws.com/efa"]
    assert got * gpus >= quota * efa  # whole-node pods of the quota always fit
    assert (got - 1) * gpus < quota * efa


def test_rdma_per_gpu_takes_the_hungriest_pool():
    per_gpu = rdma_per_gpu(
        [
            {"nvidia.com/gpu": 8, "vpc.amazonaws.com/efa": 4},
            {"nvidia.com/gpu": 8, "vpc.amazonaws.com/efa": 32},
        ]
    )
    assert per_gpu == {"vpc.amazonaws.com/efa": 4.0}
    assert rdma_per_gpu([{"nvidia.com/gpu": 8}]) == {}


POOLS = st.dictionaries(
    st.from_regex(r"[a-z]{1,8}", fullmatch=True),
    st.integers(min_value=1, max_value=512),
    min_size=1,
    max_size=4,
)


@given(quota=st.integers(min_value=1, max_value=1000), pools=POOLS)
def test_cluster_queue_guarantees_its_share_and_borrows_up_to_its_quota(quota, pools):
    from ailz.components.platform.quota_plan import plan_quotas
    from ailz.components.platform.scheduling_manifests import TEAM_PREEMPTION

    shares = plan_quotas({"t": quota}, pools, "v")["t"]
    queue = cluster_queue("t", "t", shares, 24, 240, {}, TEAM_PREEMPTION)
    flavors = queue["spec"]["resourceGroups"][0]["flavors"]
    assert [f["name"] for f in flavors] == list(pools)
    for flavor in flavors:
        gpu = next(r for r in flavor["resources"] if r["name"] == "nvidia.com/gpu")
        assert gpu["nominalQuota"] + gpu["borrowingLimit"] == min(quota, pools[flavor["name"]])
        cpu = next(r for r in flavor["resources"] if r["name"] == "cpu")
        assert cpu["nominalQuota"] == 24 * gpu["nominalQuota"]
        assert cpu["borrowingLimit"] == 24 * gpu["borrowingLimit"]


def test_gpu_values_follow_the_node_image():
    pre = gpu_operator_values(
        GpuStackOptions(driver_preinstalled=True, toolkit_preinstalled=True, rdma=True), {}
    )
    assert pre["driver"] == {"enabled": False} and pre["toolkit"] == {"enabled": False}
    own = gpu_operator_values(GpuStackOptions(driver_preinstalled=False, rdma=True), {})
    assert own["driver"]["rdma"] == {"enabled": True, "useHostMofed": True}
    with pytest.raises(ValueError):
        gpu_operator_values(GpuStackOptions(driver_preinstalled=False, mig_strategy="all"), {})


def test_dma_buf_leaves_peermem_off_and_asks_for_the_open_kernel_modules():
    own = gpu_operator_values(GpuStackOptions(driver_preinstalled=False, rdma=True, dma_buf=True), {})
    assert own["driver"]["rdma"] == {"enabled": False, "useHostMofed": False}
    assert own["driver"]["kernelModuleType"] == "open"
    legacy = gpu_operator_values(GpuStackOptions(driver_preinstalled=False, rdma=True), {})
    assert "kernelModuleType" not in legacy["driver"]  # the chart's auto
    host = gpu_operator_values(GpuStackOptions(driver_preinstalled=True, rdma=True, dma_buf=True), {})
    assert host["driver"] == {"enabled": False}  # the hosts' own driver decides


def test_l3_rails_get_their_gateway_and_routes_from_nv_ipam():
    fabric = _fabric(
        rail_subnets=["172.31.0.0/24", "172.31.1.0/24"],
        rail_gateways=["172.31.0.1", "172.31.1.1"],
        rail_routes=[["172.31.64.0/18"], []],
    )
    pools = ip_pools(fabric, 2, {})
    assert pools[0]["spec"]["gateway"] == "172.31.0.1"
    assert pools[0]["spec"]["routes"] == [{"dst": "172.31.64.0/18"}]
    assert pools[1]["spec"]["gateway"] == "172.31.1.1" and "routes" not in pools[1]["spec"]
    assert not any(p["spec"].get("defaultGateway") for p in pools)  # the pod keeps its own default
    flat = ip_pools(_fabric(), 2, {})
    assert not {"gateway", "routes"} & set(flat[0]["spec"])


def _fabric(**kw):
    base = dict(
        kind="roce", hcas=["mlx5_0", "mlx5_1"], interfaces=["enp1", "enp2"], mtu=9000, gid_index=3,
        device_plugin="sriov", install_driver=True, ip_pool="172.30.0.0/16", rail_subnets=[],
        rail_gateways=[], rail_routes=[], rail_exclusions=[], traffic_class=None, gpudirect="peermem",
    )  # fmt: skip
    return SimpleNamespace(**{**base, **kw})


def test_sriov_fabric_is_built_by_the_sriov_operator_one_resource_per_rail():
    fabric = _fabric(sriov_vfs=4)
    policy = nic_cluster_policy(fabric, None, {})
    # the SR-IOV operator runs its own device plugin; two would fight over the same VFs
    assert not {"sriovDevicePlugin", "rdmaSharedDevicePlugin"} & set(policy["spec"])
    assert {"multus", "cniPlugins"} <= set(policy["spec"]["secondaryNetwork"]) and "nvIpam" in policy["spec"]
    assert policy["spec"]["ofedDriver"]["repository"] == "nvcr.io/nvidia/mellanox"
    # per pool and rail: that rail's PF's VFs, as that rail's resource
    vfs = sriov_node_policies(fabric, ["a", "b"], {})
    assert [v["metadata"]["name"] for v in vfs] == ["a-rail0", "a-rail1", "b-rail0", "b-rail1"]
    assert [v["spec"]["nicSelector"]["pfNames"] for v in vfs[:2]] == [["enp1"], ["enp2"]]
    assert [f"nvidia.com/{v['spec']['resourceName']}" for v in vfs[:2]] == [
        naming.onprem_rail_resource(0),
        naming.onprem_rail_resource(1),
    ]
    assert vfs[2]["spec"]["nodeSelector"] == {naming.POOL_LABEL: "b"}
    shapes = {(v["spec"]["isRdma"], v["spec"]["numVfs"], v["spec"]["linkType"]) for v in vfs}
    assert shapes == {(True, 4, "eth")}
    assert {v["metadata"]["namespace"] for v in vfs} == {"nvidia-network-operator"}
    # exclusive RDMA mode, rolled out a tenth of the nodes at a time, never all at once
    config = sriov_pool_config(40, {})["spec"]
    assert config["rdmaMode"] == "exclusive" and config["maxUnavailable"] == 4
    assert sriov_pool_config(3, {})["spec"]["maxUnavailable"] == 1
    networks = rail_networks(fabric, {})
    assert {n["kind"] for n in networks} == {"SriovNetwork"}
    assert networks[1]["metadata"]["namespace"] == "nvidia-network-operator"  # the operator's own
    assert networks[1]["spec"]["networkNamespace"] == naming.FABRIC_NAMESPACE
    assert networks[1]["spec"]["resourceName"] == "sriov_rdma_rail1"
    assert json.loads(networks[1]["spec"]["metaPlugins"]) == {"type": "rdma"}  # moves the RDMA device
    assert json.loads(networks[1]["spec"]["ipam"]) == {"type": "nv-ipam", "poolName": "roce-rail1"}


def test_sriov_operator_pulls_every_image_from_the_mirror():
    from ailz.components.onprem.fabric_manifests import network_operator_values

    values = network_operator_values("reg.site", sriov=True)
    assert values["sriovNetworkOperator"] == {"enabled": True}
    sub = values["sriov-network-operator"]
    assert sub["operator"]["resourcePrefix"] == "nvidia.com" and sub["sriovOperatorConfig"]["deploy"]
    assert {"operator", "sriovConfigDaemon", "sriovCni", "rdmaCni", "sriovDevicePlugin"} <= set(sub["images"])
    assert all(image.startswith("reg.site/") and ":" in image for image in sub["images"].values())
    assert network_operator_values(None)["sriovNetworkOperator"] == {"enabled": False}
    assert "sriov-network-operator" not in network_operator_values(None)


def test_namespace_pod_security():
    assert workload_namespace_labels(False)["pod-security.kubernetes.io/enforce"] == "restricted"
    rdma = workload_namespace_labels(True)
    assert rdma["pod-security.kubernetes.io/warn"] == "baseline"
    assert rdma["ailz.io/rdma-pods"] == "true"


def test_registry_policy_lists_hosts_once():
    policy, binding = registry_policy(["b.example/", "a.example", "b.example"], {})
    expression = policy["spec"]["validations"][0]["expression"]
    assert "['a.example', 'b.example']" in expression
    assert binding["spec"]["policyName"] == policy["metadata"]["name"]


def test_onprem_host_driver_turns_the_operator_driver_off():
    from ailz.catalog import load_catalog
    from ailz.components.common.context import ClusterHandle, TargetContext
    from ailz.components.kinds import load_spec
    from ailz.components.platform.platform import gpu_stack_options
    from tests.conftest import EXAMPLES

    zone = load_spec(EXAMPLES / "onprem-sovereign.yaml").zone
    zone.targets[0].gpu_driver = "host"
    ctx = TargetContext(zone=zone, index=0, catalog=load_catalog())
    handle = ClusterHandle(kubernetes_provider=None, gpu_driver_preinstalled=ctx.target.gpu_driver == "host")
    values = gpu_operator_values(gpu_stack_options(ctx, handle), {})
    assert values["driver"] == {"enabled": False}
    assert values["gds"] == {"enabled": False} and values["gdrcopy"] == {"enabled": False}
