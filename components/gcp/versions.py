"""The GKE version a cluster asks for: the spec's minor, raised to the patch its machines and
storage need within that minor (A4's GPUDirect RDMA needs 1.32.2-gke.1475000, Managed Lustre's
default port a 1.33.2 patch); GKE then creates at least that. Pure."""

from __future__ import annotations

from ailz.catalog import Catalog


def minor(version: str) -> tuple[int, int]:
    major, minor_, *_ = version.split(".")
    return int(major), int(minor_)


def patch_key(version: str) -> tuple[int, ...]:
    """'1.32.2-gke.1475000' -> (1, 32, 2, 1475000), for ordering minimums of one minor."""
    base, _, gke = version.partition("-gke.")
    return (*(int(p) for p in base.split(".")), int(gke or 0))


def required_versions(target, catalog: Catalog) -> list[str]:
    """Every minimum GKE version the target's pools and warm tier bring."""
    found = [
        catalog.machines[p.machine].gcp.min_gke_version
        for p in target.gpu_pools
        if p.machine in catalog.machines and catalog.machines[p.machine].gcp
    ]
    warm = target.storage.warm
    if warm is not None and warm.kind == "lustre":
        found.append(catalog.managed_lustre.csi_min_gke_version)
        found.append(catalog.managed_lustre.default_port_min_gke_version)
    return found


def cluster_version(spec_version: str, minimums: list[str]) -> str:
    """The spec's minor, or the highest minimum patch of that same minor."""
    same = [m for m in minimums if minor(m) == minor(spec_version)]
    return max(same, key=patch_key) if same else spec_version
