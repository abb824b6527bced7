"""Loads and checks the catalog YAML files shipped with ailz."""

from __future__ import annotations

from functools import cache
from importlib import resources

import yaml

from ailz.catalog.models import Catalog

MACHINE_FILES = ("aws.yaml", "gcp.yaml", "onprem.yaml")
FABRIC_FILE = "fabrics.yaml"


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
    profiles = {
        name: {"name": name, **body}
        for name, body in (_read(FABRIC_FILE).get("fabric_profiles") or {}).items()
    }
    catalog = Catalog(machines=machines, fabric_profiles=profiles)
    for machine in catalog.machines.values():
        if machine.nccl_profile not in catalog.fabric_profiles:
            raise ValueError(f"catalog: {machine.name} names unknown profile {machine.nccl_profile}")
    return catalog
