"""The zone examples in docs/onprem.md and docs/platform.md plan, and their objects validate."""

from __future__ import annotations

import re

import pytest

from ailz.components.common import names as naming
from tests.components.platform.helpers import by_kind, manifests, named
from tests.conftest import ROOT
from tests.k8s_schema import validate_manifest

BLOCK = re.compile(r"```yaml\n(.*?)```", re.DOTALL)


def zone_blocks(doc: str) -> list[str]:
    text = (ROOT / "docs" / doc).read_text()
    return [b for b in BLOCK.findall(text) if b.startswith("name:")]


@pytest.fixture(scope="module")
def doc_plans():
    from ailz.components.kinds import load_text
    from ailz.stacks.synth import synthesize

    plans = {}
    for doc in ("onprem.md", "platform.md"):
        (block,) = zone_blocks(doc)
        plans[doc] = synthesize(load_text(block, f"docs/{doc}"))
    return plans


@pytest.mark.parametrize("doc", ["onprem.md", "platform.md"])
def test_doc_example_objects_validate(doc_plans, doc):
    plan = doc_plans[doc]
    (target,) = plan.targets
    objects = manifests(plan, target.name)
    assert len(objects) > 30
    for obj in objects:
        validate_manifest(obj, "1.32")


def test_onprem_doc_sriov_roce(doc_plans):
    objects = manifests(doc_plans["onprem.md"], "muc-hgx")
    networks = by_kind(objects, "SriovNetwork")
    assert [n["metadata"]["name"] for n in networks] == naming.onprem_network_names("roce", 4)
    assert not by_kind(objects, "HostDeviceNetwork")
    assert len(by_kind(objects, "SriovNetworkNodePolicy")) == 4
    assert by_kind(objects, "SriovNetworkPoolConfig")[0]["spec"]["rdmaMode"] == "exclusive"
    assert [p["spec"]["subnet"] for p in by_kind(objects, "IPPool")] == [
        "172.31.0.0/24", "172.31.1.0/24", "172.31.2.0/24", "172.31.3.0/24"
    ]  # fmt: skip
    policy = named(objects, "NicClusterPolicy", "nic-cluster-policy")
    assert "ofedDriver" in policy["spec"] and "sriovDevicePlugin" not in policy["spec"]
    quota = named(objects, "ResourceQuota", "gpu-quota", "vision")
    # a whole 8-GPU node takes one VF of each of its 4 rails: 16 GPUs, 2 of each rail
    assert all(quota["spec"]["hard"][f"requests.nvidia.com/sriov_rdma_rail{i}"] == "2" for i in range(4))
    fabric = named(objects, "ConfigMap", "nccl-fabric", "ailz-fabric")["data"]
    assert fabric["NCCL_IB_TC"] == "106" and "NCCL_IB_GID_INDEX" not in fabric
    storage = named(objects, "NetworkPolicy", "allow-storage", "vision")["spec"]["egress"][0]
    assert storage["ports"] == [{"protocol": "TCP", "port": 9000}]
    gpu = next(r for r in doc_plans["onprem.md"].resources if r.inputs.get("name") == "gpu-operator")
    assert gpu.inputs["chart"] == "oci://harbor.muc1.lab.internal/helm/gpu-operator"
    # DMA-BUF: no nvidia-peermem, the open kernel modules
    assert gpu.inputs["values"]["driver"]["rdma"] == {"enabled": False, "useHostMofed": False}
    assert gpu.inputs["values"]["driver"]["kernelModuleType"] == "open"


def test_platform_doc_teams(doc_plans):
    objects = manifests(doc_plans["platform.md"], "ber-dgx")
    analytics = named(objects, "Namespace", "analytics")["metadata"]["labels"]
    assert analytics["pod-security.kubernetes.io/enforce"] == "restricted"
    assert not [
        o for o in objects if o["kind"] == "RoleBinding" and o["metadata"]["namespace"] == "analytics"
    ]
    # no registries: no registry policy, upstream charts
    assert not [o for o in objects if o["metadata"]["name"] == "ailz-allowed-registries"]
    named(objects, "ValidatingAdmissionPolicy", "ailz-no-load-balancers")
