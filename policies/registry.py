"""Rule logic registered by id. Resource rules see one resource; stack rules see the whole graph.

A resource rule: fn(resource, index, params) -> iterable of messages.
A stack (graph) rule has the same shape but runs as a CrossGuard stack policy, so it can follow
references through the whole graph; it may yield (other resource, message) to blame a neighbour.
The stack policy calls it once per resource of its types, so an unknown value only blinds the rule
for that one resource.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ailz.policies.index import PlanIndex
from ailz.stacks.plan import PlanResource

Params = dict[str, Any]
# What a rule yields: a message about the resource it was given, or (another resource, message).
Messages = Iterator[str | tuple[PlanResource, str]]
ResourceFn = Callable[[PlanResource, PlanIndex, dict[str, Any]], Iterable[str]]
StackFn = Callable[[PlanResource, PlanIndex, dict[str, Any]], Iterable[str | tuple[PlanResource, str]]]


@dataclass(frozen=True)
class ResourceLogic:
    fn: ResourceFn
    types: frozenset[str] | None  # None: every custom resource
    prefixes: tuple[str, ...] = ()

    def applies(self, type_token: str) -> bool:
        if self.types is None and not self.prefixes:
            return True
        return (self.types is not None and type_token in self.types) or type_token.startswith(
            self.prefixes or ("\0",)
        )


@dataclass(frozen=True)
class StackLogic:
    fn: StackFn
    types: tuple[str, ...]  # () means every custom resource


RESOURCE_LOGIC: dict[str, ResourceLogic] = {}
STACK_LOGIC: dict[str, StackLogic] = {}


def resource_rule(rule_id: str, *types: str, prefixes: tuple[str, ...] = ()):
    def register(fn: ResourceFn) -> ResourceFn:
        RESOURCE_LOGIC[rule_id] = ResourceLogic(fn, frozenset(types) if types else None, prefixes)
        return fn

    return register


def stack_rule(rule_id: str, *types: str):
    def register(fn: StackFn) -> StackFn:
        STACK_LOGIC[rule_id] = StackLogic(fn, types)
        return fn

    return register


def load_all() -> None:
    """Import every family module so its rules register."""
    from ailz.policies import (  # noqa: F401
        rules_capacity,
        rules_encryption,
        rules_exposure,
        rules_fabric,
        rules_hygiene,
        rules_residency,
        rules_workloads,
    )
