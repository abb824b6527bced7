"""The catalog loads, covers the machines ailz promises, and every fact group has a source."""

from __future__ import annotations

import pytest

from ailz.catalog import load_catalog
from ailz.catalog.models import Fact

REQUIRED = {
    "aws": {"p4d.24xlarge", "p5.48xlarge", "p5e.48xlarge", "p5en.48xlarge", "p6-b200.48xlarge"},
    "gcp": {"a3-highgpu-8g", "a3-megagpu-8g", "a3-ultragpu-8g", "a4-highgpu-8g"},
    "onprem": {"dgx-h100", "dgx-h200"},
}


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def test_required_machines_present(catalog):
    for provider, names in REQUIRED.items():
        assert names <= {m.name for m in catalog.for_provider(provider)}


def test_every_fact_group_has_a_source(catalog):
    for machine in catalog.machines.values():
        groups = [getattr(machine, name) for name in type(machine).model_fields]
        facts = [g for g in groups if isinstance(g, Fact)]
        assert len(facts) >= 4, machine.name
        for fact in facts:
            assert len(fact.source) >= 8, (machine.name, fact)
        assert machine.kubernetes_resources_source


def test_provider_specific_facts(catalog):
    for machine in catalog.machines.values():
        assert (machine.efa is not None) == (machine.provider == "aws"), machine.name
        assert (machine.gcp is not None) == (machine.provider == "gcp"), machine.name
        assert machine.kubernetes_resources["nvidia.com/gpu"] == machine.gpu.count


def test_efa_interfaces_match_resource_requests(catalog):
    # a pod that uses the whole node requests one vpc.amazonaws.com/efa per EFA interface
    for machine in catalog.for_provider("aws"):
        assert machine.kubernetes_resources["vpc.amazonaws.com/efa"] == machine.efa.max_efa_interfaces
        assert machine.efa.max_efa_interfaces <= machine.efa.network_cards
        assert machine.efa.primary_interface == "ena"
        assert machine.network.gpu_nics * machine.network.gbps_per_gpu_nic == machine.network.total_gbps


def test_gcp_network_families(catalog):
    mega, ultra, a4, high = (
        catalog.machine(n) for n in ("a3-megagpu-8g", "a3-ultragpu-8g", "a4-highgpu-8g", "a3-highgpu-8g")
    )
    assert (high.gcp.extra_gvnic_networks, high.gcp.rdma_nics) == (4, 0)
    assert (mega.gcp.extra_gvnic_networks, mega.gcp.gvnic_mtu, mega.gcp.rdma_nics) == (8, 8244, 0)
    for machine in (ultra, a4):
        assert (machine.gcp.extra_gvnic_networks, machine.gcp.rdma_networks, machine.gcp.rdma_nics) == (
            1,
            1,
            8,
        )
        assert machine.gcp.rdma_mtu == 8896


def test_expected_bandwidth_below_line_rate(catalog):
    for machine in catalog.machines.values():
        line_rate_gbytes = machine.network.gpu_nics * machine.network.gbps_per_gpu_nic / 8
        assert machine.expected.two_node_busbw_gbps <= line_rate_gbytes, machine.name
        assert machine.expected.intra_node_busbw_gbps <= machine.gpu.nvlink_gbytes_per_s, machine.name


def test_fabric_profiles_cover_machines(catalog):
    for machine in catalog.machines.values():
        profile = catalog.fabric_profiles[machine.nccl_profile]
        assert profile.source
        assert not set(profile.obsolete_env) & set(profile.nccl_env), profile.name


def test_fabric_images_are_pinned(catalog):
    # a floating tag lets the same spec pass today and fail tomorrow
    for profile in catalog.fabric_profiles.values():
        name, _, tag = profile.image.rpartition(":")
        assert name and tag and tag != "latest" and "/" not in tag, profile.image
