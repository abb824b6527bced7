"""Loads and checks the catalog YAML files shipped with ailz. No Pulumi here: the CLI reads it too."""

from __future__ import annotations

from functools import cache
from importlib import resources

import yaml

from ailz.catalog.models import Catalog

MACHINE_FILES = ("aws.yaml", "gcp.yaml", "onprem.yaml")
FABRIC_FILE = "fabrics.yaml"
PLATFORM_FILE = "platform.yaml"
# Fact groups beside the machines: catalog section -> the file that holds it.
SECTION_FILES = {
    "fsx_lustre": "aws.yaml",
    "aws_vpc": "aws.yaml",
    "eks_zones": "aws.yaml",
    "eks_pods": "aws.yaml",
    "eks_quotas": "aws.yaml",
    "eks_addons": "aws.yaml",
    "eks_service_cidrs": "aws.yaml",
    "aws_owned_buckets": "aws.yaml",
    "eks_pod_identity_agent": "aws.yaml",
    "aws_limits": "aws.yaml",
    "aws_regions": "aws.yaml",
    "eks_versions": "aws.yaml",
    "gcp_regions": "gcp.yaml",
    "gke_versions": "gcp.yaml",
    "jurisdictions": "residency.yaml",
    "managed_lustre": "gcp.yaml",
    "filestore_zonal": "gcp.yaml",
    "cloud_storage": "gcp.yaml",
    "gcp_addressing": "gcp.yaml",
    "gcp_vpc": "gcp.yaml",
    "gke_metadata_server": "gcp.yaml",
    "gcp_limits": "gcp.yaml",
    "gke_limits": "gcp.yaml",
    "gpudirect_host": "gcp.yaml",
    "nccl_thresholds": "fabrics.yaml",
    "node_topology": "fabrics.yaml",
    "health_check": "fabrics.yaml",
}


@cache
def _read(name: str) -> dict:
    text = resources.files("ailz.catalog").joinpath(name).read_text(encoding="utf-8")
    return yaml.safe_load(text) or {}


@cache
def load_catalog() -> Catalog:
    """Parse every catalog file once; a broken catalog is a bug in ailz, so errors propagate."""
    machines: dict[str, dict] = {}
    for file in MACHINE_FILES:
        for name, body in (_read(file).get("machines") or {}).items():
            if name in machines:
                raise ValueError(f"catalog: machine {name!r} defined twice ({file})")
            machines[name] = {"name": name, **body}
    fabrics = _read(FABRIC_FILE)
    profiles = {name: {"name": name, **body} for name, body in (fabrics.get("fabric_profiles") or {}).items()}
    sections = {}
    for section, file in SECTION_FILES.items():
        if section not in _read(file):
            raise ValueError(f"catalog: {file} has no {section!r} section")
        sections[section] = _read(file)[section]
    catalog = Catalog(
        machines=machines,
        fabric_profiles=profiles,
        nccl_pods=fabrics.get("nccl_pods") or {},
        platform=_read(PLATFORM_FILE),
        **sections,
    )
    for machine in catalog.machines.values():
        if machine.nccl_profile not in catalog.fabric_profiles:
            raise ValueError(f"catalog: {machine.name} names unknown profile {machine.nccl_profile}")
    for keyed, names in (
        ("nccl_pods", catalog.nccl_pods),
        ("gpudirect_host.installers", catalog.gpudirect_host.installers),
        ("gpudirect_host.pod_allowances", catalog.gpudirect_host.pod_allowances.profiles),
    ):
        unknown = sorted(set(names) - set(catalog.fabric_profiles))
        if unknown:
            raise ValueError(f"catalog: {keyed} names unknown fabric profiles {unknown}")
    return catalog
