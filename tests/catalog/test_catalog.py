"""The catalog loads, covers the machines ailz promises, and every fact group has a source."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from ailz.catalog import load_catalog
from ailz.catalog.load import FABRIC_FILE, MACHINE_FILES, PLATFORM_FILE, SECTION_FILES
from ailz.catalog.models import Fact
from tests.conftest import ROOT

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
        # sendrecv meets one GPU's links: the NICs it owns, or the one it shares
        nics_per_gpu = max(1, machine.network.gpu_nics // machine.gpus)
        per_gpu_gbytes = nics_per_gpu * machine.network.gbps_per_gpu_nic / 8
        assert (machine.expected.sendrecv_busbw_gbps or 0) <= per_gpu_gbytes, machine.name
        collective = machine.expected.intra_node_collective_busbw_gbps
        assert collective is None or collective <= machine.expected.intra_node_busbw_gbps, machine.name


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


# --- every fact group has a source, every section is loaded and documented -----------------------

CATALOG_DIR = ROOT / "catalog"
CATALOG_DOC = ROOT / "docs" / "catalog.md"
# fields that name or describe an entry rather than state a vendor fact
IDENTITY_FIELDS = {"name", "provider", "description", "nccl_profile"}


def _walk(node: Any, path: str, covered: bool):
    """(path, model, covered) for every model in the tree; covered: inside a group with a source."""
    if isinstance(node, BaseModel):
        covered = covered or "source" in type(node).model_fields
        yield path, node, covered
        for name in type(node).model_fields:
            yield from _walk(getattr(node, name), f"{path}.{name}", covered)
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, f"{path}[{key}]", covered)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{path}[{index}]", covered)


def _holds_models(value: Any) -> bool:
    if isinstance(value, BaseModel):
        return True
    if isinstance(value, dict):
        return any(_holds_models(v) for v in value.values())
    if isinstance(value, list):
        return any(_holds_models(v) for v in value)
    return False


def test_every_fact_group_in_every_section_has_a_source(catalog):
    groups = 0
    for path, model, covered in _walk(catalog, "catalog", False):
        fields = type(model).model_fields
        for name in fields:
            if name == "source" or name.endswith("_source"):
                value = getattr(model, name)
                assert value is None or len(value.strip()) >= 8, f"{path}.{name} is empty"
        if "source" in fields:
            groups += 1
            assert model.source and model.source.strip(), path
        if covered:
            continue
        # outside a sourced group, a value needs its own source: <name>_source, or pause_source for
        # pause_image
        sources = [f.removesuffix("_source") for f in fields if f.endswith("_source")]
        for name in fields:
            value = getattr(model, name)
            if name in IDENTITY_FIELDS or name.endswith("_source") or value is None or _holds_models(value):
                continue
            assert any(name == s or name.startswith(s + "_") for s in sources), f"{path}.{name} has no source"
    assert groups > 50


def test_every_section_holds_a_sourced_group(catalog):
    for section in type(catalog).model_fields:
        value = getattr(catalog, section)
        entries = value.values() if isinstance(value, dict) else [value]
        for entry in entries:
            found = [m for _, m, covered in _walk(entry, section, False) if "source" in type(m).model_fields]
            assert found, f"catalog.{section} has no fact group with a source"


def _sections() -> dict[str, list[str]]:
    """catalog file -> its top-level sections, as written."""
    return {
        path.name: list(yaml.safe_load(path.read_text(encoding="utf-8")))
        for path in sorted(CATALOG_DIR.glob("*.yaml"))
    }


def test_every_section_of_every_file_is_loaded(catalog):
    loaded = set(type(catalog).model_fields)
    platform = set(type(catalog.platform).model_fields)
    for file, sections in _sections().items():
        for section in sections:
            if file == PLATFORM_FILE:
                assert section in platform, (file, section)
            else:
                assert section in loaded, (file, section)
                if section != "machines" and file != FABRIC_FILE:
                    assert SECTION_FILES[section] == file, (file, section)
    assert set(MACHINE_FILES) | {FABRIC_FILE, PLATFORM_FILE} | set(SECTION_FILES.values()) == set(_sections())


def test_docs_describe_every_file_and_section():
    doc = CATALOG_DOC.read_text(encoding="utf-8")
    for file, sections in _sections().items():
        assert f"`catalog/{file}`" in doc, file
        for section in sections:
            assert f"`{section}`" in doc, f"docs/catalog.md does not describe {file}: {section}"


# --- facts moved out of code ---------------------------------------------------------------------


def test_nccl_pods_name_profiles_and_do_not_repeat_their_image(catalog):
    assert set(catalog.nccl_pods) == set(catalog.fabric_profiles)
    for name, pod in catalog.nccl_pods.items():
        # null means the profile's image: write an image here only when the pod runs another one
        assert pod.image != catalog.fabric_profiles[name].image, name
        assert (pod.sidecar is not None) == (pod.template == "gpudirect-tcp.yaml.j2"), name


def test_storage_defaults_are_valid_sizes(catalog):
    from ailz.components.aws.checks import valid_lustre_capacity
    from ailz.components.gcp.warm_tiers import capacity_problem, filestore_problem

    fsx = catalog.fsx_lustre
    assert valid_lustre_capacity(fsx.default_capacity_gib)
    assert fsx.default_throughput_per_tib in fsx.throughputs_per_tib
    lustre = catalog.managed_lustre
    assert capacity_problem(lustre.default_capacity_gib, lustre.default_throughput_per_tib) is None
    assert filestore_problem(catalog.filestore_zonal.default_capacity_gib) is None
    for group in (fsx, lustre, catalog.filestore_zonal):
        assert group.defaults_source.startswith("ailz choice"), group


def test_address_rules(catalog):
    from ailz.components.aws.cidr_plan import MAX_VPC_PREFIX, MIN_VPC_PREFIX

    vpc = catalog.aws_vpc
    # the VPCs ailz carves are VPCs AWS allows
    assert vpc.min_vpc_prefix <= MIN_VPC_PREFIX <= MAX_VPC_PREFIX <= vpc.max_vpc_prefix
    assert (vpc.reserved_per_subnet, catalog.gcp_addressing.reserved_per_subnet) == (5, 4)
    # GKE's table (Configure maximum Pods per node): 110 pods -> a /24 per node, 32 -> a /26, 8 -> a /28
    from ailz.components.gcp.network_plan import pod_block

    assert pod_block(catalog.gcp_addressing.default_max_pods_per_node) == 2 ** (32 - 24)
    assert (pod_block(32), pod_block(8)) == (2 ** (32 - 26), 2 ** (32 - 28))


def test_loading_the_catalog_imports_no_provider_sdk():
    code = "import sys; from ailz.catalog import load_catalog; load_catalog(); " + (
        "print(sorted(m for m in sys.modules if m.startswith('pulumi')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_node_local_endpoints(catalog):
    # pods reach these on their own node; team network policies allow them as /32 blocks
    assert catalog.eks_pod_identity_agent.endpoint == ("169.254.170.23/32", 80)
    assert catalog.gke_metadata_server.endpoint == ("169.254.169.254/32", 80)
    assert catalog.platform.node_local_dns.cidr == "169.254.20.10/32"


def test_node_local_addresses_must_be_link_local():
    from pydantic import ValidationError

    from ailz.catalog.models import CredentialEndpoint

    with pytest.raises(ValidationError, match="link-local"):
        CredentialEndpoint(address="10.0.0.10", port=80, source="a source long enough")


def test_gcp_vpc(catalog):
    vpc = catalog.gcp_vpc
    # GPU families' gVNIC MTUs are jumbo frames above GCP's default
    gvnic = [m.gcp.gvnic_mtu for m in catalog.for_provider("gcp")]
    assert gvnic and all(mtu >= vpc.default_mtu for mtu in gvnic)
    # the A records list every address of the restricted VIP range
    assert vpc.restricted_google_apis_addresses == [f"199.36.153.{i}" for i in range(4, 8)]
    assert str(vpc.restricted_google_apis) == "199.36.153.4/30"


def test_lustre_client_ports(catalog):
    from pydantic import ValidationError

    from ailz.catalog.models import FsxLustre

    ports = catalog.fsx_lustre.client_ports
    assert ports == [(988, 988), (1018, 1023)]
    inverted = catalog.fsx_lustre.model_dump() | {"client_ports": [(1023, 1018)]}
    with pytest.raises(ValidationError, match="from low to high"):
        FsxLustre(**inverted)


def test_limits_behind_former_constants(catalog):
    from ailz.components.aws import names as aws_names
    from ailz.components.common import labels
    from ailz.components.gcp.cold_storage import bucket_name

    aws, gcp = catalog.aws_limits, catalog.gcp_limits
    former = {
        (labels, "AWS_MAX_TAGS"): aws.tags.max_tags,
        (labels, "AWS_MAX_KEY"): aws.tags.max_key_length,
        (labels, "AWS_MAX_VALUE"): aws.tags.max_value_length,
        (labels, "GCP_MAX_LABELS"): gcp.labels.max_labels,
        (labels, "GCP_MAX_LEN"): gcp.labels.max_length,
        (labels, "K8S_MAX_NAME"): catalog.platform.kubernetes_labels.max_length,
        (aws_names, "S3_MAX"): aws.s3_bucket_name.max_length,
        (aws_names, "IAM_ROLE_MAX"): aws.iam_role_name.max_length,
    }
    for (module, name), limit in former.items():
        assert getattr(module, name) == limit, name
    assert len(bucket_name("p" * 40, "t" * 40, "datasets")) == gcp.storage_bucket_name.max_length
    with pytest.raises(AttributeError):
        labels.NOT_A_LIMIT  # noqa: B018


def test_labels_import_does_not_load_the_catalog():
    # the CLI and the policies import the labels module; its limits are read when first needed
    code = (
        "import sys; import ailz.components.common.labels; "
        "print('ailz.catalog.load' in sys.modules, 'pydantic' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False False"
