"""A plan seen as a graph: lookups rules use to follow references between resources."""

from __future__ import annotations

from collections import defaultdict
from functools import cached_property
from typing import Any

from ailz.policies import props as P
from ailz.stacks.plan import Plan, PlanResource


def provider_urn(reference: str | None) -> str | None:
    """A provider reference is 'URN::id'; the URN is everything before the last '::'."""
    if not reference:
        return None
    urn, sep, _ = reference.rpartition("::")
    return urn if sep and urn.startswith("urn:") else reference


class PlanIndex:
    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.context: dict[str, Any] = plan.context or {}
        self.by_urn: dict[str, PlanResource] = {}
        self.by_type: dict[str, list[PlanResource]] = defaultdict(list)
        for resource in plan.resources:
            self.by_urn[resource.urn] = resource
            self.by_type[resource.type].append(resource)

    # --- graph -------------------------------------------------------------------------------

    @cached_property
    def _referrers(self) -> dict[str, list[PlanResource]]:
        out: dict[str, list[PlanResource]] = defaultdict(list)
        for resource in self.plan.resources:
            seen = set(resource.dependencies)
            for urns in resource.property_dependencies.values():
                seen.update(urns)
            for urn in seen:
                out[urn].append(resource)
        return out

    def refs(self, resource: PlanResource, key: str, type_token: str | None = None) -> list[PlanResource]:
        """Resources an input refers to, from its property dependencies (the engine's own record)."""
        urns = resource.property_dependencies.get(key) or self._literal_refs(resource.inputs.get(key))
        found = [self.by_urn[u] for u in urns if u in self.by_urn]
        return [r for r in found if type_token is None or r.type == type_token]

    def _literal_refs(self, value: Any) -> list[str]:
        """A program that names a resource by its id or ARN as a literal string, not a reference:
        the resources those strings are (from a preview's or state file's known ids)."""
        literals = self.plan.literals
        if not literals:
            return []
        found: list[str] = []

        def walk(node: Any) -> None:
            if isinstance(node, str) and node in literals:
                found.append(literals[node])
            elif isinstance(node, dict):
                for item in node.values():
                    walk(item)
            elif isinstance(node, list):
                for item in node:
                    walk(item)

        walk(value)
        return found

    def referrers(self, resource: PlanResource, type_token: str | None = None) -> list[PlanResource]:
        """Resources that depend on this one (any input or explicit dependency)."""
        found = self._referrers.get(resource.urn, [])
        return [r for r in found if type_token is None or r.type == type_token]

    def referrers_via(self, resource: PlanResource, key: str, type_token: str) -> list[PlanResource]:
        """Resources of a type whose input `key` refers to this resource."""
        return [
            r
            for r in self._referrers.get(resource.urn, [])
            if r.type == type_token and resource.urn in r.property_dependencies.get(key, [])
        ]

    def of_type(self, *type_tokens: str) -> list[PlanResource]:
        out: list[PlanResource] = []
        for token in type_tokens:
            out.extend(self.by_type.get(token, []))
        return out

    @cached_property
    def namespaces(self) -> dict[tuple[str | None, str], PlanResource]:
        """Kubernetes namespaces by (target, name)."""
        return {
            (ns.target, P.get(ns.inputs, "metadata", "name") or ns.name): ns
            for ns in self.of_type("kubernetes:core/v1:Namespace")
        }

    # --- context -----------------------------------------------------------------------------

    @property
    def residency(self) -> dict[str, Any]:
        return self.context.get("residency") or {}

    @cached_property
    def allowed_regions(self) -> frozenset[str]:
        return frozenset(P.region_of_location(r) for r in self.residency.get("allowed_regions") or [])

    @property
    def environment(self) -> str | None:
        return self.context.get("environment")

    def target_info(self, resource: PlanResource) -> dict[str, Any]:
        return (self.context.get("targets") or {}).get(resource.target or "", {}) or {}

    def region_of(self, resource: PlanResource) -> str | None:
        """Region from the resource's own inputs, then its provider, then its target."""
        inputs = resource.inputs
        for key in ("region", "location", "zone", "availabilityZone"):
            value = P.get(inputs, key)
            if isinstance(value, str) and value:
                return P.region_of_location(value)
        provider = self.by_urn.get(provider_urn(resource.provider) or "")
        if provider is not None:
            for key in ("region", "zone"):
                value = P.get(provider.inputs, key)
                if isinstance(value, str) and value:
                    return P.region_of_location(value)
        location = self.target_info(resource).get("location")
        return P.region_of_location(location) if location else None

    @cached_property
    def catalog(self):
        from ailz.catalog import load_catalog

        return load_catalog()

    def machine(self, name: Any):
        if not isinstance(name, str):
            return None
        return self.catalog.machines.get(name)
