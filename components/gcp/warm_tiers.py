"""Warm-tier facts (Managed Lustre tiers, Filestore Zonal ranges) from the catalog
(`load_catalog().managed_lustre` / `.filestore_zonal`, catalog/gcp.yaml). Pure."""

from __future__ import annotations

from ailz.catalog import load_catalog

# ailz's defaults when the spec's warm tier leaves them unset, recorded beside the tier facts
DEFAULT_CAPACITY_GIB = load_catalog().managed_lustre.default_capacity_gib
DEFAULT_THROUGHPUT = load_catalog().managed_lustre.default_throughput_per_tib  # MB/s per TiB
DEFAULT_FILESTORE_GIB = load_catalog().filestore_zonal.default_capacity_gib  # higher capacity range


def csi_min_gke_version() -> str:
    """Oldest GKE version whose Lustre CSI driver mounts Managed Lustre on the default port."""
    return load_catalog().managed_lustre.csi_min_gke_version


def capacity_problem(capacity_gib: int, throughput: int) -> str | None:
    """Why this capacity is not valid for the tier, or None when it is."""
    tiers = load_catalog().managed_lustre.tiers
    if throughput not in tiers:
        return f"throughput_per_tib {throughput} is not a Managed Lustre tier; use one of {sorted(tiers)}"
    return tiers[throughput].problem(capacity_gib, throughput)


def filestore_problem(capacity_gib: int) -> str | None:
    """Why this capacity is not a valid Filestore Zonal size, or None when it is."""
    ranges = load_catalog().filestore_zonal.ranges
    for r in ranges:
        if r.min_gib <= capacity_gib <= r.max_gib:
            if (capacity_gib - r.min_gib) % r.step_gib:
                span = f"{r.min_gib}-{r.max_gib} GiB"
                return f"in {span} Filestore Zonal grows in steps of {r.step_gib} GiB"
            return None
    spans = ", ".join(f"{r.min_gib}-{r.max_gib}" for r in ranges)
    return f"Filestore Zonal holds {spans} GiB"
