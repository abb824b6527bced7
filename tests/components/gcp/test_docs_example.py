"""The docs/gcp.md example: A4 on a reservation block, A3 High batch pool, no egress, external keys."""

from __future__ import annotations

from tests.inventory import assert_subset, one

EXTERNAL = "projects/acme-keys/locations/us-central1/keyRings/ekm/cryptoKeys/"
POOL = "gcp:container/nodePool:NodePool"


def pool(plan, name):
    return next(r for r in plan.of_type(POOL) if r.inputs["name"] == name)


def test_a4_pool_on_a_reservation_block(docs_plan):
    b200 = pool(docs_plan, "b200").inputs
    assert_subset(
        {
            "location": "us-central1",  # regional cluster
            "nodeLocations": ["us-central1-b"],
            "nodeCount": 8,
            "nodeConfig": {
                "machineType": "a4-highgpu-8g",
                "guestAccelerators": [{"type": "nvidia-b200", "count": 8}],
                "reservationAffinity": {
                    "consumeReservationType": "SPECIFIC_RESERVATION",
                    "values": ["a4-res/reservationBlocks/block-1"],
                },
                "bootDiskKmsKey": EXTERNAL + "storage",
                "diskType": "hyperdisk-balanced",
            },
        },
        b200,
    )
    # the reservation block already places the nodes: no compact placement policy on top
    assert "placementPolicy" not in b200
    assert len(b200["networkConfig"]["additionalNodeNetworkConfigs"]) == 9


def test_a3_high_batch_pool_autoscales_with_four_networks(example_plan):
    # A3 High (TCPX) lives beside A3 Mega (TCPXO), never beside GPUDirect RDMA
    plan = example_plan("gcp-a3-mega")
    batch = one(plan, "gcp:container/nodePool:NodePool", "acme-ft-gcp-ft-h100-batch").inputs
    assert_subset(
        {
            "initialNodeCount": 1,
            "autoscaling": {"minNodeCount": 0, "maxNodeCount": 4},
            "placementPolicy": {"type": "COMPACT"},
            "nodeConfig": {"reservationAffinity": {"consumeReservationType": "NO_RESERVATION"}},
        },
        batch,
    )
    networks = [c["network"] for c in batch["networkConfig"]["additionalNodeNetworkConfigs"]]
    assert networks == [f"acme-ft-gcp-ft-fabric-vpc{i}" for i in range(1, 5)]


def test_regional_cluster_with_external_keys(docs_plan):
    cluster = one(docs_plan, "gcp:container/cluster:Cluster").inputs
    assert cluster["location"] == "us-central1" and cluster["nodeLocations"] == ["us-central1-b"]
    assert cluster["databaseEncryption"] == {"state": "ENCRYPTED", "keyName": EXTERNAL + "gke-secrets"}
    # external key management: no key created by ailz, only grants on the given keys
    assert not docs_plan.of_type("gcp:kms/keyRing:KeyRing")
    assert not docs_plan.of_type("gcp:kms/cryptoKey:CryptoKey")
    granted = {
        r.inputs["cryptoKeyId"] for r in docs_plan.of_type("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember")
    }
    assert granted == {EXTERNAL + "gke-secrets", EXTERNAL + "storage"}


def test_no_egress(docs_plan):
    assert not docs_plan.of_type("gcp:compute/routerNat:RouterNat")
    network = next(
        r
        for r in docs_plan.of_type("gcp:compute/network:Network")
        if r.inputs["name"] == "acme-sovereign-gke-a4-vpc"
    )
    assert network.inputs["deleteDefaultRoutesOnCreate"] is True
    route = one(docs_plan, "gcp:compute/route:Route").inputs
    assert route["destRange"] == "199.36.153.4/30"
    rules = {r.inputs["name"]: r.inputs for r in docs_plan.of_type("gcp:compute/firewall:Firewall")}
    deny = rules["acme-sovereign-gke-a4-vpc-deny-egress"]
    assert deny["direction"] == "EGRESS" and deny["destinationRanges"] == ["0.0.0.0/0"]
    allow = rules["acme-sovereign-gke-a4-vpc-allow-egress-internal"]
    assert allow["priority"] < deny["priority"]
    zones = {r.inputs["dnsName"] for r in docs_plan.of_type("gcp:dns/managedZone:ManagedZone")}
    assert zones == {"googleapis.com.", "pkg.dev.", "gcr.io."}
    assert all(
        r.inputs["visibility"] == "private" for r in docs_plan.of_type("gcp:dns/managedZone:ManagedZone")
    )


def test_lustre_tier_and_team(docs_plan):
    lustre = one(docs_plan, "gcp:lustre/instance:Instance").inputs
    assert_subset(
        {"capacityGib": "36000", "perUnitStorageThroughput": "1000", "kmsKey": EXTERNAL + "storage"}, lustre
    )
    outputs = docs_plan.targets[0].outputs
    assert outputs["keys"]["secrets"] == EXTERNAL + "gke-secrets"
    wi = one(docs_plan, "gcp:serviceaccount/iAMMember:IAMMember").inputs
    assert wi["member"] == "serviceAccount:acme-a4-train.svc.id.goog[vision/workload]"


def test_cluster_handle_for_the_in_cluster_layer(docs_synthesis):
    import pulumi_kubernetes as k8s

    _, built = docs_synthesis
    handle = built[1].cluster  # the cluster layer's (built[0] is the infrastructure landing zone)
    assert isinstance(handle.kubernetes_provider, k8s.Provider)
    assert handle.gpu_driver_preinstalled is True and handle.install_gpu_operator is False
    assert list(handle.service_account_annotations) == ["vision"]
    assert list(handle.service_account_annotations["vision"]) == ["iam.gke.io/gcp-service-account"]
    # waits for the GKE network objects, the gIB installer and the Lustre volume; the node pools
    # are in the infrastructure stack, applied before
    names = sorted(getattr(r, "_name", "") for r in handle.depends_on)
    assert names == [
        "acme-sovereign-gke-a4-gib",
        "acme-sovereign-gke-a4-lustre-volume",
        "acme-sovereign-gke-a4-networks",
    ]
