"""The rules as CrossGuard policies (pulumi_policy objects), usable offline and in a policy pack.

Each policy wraps the rule's logic. Offline, the evaluator hands it the whole plan graph through
an Environment; inside `pulumi preview --policy-pack`, stack policies rebuild the graph from the
engine's own StackValidationArgs and resource policies see the resource alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi_policy as pp
from pulumi_policy import proxy

from ailz.policies.index import PlanIndex
from ailz.policies.model import RuleMeta
from ailz.policies.props import UNKNOWN, UnknownValue
from ailz.policies.registry import RESOURCE_LOGIC, STACK_LOGIC, load_all
from ailz.policies.table import RULES
from ailz.stacks.plan import Plan, PlanResource

# Violations that say "cannot prove it" start with this; the evaluator keeps them only for mandatory rules.
UNKNOWN_PREFIX = "value unknown before apply, compliance unprovable: "


@dataclass
class Environment:
    """What a policy sees beyond one resource: the plan graph (offline) or just the zone context."""

    index: PlanIndex | None = None
    context: dict[str, Any] = field(default_factory=dict)
    _alone: PlanIndex | None = field(default=None, repr=False)

    def plan_index(self) -> PlanIndex:
        """The plan graph offline; inside the engine, an empty graph that still carries the context."""
        if self.index is not None:
            return self.index
        if self._alone is None:
            self._alone = PlanIndex(
                Plan(zone="", spec_file=None, targets=[], resources=[], context=self.context)
            )
        return self._alone


# The engine's placeholders for values unknown before apply, one per type (pulumi_policy.proxy);
# the string one is props.UNKNOWN, to which every other is mapped
_TYPED_UNKNOWNS = frozenset(
    {
        proxy.UNKNOWN_BOOLEAN_VALUE,
        proxy.UNKNOWN_NUMBER_VALUE,
        proxy.UNKNOWN_ARRAY_VALUE,
        proxy.UNKNOWN_ASSET_VALUE,
        proxy.UNKNOWN_ARCHIVE_VALUE,
        proxy.UNKNOWN_OBJECT_VALUE,
    }
)


def plain(value: Any) -> Any:
    """Engine props as plain dicts and lists: inside `pulumi preview` pulumi_policy wraps them in
    read-only proxies (not dict or list, and raising on unknown values) that hold the raw value
    under "__target"; typed unknown placeholders become props.UNKNOWN."""
    if not isinstance(value, (dict, list, str)) and isinstance(value, (Mapping, Sequence)):
        try:
            value = value["__target"]
        except (KeyError, TypeError, IndexError):
            value = dict(value) if isinstance(value, Mapping) else list(value)
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, str) and value in _TYPED_UNKNOWNS:
        return UNKNOWN
    return value


def _resource_from_args(args: pp.ResourceValidationArgs) -> PlanResource:
    return PlanResource(
        type=args.resource_type,
        name=args.name,
        urn=args.urn,
        parent=None,
        target=None,
        inputs=plain(args.props),
    )


def plan_from_policy_resources(resources: list[pp.PolicyResource], context: dict[str, Any]) -> Plan:
    """The engine's view of a stack (StackValidationArgs.resources) as a Plan."""
    out = [
        PlanResource(
            type=r.resource_type,
            name=r.name,
            urn=r.urn,
            parent=r.parent.urn if r.parent is not None else None,
            target=None,
            inputs=plain(r.props),
            dependencies=[d.urn for d in r.dependencies],
            property_dependencies={k: [d.urn for d in v] for k, v in r.property_dependencies.items()},
        )
        for r in resources
    ]
    return Plan(zone="", spec_file=None, targets=[], resources=out, context=context)


def _params(meta: RuleMeta, config: Any) -> dict[str, Any]:
    """Rule parameters: the table's defaults overlaid with the policy's configuration."""
    if not config or config is meta.params:
        return meta.params
    return {**meta.params, **{k: v for k, v in dict(config).items() if k in meta.params}}


def _resource_validation(meta: RuleMeta, env: Environment):
    logic = RESOURCE_LOGIC[meta.id]

    def validate(args: pp.ResourceValidationArgs, report_violation) -> None:
        index = env.plan_index()
        resource = index.by_urn.get(args.urn) or _resource_from_args(args)
        try:
            for message in logic.fn(resource, index, _params(meta, args.get_config())):
                report_violation(message, None)
        except UnknownValue as unknown:
            report_violation(UNKNOWN_PREFIX + unknown.path, None)

    return validate


def _stack_validation(meta: RuleMeta, env: Environment):
    logic = STACK_LOGIC[meta.id]

    def validate(args: pp.StackValidationArgs, report_violation) -> None:
        index = env.index or PlanIndex(plan_from_policy_resources(args.resources, env.context))
        params = _params(meta, args.get_config())
        subjects = (
            index.of_type(*logic.types) if logic.types else [r for r in index.plan.resources if r.custom]
        )
        for resource in subjects:
            try:
                for item in logic.fn(resource, index, params):
                    blamed, message = item if isinstance(item, tuple) else (resource, item)
                    report_violation(message, blamed.urn)
            except UnknownValue as unknown:
                report_violation(UNKNOWN_PREFIX + unknown.path, resource.urn)

    return validate


def _schema(meta: RuleMeta) -> pp.PolicyConfigSchema | None:
    if not meta.params:
        return None
    kinds = {list: "array", int: "integer", str: "string", bool: "boolean", float: "number"}
    return pp.PolicyConfigSchema(
        properties={k: {"type": kinds.get(type(v), "string")} for k, v in meta.params.items()}
    )


def build_policies(env: Environment, levels: dict[str, str] | None = None) -> dict[str, pp.Policy]:
    """Rule id -> CrossGuard policy; `levels` overrides each rule's enforcement level."""
    load_all()
    levels = levels or {}
    framework = pp.PolicyComplianceFramework(name="NIST SP 800-53", version="rev5")
    policies: dict[str, pp.Policy] = {}
    for meta in RULES:
        common = dict(
            name=meta.id,
            description=f"{meta.title}. {meta.description}",
            enforcement_level=pp.EnforcementLevel(levels.get(meta.id, meta.enforcement)),
            config_schema=_schema(meta),
            display_name=meta.title,
            severity=pp.Severity(meta.severity),
            framework=framework,
            tags=[meta.family, *meta.controls.flat()],
            remediation_steps=meta.remediation,
        )
        if meta.scope == "stack":
            policies[meta.id] = pp.StackValidationPolicy(validate=_stack_validation(meta, env), **common)
        else:
            policies[meta.id] = pp.ResourceValidationPolicy(
                validate=_resource_validation(meta, env), **common
            )
    return policies
