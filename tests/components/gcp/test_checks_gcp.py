"""GCP spec checks: each bad spec is refused with the path, the line and the fix."""

from __future__ import annotations

import pytest

from ailz.components.kinds import load_text
from ailz.spec.errors import SpecError
from tests.conftest import EXAMPLES

EXAMPLE = (EXAMPLES / "gcp-a3-ultra.yaml").read_text()


def issues_of(text: str) -> list:
    with pytest.raises(SpecError) as caught:
        load_text(text, "zone.yaml")
    return caught.value.issues


def test_example_is_clean():
    assert load_text(EXAMPLE, "zone.yaml").zone.name == "acme-gcp"


def test_rdma_machine_outside_roce_zones():
    issues = issues_of(EXAMPLE.replace("zone: europe-west4-b", "zone: europe-west4-a"))
    issue = next(i for i in issues if i.path == ("targets", 0, "zone"))
    assert "vpc-roce" in issue.message and "europe-west4-a" in issue.message
    assert "europe-west4-b" in issue.hint
    assert issue.line == 20


def test_gke_version_below_family_minimum():
    issues = issues_of(EXAMPLE.replace('version: "1.35"', 'version: "1.30"'))
    issue = next(i for i in issues if i.path == ("targets", 0, "kubernetes", "version"))
    assert any("1.31" in i.hint for i in issues if i.path == issue.path)


def test_cidr_too_small():
    issues = issues_of(EXAMPLE.replace("cidr: 10.40.0.0/16", "cidr: 10.40.0.0/22"))
    issue = next(i for i in issues if i.path == ("targets", 0, "network", "cidr"))
    assert "use a /" in issue.message


def test_pool_bigger_than_reservation():
    issues = issues_of(EXAMPLE.replace("nodes: 4\n", "nodes: 6\n"))
    assert any(i.path == ("targets", 0, "gpu_pools", 0, "nodes") for i in issues)


def test_spot_training_refused():
    text = EXAMPLE.replace(
        "capacity: {kind: reservation, reservation_id: a3u-train-res, reserved_nodes: 4}",
        "capacity: {kind: spot}",
    )
    issues = issues_of(text)
    assert any(i.path == ("targets", 0, "gpu_pools", 0, "capacity", "kind") for i in issues)


def test_gpudirect_rdma_and_tcpxo_never_share_a_cluster():
    text = EXAMPLE.replace(
        "    storage:\n",
        "      - {name: h100-mega, machine: a3-megagpu-8g, nodes: 2}\n    storage:\n",
        1,
    )
    (issue,) = [i for i in issues_of(text) if i.path == ("targets", 0, "gpu_pools", 1, "machine")]
    assert "cannot share a cluster with pool 'h200'" in issue.message
    assert "gcp target of its own" in issue.hint


@pytest.mark.parametrize(
    ("warm", "needle"),
    [
        ("{kind: lustre, capacity_gib: 20000, throughput_per_tib: 500}", "steps of 18000"),
        ("{kind: lustre, capacity_gib: 9000, throughput_per_tib: 500}", "starts at 18000"),
        ("{kind: lustre, capacity_gib: 18000, throughput_per_tib: 300}", "not a Managed Lustre tier"),
        ("{kind: parallel-fs}", "not available on GCP"),
    ],
)
def test_warm_tier(warm, needle):
    text = EXAMPLE.replace("{kind: lustre, capacity_gib: 18000, throughput_per_tib: 500}", warm)
    issues = issues_of(text)
    assert any(needle in i.message for i in issues), [i.message for i in issues]


def test_external_keys_must_be_regional_kms_keys():
    text = EXAMPLE.replace("key_management: customer-managed", "key_management: external").replace(
        "    gpu_pools:\n",
        "    encryption:\n      external_keys:\n"
        "        secrets: projects/k/locations/us-east1/keyRings/r/cryptoKeys/s\n"
        "        storage: not-a-key\n"
        "        logs: projects/k/locations/europe-west4/keyRings/r/cryptoKeys/l\n"
        "    gpu_pools:\n",
        1,
    )
    issues = issues_of(text)
    paths = {i.path[-1]: i for i in issues if "external_keys" in i.path}
    assert set(paths) == {"secrets", "storage"}
    assert "us-east1" in paths["secrets"].message
    assert "not a Cloud KMS key" in paths["storage"].message


def test_extra_networks_cannot_be_written_in_the_spec():
    """Networks come from the catalog: a spec that tries to set them is refused by the schema."""
    text = EXAMPLE.replace(
        "        machine: a3-ultragpu-8g\n", "        machine: a3-ultragpu-8g\n        networks: 2\n"
    )
    issues = issues_of(text)
    assert any("networks" in str(i.path) for i in issues)


def test_lustre_needs_a_recent_gke():
    issues = issues_of(EXAMPLE.replace('version: "1.35"', 'version: "1.32"'))
    assert any("Lustre CSI" in i.message for i in issues)
