"""What changes between two plans, by URN, and what a reviewer must see about it. Pure: two Plans
in, a PlanDiff out; the replace-on-change facts come from the catalog (`plan_changes`)."""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from typing import Any

from ailz.catalog import Catalog, load_catalog
from ailz.stacks.plan import Plan, PlanResource

SECRET = "(secret)"
# Pulumi's marker of a secret value in serialized inputs: {SIG: SECRET_SIG, "value": ...}
_SIG, _SECRET_SIG = "4dabf18193072939515e22adb298388d", "1b47061264138c4ac30d75fd1eb44270"


class _Secret:
    """A value Pulumi marks secret: compared by value, never printed."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Secret) and self.value == other.value

    def __hash__(self) -> int:
        return 0


# input names whose values are never printed, whatever the resource (case-insensitive)
_SECRET_NAMES = re.compile(r"(password|secret|private_?key|token|passphrase|credentials)", re.IGNORECASE)
# Kubernetes Secrets: every value under these inputs is secret
_SECRET_TYPES = {"kubernetes:core/v1:Secret": ("data", "stringData")}


@dataclass
class Change:
    path: str
    old: Any
    new: Any

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "old": self.old, "new": self.new}


@dataclass
class ResourceChange:
    urn: str
    type: str
    name: str
    target: str | None
    changes: list[Change] = field(default_factory=list)
    risks: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "target": self.target,
        }
        if self.changes:
            document["changes"] = [c.to_json() for c in self.changes]
        if self.risks:
            document["risks"] = self.risks
        return document


@dataclass
class PlanDiff:
    added: list[ResourceChange]
    removed: list[ResourceChange]
    changed: list[ResourceChange]

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def risks(self) -> list[tuple[ResourceChange, str]]:
        return [(item, risk) for item in (*self.removed, *self.changed, *self.added) for risk in item.risks]

    def to_json(self) -> dict[str, Any]:
        return {
            "added": [r.to_json() for r in self.added],
            "removed": [r.to_json() for r in self.removed],
            "changed": [r.to_json() for r in self.changed],
        }


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """{'a': {'b': [1, 2]}} -> {'a.b[0]': 1, 'a.b[1]': 2}; empty containers stay as leaves, and a
    value Pulumi marks secret is one leaf that is never printed."""
    if isinstance(value, dict) and value.get(_SIG) == _SECRET_SIG:
        return {prefix: _Secret(value.get("value"))}
    if isinstance(value, dict) and value:
        out: dict[str, Any] = {}
        for key in sorted(value):
            out.update(flatten(value[key], f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(value, list) and value:
        out = {}
        for index, item in enumerate(value):
            out.update(flatten(item, f"{prefix}[{index}]"))
        return out
    return {prefix: value}


def _is_secret(resource: PlanResource, path: str) -> bool:
    top = re.split(r"[.\[]", path, maxsplit=1)[0]
    if top in _SECRET_TYPES.get(resource.type, ()):
        return True
    if top in resource.options.get("additional_secret_outputs", []):
        return True
    return any(_SECRET_NAMES.search(part) for part in re.split(r"[.\[\]]", path) if part)


def _changes(old: PlanResource, new: PlanResource) -> list[Change]:
    before, after = flatten(old.inputs), flatten(new.inputs)
    ignored = new.options.get("ignore_changes", [])
    found = []
    for path in sorted(set(before) | set(after)):
        if path in before and path in after and before[path] == after[path]:
            continue
        if _matches(path, ignored):  # the engine keeps the live value: no change happens
            continue
        a, b = before.get(path), after.get(path)  # an absent value reads as None
        secret = (
            isinstance(a, _Secret) or isinstance(b, _Secret) or _is_secret(new, path) or _is_secret(old, path)
        )
        found.append(
            Change(path, SECRET if secret and a is not None else a, SECRET if secret and b is not None else b)
        )
    for name in sorted(set(old.options) | set(new.options)):
        if old.options.get(name) != new.options.get(name):
            found.append(Change(f"(option) {name}", old.options.get(name), new.options.get(name)))
    if old.parent != new.parent:
        found.append(Change("(parent)", old.parent, new.parent))
    return found


def _matches(path: str, patterns: list[str]) -> bool:
    """'vpcConfig.subnetIds[2]' matches 'vpcConfig.subnetIds'; patterns may use * (fnmatch)."""
    bare = re.sub(r"\[\d+\]", "", path)
    return any(bare == p or bare.startswith(p + ".") or fnmatch.fnmatchcase(bare, p) for p in patterns)


def _grows(old: str, new: str) -> bool:
    """A CIDR change that keeps every old address (an expansion), which GCP applies in place."""
    import ipaddress

    try:
        before, after = ipaddress.ip_network(old, strict=False), ipaddress.ip_network(new, strict=False)
    except ValueError:
        return False
    return before.version == after.version and before.subnet_of(after)  # type: ignore[arg-type]


def _risks(
    item: ResourceChange, old: PlanResource | None, new: PlanResource | None, catalog: Catalog
) -> list[str]:
    facts = catalog.plan_changes
    resource = new or old
    assert resource is not None
    risks: list[str] = []
    protected = (old and old.options.get("protect")) or (new and new.options.get("protect"))
    if protected:
        risks.append("touches a protected resource")
    if old is not None and new is None and resource.type in facts.gpu_capacity_types:
        risks.append("removes GPU capacity")
    if old is None and new is not None and resource.type in facts.gpu_capacity_types:
        risks.append("adds GPU capacity")
    if old is None or new is None:
        return risks
    paths = [c.path for c in item.changes]
    forced = [p for p in paths if _matches(p, facts.replace_on_change.get(resource.type, []))]
    forced += [p for p in paths if _matches(p, new.options.get("replace_on_changes", []))]
    changes = {c.path: c for c in item.changes}
    for path in facts.replace_if_decreased.get(resource.type, []):
        change = changes.get(path)
        numbers = change and isinstance(change.old, int | float) and isinstance(change.new, int | float)
        if numbers and change.new < change.old:
            forced.append(f"{path} (decreased)")
    for path in facts.replace_unless_range_grows.get(resource.type, []):
        change = changes.get(path)
        if (
            change
            and isinstance(change.old, str)
            and isinstance(change.new, str)
            and not _grows(change.old, change.new)
        ):
            forced.append(f"{path} (not an expansion of {change.old})")
    if forced:
        risks.append(
            f"replaces the resource (delete and create), not an update: {', '.join(sorted(set(forced)))}"
        )
    rolls = [p for p in paths if _matches(p, facts.rolls_nodes.get(resource.type, []))]
    if rolls:
        risks.append(f"rolls its nodes (each is drained and replaced): {', '.join(sorted(set(rolls)))}")
    capacity = [p for p in paths if _matches(p, facts.gpu_capacity_inputs.get(resource.type, []))]
    if capacity:
        risks.append(f"changes GPU capacity or reservation: {', '.join(sorted(set(capacity)))}")
    return risks


def diff_plans(base: Plan, head: Plan, catalog: Catalog | None = None) -> PlanDiff:
    """Resources added, removed and changed from `base` to `head` (custom resources and components),
    each change with its input paths and values (secrets masked) and the risks a reviewer must see."""
    catalog = catalog or load_catalog()
    old, new = base.by_urn(), head.by_urn()

    def item(resource: PlanResource) -> ResourceChange:
        return ResourceChange(resource.urn, resource.type, resource.name, resource.target)

    added, removed, changed = [], [], []
    for urn in sorted(set(new) - set(old)):
        entry = item(new[urn])
        entry.risks = _risks(entry, None, new[urn], catalog)
        added.append(entry)
    for urn in sorted(set(old) - set(new)):
        entry = item(old[urn])
        entry.risks = _risks(entry, old[urn], None, catalog)
        removed.append(entry)
    for urn in sorted(set(old) & set(new)):
        changes = _changes(old[urn], new[urn])
        if changes:
            entry = item(new[urn])
            entry.changes = changes
            entry.risks = _risks(entry, old[urn], new[urn], catalog)
            changed.append(entry)
    _dependents_of_replacements(head, changed, item)
    return PlanDiff(added=added, removed=removed, changed=changed)


def _dependents_of_replacements(head: Plan, changed: list[ResourceChange], item) -> None:
    """A replaced resource gets a new id; what takes that id as an input (a node group its subnets,
    a file system its subnet) may be replaced too. Offline ids are stand-ins derived from names, so
    the plan cannot show the new id: the dependents are named as a risk of their own."""
    replaced = {c.urn for c in changed if any(r.startswith("replaces the resource") for r in c.risks)}
    if not replaced:
        return
    entries = {c.urn: c for c in changed}
    for resource in head.resources:
        if not resource.custom or resource.urn in replaced:
            continue
        sources = {u for urns in resource.property_dependencies.values() for u in urns} & replaced
        if not sources:
            continue
        names = ", ".join(sorted(head.by_urn()[u].name for u in sources if u in head.by_urn()))
        risk = f"may be replaced too: an input comes from a replaced resource ({names})"
        entry = entries.get(resource.urn)
        if entry is None:
            entry = item(resource)
            entries[resource.urn] = entry
            changed.append(entry)
        if risk not in entry.risks:
            entry.risks.append(risk)
    changed.sort(key=lambda c: c.urn)
