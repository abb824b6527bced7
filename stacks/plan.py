"""The Plan: every resource a synthesis registered, with its graph and inputs. No Pulumi imports."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from ailz.spec.zone import LandingZone

# 2: two stacks per target (targets[].platform_stack and platform_outputs, resources[].stack)
PLAN_FORMAT_VERSION = 2


@dataclass
class PlanResource:
    type: str
    name: str
    urn: str
    parent: str | None
    target: str | None
    inputs: dict[str, Any]
    dependencies: list[str] = field(default_factory=list)
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    custom: bool = True
    provider: str | None = None
    spec_path: str | None = None
    source: dict[str, Any] | None = None
    # the Pulumi stack that declares it: the target's infrastructure or platform stack
    stack: str | None = None
    # resource options the engine acts on (only those set): protect, retain_on_delete,
    # ignore_changes, replace_on_changes, delete_before_replace, custom_timeouts,
    # additional_secret_outputs; diff and gate read them
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def is_component(self) -> bool:
        return not self.custom


@dataclass
class PlanTarget:
    name: str
    kind: str
    stack: str
    location: str
    outputs: dict[str, Any] = field(default_factory=dict)
    # the stack applied through the cluster's API, built from `outputs`
    platform_stack: str | None = None
    platform_outputs: dict[str, Any] = field(default_factory=dict)


@dataclass
class Plan:
    zone: str
    spec_file: str | None
    targets: list[PlanTarget]
    resources: list[PlanResource]
    # Zone-level facts rules need: residency, key management, tags, environment.
    context: dict[str, Any] = field(default_factory=dict)
    # Read from a preview or state file (not written to ailz plans): what the input leaves out, and
    # the ids and ARNs each resource already has, so a literal id names its resource
    notes: list[str] = field(default_factory=list)
    literals: dict[str, str] = field(default_factory=dict)

    def by_urn(self) -> dict[str, PlanResource]:
        return {r.urn: r for r in self.resources}

    def of_type(self, type_token: str) -> list[PlanResource]:
        return [r for r in self.resources if r.type == type_token]

    def children(self, urn: str) -> list[PlanResource]:
        return [r for r in self.resources if r.parent == urn]

    def for_target(self, name: str) -> list[PlanResource]:
        return [r for r in self.resources if r.target == name]

    def type_counts(self, target: str | None = None) -> Counter:
        chosen = self.resources if target is None else self.for_target(target)
        return Counter(r.type for r in chosen if r.custom)

    def to_dict(self) -> dict[str, Any]:
        return {**self.to_dict_head(), "resources": [asdict(r) for r in self.resources]}

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, sort_keys=False, default=str)

    def write_json(self, stream: TextIO) -> None:
        """The bytes of to_json(), written resource by resource: a plan of tens of thousands of
        resources is never held twice more (as dicts, then as one string)."""
        stream.write("{\n")
        for key, value in self.to_dict_head().items():
            stream.write(f"  {json.dumps(key)}: {_indented(value, 2)},\n")
        if not self.resources:
            stream.write('  "resources": []\n}')
            return
        stream.write('  "resources": [\n')
        for index, resource in enumerate(self.resources):
            stream.write(f"    {_indented(asdict(resource), 4)}")
            stream.write(",\n" if index < len(self.resources) - 1 else "\n")
        stream.write("  ]\n}")

    def to_dict_head(self) -> dict[str, Any]:
        """to_dict() without the resources."""
        return {
            "format": "ailz-plan",
            "version": PLAN_FORMAT_VERSION,
            "zone": self.zone,
            "spec_file": self.spec_file,
            "context": self.context,
            "targets": [asdict(t) for t in self.targets],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Plan:
        if data.get("format") != "ailz-plan":
            raise ValueError('not an ailz plan (missing "format": "ailz-plan")')
        return cls(
            zone=data["zone"],
            spec_file=data.get("spec_file"),
            targets=[PlanTarget(**t) for t in data.get("targets", [])],
            resources=[PlanResource(**r) for r in data["resources"]],
            context=data.get("context", {}),
        )


def zone_context(zone: LandingZone) -> dict[str, Any]:
    """The zone-level facts a policy needs and a plan alone would not tell."""
    return {
        "residency": zone.residency.model_dump(),
        "tags": zone.tags.as_dict(),
        "environment": zone.tags.environment,
        "targets": {
            t.name: {
                "kind": t.kind,
                "location": t.location,
                "zone": t.availability_zone,
                "registries": t.registries.model_dump() if t.registries is not None else None,
                # what `ailz cost` and `ailz diagram` read from a plan file as from a spec
                "gpu_pools": [
                    {
                        "name": p.name,
                        "machine": p.machine,
                        "nodes": p.nodes,
                        "min_nodes": p.scaling[0],
                        "max_nodes": p.scaling[2],
                        "purpose": p.purpose,
                        "capacity": p.capacity.kind,
                        "reservation": p.capacity.reservation_id,
                    }
                    for p in t.gpu_pools
                ],  # fmt: skip
                "storage": t.storage.model_dump(exclude_none=True),
                # an on-prem site's own fabric (InfiniBand or RoCE), which the machine may allow both of
                "fabric": getattr(getattr(t, "fabric", None), "kind", None),
            }
            for t in zone.targets
        },
        "teams": [team.model_dump() for team in zone.teams],
        "cost": zone.cost.model_dump(),
        "budget_usd_month": zone.budget_usd_month,
    }


def _indented(value: Any, depth: int) -> str:
    """json.dumps(value, indent=2) as it reads `depth` spaces in: JSON strings hold no raw newline,
    so every line after the first moves right by `depth`."""
    return json.dumps(value, indent=2, default=str).replace("\n", "\n" + " " * depth)
