"""A GCP target in a network the network team runs (Shared VPC): what ailz creates, what it reads,
and what it refuses."""

from __future__ import annotations

import pytest

from ailz.components.gcp.existing_network import subnet_problems
from ailz.components.kinds import load_spec, load_text
from ailz.spec.errors import SpecError
from tests.conftest import EXAMPLES
from tests.inventory import one

TEXT = (EXAMPLES / "gcp-shared-vpc.yaml").read_text(encoding="utf-8")
HOST_NETWORK = "projects/acme-net-host/global/networks/shared-vpc"


def test_only_the_clusters_own_networks_are_created(example_plan):
    plan = example_plan("gcp-shared-vpc")
    cluster = one(plan, "gcp:container/cluster:Cluster").inputs
    assert cluster["network"] == HOST_NETWORK
    assert cluster["subnetwork"] == "projects/acme-net-host/regions/europe-west4/subnetworks/gke-ew4-train"
    assert cluster["ipAllocationPolicy"] == {
        "clusterSecondaryRangeName": "gke-pods",
        "servicesSecondaryRangeName": "gke-services",
    }
    assert cluster["privateClusterConfig"]["masterIpv4CidrBlock"] == "172.16.32.0/28"
    # no primary VPC, NAT, router, DNS zone, route or private services connection of ailz's
    names = {r.inputs.get("name") for r in plan.of_type("gcp:compute/network:Network")}
    assert names == {"acme-shared-gcp-gcp-train-fabric-gvnic-1", "acme-shared-gcp-gcp-train-fabric-rdma"}
    for created in ("compute/router:Router", "compute/routerNat:RouterNat", "dns/managedZone:ManagedZone",
                    "compute/route:Route", "servicenetworking/connection:Connection"):  # fmt: skip
        assert not plan.of_type(f"gcp:{created}"), created
    # GPU NIC subnets carved from gpu_cidr; Lustre on the host network
    for subnet in plan.of_type("gcp:compute/subnetwork:Subnetwork"):
        assert subnet.inputs["ipCidrRange"].startswith("10.81.")
    assert one(plan, "gcp:lustre/instance:Instance").inputs["network"] == HOST_NETWORK


def _target(text: str = TEXT):
    return load_text(text, "zone.yaml").zone.targets[0]


def test_a_subnet_that_fits_has_no_problems():
    target = _target()
    ranges = {"gke-pods": "100.64.0.0/14", "gke-services": "100.68.0.0/20"}
    assert subnet_problems(target, "10.80.0.0/20", ranges) == []


@pytest.mark.parametrize(
    ("cidr", "ranges", "expected"),
    [
        ("10.90.0.0/20", {"gke-pods": "100.64.0.0/14", "gke-services": "100.68.0.0/20"}, "primary range is"),
        ("10.80.0.0/20", {"gke-services": "100.68.0.0/20"}, "no secondary range 'gke-pods'"),
        ("10.80.0.0/20", {"gke-pods": "100.64.0.0/28", "gke-services": "100.68.0.0/20"}, "11 nodes take 704"),
    ],
)
def test_a_subnet_that_does_not_fit_says_why(cidr, ranges, expected):
    problems = subnet_problems(_target(), cidr, ranges)
    assert any(expected in p for p in problems), problems


EXISTING = ("network", "existing")


@pytest.mark.parametrize(
    ("old", "new", "path", "expected"),
    [
        ("        gpu_cidr: 10.81.0.0/16\n", "", EXISTING, "carved from gpu_cidr"),
        ("cidr: 172.16.32.0/28", "cidr: 172.16.32.0/24", (*EXISTING, "control_plane_cidr"), "is not a /28"),
        (
            "        private_services_range: google-managed-services\n",
            "",
            EXISTING,
            "private services access",
        ),
        ("gpu_cidr: 10.81.0.0/16", "gpu_cidr: 10.80.0.0/16", (*EXISTING, "gpu_cidr"), "overlaps"),
    ],
)
def test_what_an_existing_network_still_needs_is_checked(old, new, path, expected):
    with pytest.raises(SpecError) as caught:
        load_text(TEXT.replace(old, new), "zone.yaml")
    found = [i for i in caught.value.issues if i.path == ("targets", 0, *path)]
    assert found and expected in found[0].message, [(i.path, i.message) for i in caught.value.issues]


def test_the_example_loads():
    assert load_spec(EXAMPLES / "gcp-shared-vpc.yaml").zone.targets[0].network.existing.host_project
