"""A 1,024-node GKE target, node pools split by GKE's per-zone limit, and key rings that outlive a
stack."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ailz.catalog import load_catalog
from ailz.components.gcp import gpu_pool_plan
from ailz.components.gcp.keys import existing_id
from ailz.components.kinds import load_text
from ailz.spec.common import GpuPool
from ailz.spec.errors import SpecError
from tests.conftest import EXAMPLES
from tests.inventory import one

POOL = "gcp:container/nodePool:NodePool"


def test_1024_a3_ultra_nodes_plan_with_capacity_for_all(example_plan):
    plan = example_plan("gcp-a3-ultra-1024")
    pools = [p for p in plan.of_type(POOL) if p.inputs["name"].startswith("h200")]
    assert sorted(p.inputs["name"] for p in pools) == ["h200", "h200-2"]
    assert sum(p.inputs["nodeCount"] for p in pools) == 1024
    limit = load_catalog().gke_limits.nodes_per_pool_per_zone
    for node_pool in pools:
        assert node_pool.inputs["nodeCount"] <= limit
        affinity = node_pool.inputs["nodeConfig"]["reservationAffinity"]
        assert affinity["values"] == ["a3u-scale-res"]
        assert "placementPolicy" not in node_pool.inputs  # the reservation places its VMs
    subnet = one(plan, "gcp:compute/subnetwork:Subnetwork", "acme-gcp-scale-gcp-train-vpc-nodes")
    assert subnet.inputs["ipCidrRange"].endswith("/21")  # 2,044 node addresses for 1,027 nodes


@given(nodes=st.integers(1, 2048), low=st.integers(0, 2048))
def test_node_pools_hold_every_node_and_respect_the_zone_limit(nodes, low):
    low = min(low, nodes)
    pool = GpuPool(name="p", machine="a3-ultragpu-8g", nodes=nodes, min_nodes=low, max_nodes=nodes)
    shares = gpu_pool_plan.node_pools(pool)
    assert sum(s.max_size for s in shares) == nodes
    assert all(s.max_size <= load_catalog().gke_limits.nodes_per_pool_per_zone for s in shares)
    assert [s.name("p") for s in shares][0] == "p"


def test_more_nodes_than_a_cluster_holds_is_a_spec_error():
    text = (EXAMPLES / "gcp-a3-ultra-1024.yaml").read_text(encoding="utf-8")
    more = "".join(f"      - {{name: more-{i}, machine: a3-ultragpu-8g, nodes: 2000}}\n" for i in range(7))
    text = text.replace("    storage:\n", more + "    storage:\n", 1).replace(
        "cidr: 10.64.0.0/14", "cidr: 10.0.0.0/9"
    )
    with pytest.raises(SpecError) as caught:
        load_text(text, "zone.yaml")
    (issue,) = [i for i in caught.value.issues if i.path == ("targets", 0, "gpu_pools")]
    assert "holds 15000" in issue.message


RING = "projects/p/locations/europe-west4/keyRings/z-keys"


def _raises(message: str):
    def lookup():
        raise Exception(f"invoke of gcp:kms/getKMSKeyRing:getKMSKeyRing failed: {message}")

    return lookup


def test_an_existing_key_ring_is_adopted():
    assert existing_id(lambda: {"id": RING}, RING) == RING


@pytest.mark.parametrize(
    "message",
    [
        "googleapi: Error 404: KeyRing projects/p/locations/europe-west4/keyRings/z-keys not found.",
        "googleapi: Error 403: Cloud Key Management Service (KMS) API has not been used in project 1 "
        "before or it is disabled. SERVICE_DISABLED",
    ],
)
def test_a_missing_key_ring_or_a_project_without_kms_yet_creates_one(message):
    assert existing_id(_raises(message), RING) is None


def test_other_lookup_failures_stop_the_deployment():
    with pytest.raises(Exception, match="PERMISSION_DENIED"):
        existing_id(_raises("googleapi: Error 403: Permission denied. PERMISSION_DENIED"), RING)


def _keys(call):
    from ailz.components.gcp.keys import EncryptionKeys
    from tests.registrations import register

    def program():
        EncryptionKeys("z-keys", "targets[0]", project="p", region="europe-west4", agents={},
                       external_keys=None, labels={})  # fmt: skip

    found = register(program, call)
    return {key.split("::")[1]: value for key, value in found.items() if key.startswith("gcp:kms/")}


def test_keys_outlive_the_stack_and_a_fresh_project_creates_them():
    def absent(args):
        return {}, [("", f"googleapi: Error 404: {args.token} not found.")]

    keys = _keys(absent)
    assert sorted(keys) == ["z-keys", "z-keys-logs", "z-keys-secrets", "z-keys-storage"]
    # destroy leaves ring, keys and key versions (data they encrypt stays readable)
    assert all(k["retain_on_delete"] for k in keys.values())
    assert not any(k["import_id"] for k in keys.values())


def test_a_redeploy_adopts_the_ring_and_keys_it_left_behind():
    keys = _keys(lambda args: {"id": "found"})
    assert keys["z-keys"]["import_id"] == RING
    assert keys["z-keys-storage"]["import_id"] == f"{RING}/cryptoKeys/z-keys-storage"


def test_the_cluster_asks_for_the_patch_its_machines_and_storage_need():
    from ailz.components.gcp.versions import cluster_version

    # A4 GPUDirect RDMA needs a 1.32 patch; on 1.33 Managed Lustre's port 988 needs another
    assert cluster_version("1.32", ["1.32.2-gke.1475000", "1.31.4-gke.1183000"]) == "1.32.2-gke.1475000"
    assert cluster_version("1.33", ["1.32.2-gke.1475000", "1.33.2-gke.4780000", "1.33.2-gke.1111000"]) == (
        "1.33.2-gke.4780000"
    )
    assert cluster_version("1.34", ["1.32.2-gke.1475000"]) == "1.34"


@pytest.mark.parametrize(
    ("gib", "tier", "expected"),
    [
        (9000, 1000, None),
        (1584000, 1000, None),  # above the threshold, a multiple of the large step
        (1539000, 1000, "multiple of 72000"),
        (10080000, 1000, "at most 10008000"),
        (12240000, 125, None),
    ],
)
def test_managed_lustre_sizes_follow_the_tier_table(gib, tier, expected):
    from ailz.components.gcp.warm_tiers import capacity_problem

    problem = capacity_problem(gib, tier)
    assert problem is None if expected is None else expected in problem


def test_upgrades_replace_a_tenth_of_a_node_pool_without_surge():
    from ailz.components.common.pool_split import PoolShare

    assert gpu_pool_plan.upgrade_settings(PoolShare(0, 512, 512, 512)) == {
        "strategy": "SURGE",
        "max_surge": 0,
        "max_unavailable": 51,
    }
    assert gpu_pool_plan.upgrade_settings(PoolShare(0, 4, 4, 4))["max_unavailable"] == 1
