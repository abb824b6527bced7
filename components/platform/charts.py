"""Pinned platform software (catalog/platform.yaml, `load_catalog().platform`) and where to fetch it
from; pure, no Pulumi."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from ailz.catalog import load_catalog
from ailz.catalog.models import Platform


def platform_facts() -> Platform:
    return load_catalog().platform


@cache
def platform_data() -> dict[str, Any]:
    """The platform facts as plain data, keys as in catalog/platform.yaml (`images` entries under
    `repositories`), for callers that index them by key."""
    return platform_facts().model_dump(by_alias=True, exclude_unset=True)


@dataclass(frozen=True)
class ChartSource:
    """Arguments of a helm.v3.Release: chart (name or oci:// reference), version, repository."""

    chart: str
    version: str
    repository: str | None
    namespace: str


def chart_source(name: str, mirror_charts: str | None = None) -> ChartSource:
    """Upstream chart, or the same chart version from an in-jurisdiction OCI mirror."""
    facts = platform_facts().charts[name]
    if mirror_charts:
        return ChartSource(f"{mirror_charts.rstrip('/')}/{facts.chart}", facts.version, None, facts.namespace)
    repo = facts.repository
    if repo.startswith("oci://"):
        return ChartSource(f"{repo}/{facts.chart}", facts.version, None, facts.namespace)
    return ChartSource(facts.chart, facts.version, repo, facts.namespace)


def image_repository(key: str, mirror: str | None = None) -> str:
    """Upstream image repository, or the same path under the mirror registry."""
    upstream = platform_facts().images.repositories[key]
    if not mirror:
        return upstream
    _, _, path = upstream.partition("/")
    return f"{mirror.rstrip('/')}/{path}"


def manifest_url(name: str, mirror_base: str | None = None) -> str:
    facts = platform_facts().manifests[name]
    if mirror_base:
        return f"{mirror_base.rstrip('/')}/{facts.path}"
    return facts.url


def chart_facts(name: str) -> dict[str, Any]:
    return platform_data()["charts"][name]


def scheduling_facts() -> dict[str, Any]:
    return platform_data()["scheduling"]


def kueue_config() -> dict[str, Any]:
    return platform_data()["kueue_config"]
