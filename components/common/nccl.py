"""Which NCCL fabric profile a pool runs and which nccl-tests image a target pulls for it: shared by
the NCCL validation jobs and the recurring health checks, so both run the same thing."""

from __future__ import annotations

from typing import Any

from ailz.catalog import Machine, load_catalog
from ailz.components.common.images import mirrored_image, pinned


def nccl_profile_name(machine: Machine, target: Any) -> str:
    """The machine's profile; on-prem the site's fabric decides between InfiniBand and RoCE."""
    fabric = target.site_fabric
    return fabric.kind if fabric is not None else machine.nccl_profile


def nccl_test_image(profile: str, target: Any) -> str:
    """The profile's nccl-tests image as the target pulls it: its digest from the spec's
    image_digests when given, from the registry mirror when the target has one."""
    catalog = load_catalog()
    image = catalog.nccl_pods[profile].image or catalog.fabric_profiles[profile].image
    mirror = target.registries.mirror if target.registries is not None else None
    return mirrored_image(pinned(image, target.image_digests), mirror)
