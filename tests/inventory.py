"""Fabric-style inventory assertions: expected values are a subset of what the plan holds."""

from __future__ import annotations

from collections import Counter
from typing import Any

from ailz.stacks.plan import Plan, PlanResource


def is_subset(expected: Any, actual: Any, path: str = "") -> list[str]:
    """Differences where `expected` is not contained in `actual` (dicts by key, lists by index)."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{path or '.'}: expected a mapping, got {actual!r}"]
        problems = []
        for key, value in expected.items():
            if key not in actual:
                problems.append(f"{path}.{key}: missing")
            else:
                problems += is_subset(value, actual[key], f"{path}.{key}")
        return problems
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{path}: expected {len(expected)} items, got {actual!r}"]
        problems = []
        for index, (want, have) in enumerate(zip(expected, actual, strict=True)):
            problems += is_subset(want, have, f"{path}[{index}]")
        return problems
    return [] if expected == actual else [f"{path}: expected {expected!r}, got {actual!r}"]


def assert_subset(expected: Any, actual: Any) -> None:
    problems = is_subset(expected, actual)
    assert not problems, "\n".join(problems)


def counts(plan: Plan, target: str | None = None) -> Counter:
    return plan.type_counts(target)


def one(plan: Plan, type_token: str, name: str | None = None) -> PlanResource:
    found = [r for r in plan.of_type(type_token) if name is None or r.name == name]
    assert len(found) == 1, f"expected one {type_token} {name or ''}, found {[r.name for r in found]}"
    return found[0]
