"""Filestore Zonal as the warm tier: instance, private services access, CMEK, PersistentVolume."""

from __future__ import annotations

import pytest

from ailz.components.kinds import load_text
from ailz.spec.errors import SpecError
from tests.conftest import EXAMPLES
from tests.inventory import assert_subset, one
from tests.k8s_schema import validate_manifest

LUSTRE_LINE = "warm: {kind: lustre, capacity_gib: 18000, throughput_per_tib: 500}"
EXAMPLE = (EXAMPLES / "gcp-a3-ultra.yaml").read_text()


@pytest.fixture(scope="module")
def plan():
    from ailz.stacks.synth import synthesize

    text = EXAMPLE.replace(LUSTRE_LINE, "warm: {kind: filestore, capacity_gib: 12800}")
    return synthesize(load_text(text, "filestore.yaml"))


def test_filestore_instance(plan):
    instance = one(plan, "gcp:filestore/instance:Instance").inputs
    assert_subset(
        {
            "tier": "ZONAL",
            "location": "europe-west4-b",
            "fileShares": {"name": "warm", "capacityGb": 12800},
            "networks": [{"network": "acme-gcp-gcp-train-vpc", "connectMode": "PRIVATE_SERVICE_ACCESS"}],
            "kmsKeyName": "projects/acme-ai-train/locations/europe-west4/keyRings/acme-gcp-gcp-train-keys/"
            "cryptoKeys/acme-gcp-gcp-train-keys-storage",
        },
        instance,
    )
    assert instance["labels"]["cost-center"] == "cc-1234"
    assert not plan.of_type("gcp:lustre/instance:Instance")
    grants = {r.inputs["member"] for r in plan.of_type("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember")}
    assert "serviceAccount:service-222222222222@cloud-filer.iam.gserviceaccount.com" in grants
    assert {"file.googleapis.com", "servicenetworking.googleapis.com"} <= {
        r.inputs["service"] for r in plan.of_type("gcp:projects/service:Service")
    }


def test_filestore_volume_and_output(plan):
    volume = one(plan, "kubernetes:core/v1:PersistentVolume").inputs
    validate_manifest({"apiVersion": "v1", "kind": "PersistentVolume", **volume})
    assert volume["metadata"]["name"] == "ailz-filestore"
    assert volume["spec"]["csi"] == {
        "driver": "filestore.csi.storage.gke.io",
        "volumeHandle": "modeInstance/europe-west4-b/acme-gcp-gcp-train-filestore/warm",
        "volumeAttributes": {"ip": "172.16.0.10", "volume": "warm"},
    }
    outputs = plan.targets[0].outputs
    assert outputs["filestoreShare"] == "172.16.0.10:/warm"
    assert outputs["lustreMountPoint"] is None


@pytest.mark.parametrize(
    ("warm", "needle"),
    [
        ("{kind: filestore, capacity_gib: 12000}", "steps of 2560"),
        ("{kind: filestore, capacity_gib: 512}", "Filestore Zonal holds"),
        ("{kind: filestore, capacity_gib: 10240, throughput_per_tib: 500}", "Managed Lustre setting"),
    ],
)
def test_filestore_checks(warm, needle):
    with pytest.raises(SpecError) as caught:
        load_text(EXAMPLE.replace(LUSTRE_LINE, f"warm: {warm}"), "zone.yaml")
    assert any(needle in issue.message for issue in caught.value.issues)
