"""Warm-tier facts (Managed Lustre tiers, Filestore Zonal ranges) from catalog/gcp.yaml. Pure."""

from __future__ import annotations

from functools import cache
from importlib import resources

import yaml

DEFAULT_CAPACITY_GIB = 18000
DEFAULT_THROUGHPUT = 500  # MB/s per TiB
DEFAULT_FILESTORE_GIB = 10240  # Filestore Zonal, higher capacity range


@cache
def _catalog() -> dict:
    text = resources.files("ailz.catalog").joinpath("gcp.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def _facts() -> dict:
    return _catalog()["managed_lustre"]


def lustre_tiers() -> dict[int, dict[str, int]]:
    return {int(tier): dict(values) for tier, values in _facts()["tiers"].items()}


def csi_min_gke_version() -> str:
    """Oldest GKE version whose Lustre CSI driver mounts Managed Lustre on the default port."""
    return _facts()["csi_min_gke_version"]


def capacity_problem(capacity_gib: int, throughput: int) -> str | None:
    """Why this capacity is not valid for the tier, or None when it is."""
    tiers = lustre_tiers()
    if throughput not in tiers:
        return f"throughput_per_tib {throughput} is not a Managed Lustre tier; use one of {sorted(tiers)}"
    tier = tiers[throughput]
    if capacity_gib < tier["min_capacity_gib"]:
        return f"the {throughput} MB/s/TiB tier starts at {tier['min_capacity_gib']} GiB"
    if capacity_gib <= tier["step_threshold_gib"] and capacity_gib % tier["step_gib"]:
        return f"the {throughput} MB/s/TiB tier grows in steps of {tier['step_gib']} GiB"
    return None


def filestore_problem(capacity_gib: int) -> str | None:
    """Why this capacity is not a valid Filestore Zonal size, or None when it is."""
    ranges = _catalog()["filestore_zonal"]["ranges"]
    for r in ranges:
        if r["min_gib"] <= capacity_gib <= r["max_gib"]:
            if (capacity_gib - r["min_gib"]) % r["step_gib"]:
                span = f"{r['min_gib']}-{r['max_gib']} GiB"
                return f"in {span} Filestore Zonal grows in steps of {r['step_gib']} GiB"
            return None
    spans = ", ".join(f"{r['min_gib']}-{r['max_gib']}" for r in ranges)
    return f"Filestore Zonal holds {spans} GiB"
