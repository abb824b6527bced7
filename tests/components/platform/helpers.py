"""Shared helpers: Kubernetes objects out of a plan, golden-file comparison."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ailz.stacks.plan import Plan
from tests.golden import assert_golden as shared_assert_golden

GOLDEN = Path(__file__).resolve().parent / "golden"
NOT_MANIFESTS = ("kubernetes:helm.sh/v3:Release", "kubernetes:yaml/v2:ConfigFile")


def manifests(plan: Plan, target: str) -> list[dict[str, Any]]:
    """Every Kubernetes object ailz declares in a target, as the API server would receive it."""
    out = []
    for resource in plan.resources:
        if resource.target != target or not resource.custom:
            continue
        if not resource.type.startswith("kubernetes:") or resource.type in NOT_MANIFESTS:
            continue
        if resource.type.endswith("Patch"):  # a server-side patch of an object, not a whole one
            continue
        out.append(resource.inputs)
    return out


def _rail_order(obj: dict[str, Any]) -> tuple[str, int]:
    name = obj["metadata"]["name"]
    stem, _, number = name.rpartition("rail")
    return (stem, int(number)) if number.isdigit() else (name, 0)


def by_kind(objects: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    """Objects of one kind in name order (rails numerically), whatever order they registered in."""
    return sorted((o for o in objects if o["kind"] == kind), key=_rail_order)


def named(
    objects: list[dict[str, Any]], kind: str, name: str, namespace: str | None = None
) -> dict[str, Any]:
    found = [
        o
        for o in by_kind(objects, kind)
        if o["metadata"]["name"] == name and o["metadata"].get("namespace") == namespace
    ]
    assert len(found) == 1, f"expected one {kind} {namespace}/{name}, found {len(found)}"
    return found[0]


def release(plan: Plan, target: str, name: str):
    found = [
        r
        for r in plan.of_type("kubernetes:helm.sh/v3:Release")
        if r.target == target and r.inputs.get("name") == name
    ]
    assert len(found) == 1, f"expected one Helm release {name} in {target}"
    return found[0]


def assert_golden(name: str, data: Any) -> None:
    shared_assert_golden(GOLDEN, name, data)
