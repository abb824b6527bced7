"""Checks that only apply to on-prem targets."""

from __future__ import annotations

from ailz.catalog import Catalog
from ailz.stacks.errors import SpecIssue
from ailz.stacks.spec import LandingZone


def check_onprem_target(zone: LandingZone, index: int, catalog: Catalog) -> list[SpecIssue]:
    """Problems in zone.targets[index], a on-prem target."""
    return []
