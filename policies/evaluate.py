"""Run every CrossGuard policy over a Plan offline and collect findings.

Resource policies see each custom resource whose type their rule covers; stack policies see the
whole graph. A value unknown before apply fails closed for mandatory rules and is dropped for
advisory ones (CrossGuard itself would skip the policy).
"""

from __future__ import annotations

from typing import Any

import pulumi_policy as pp

from ailz.policies.crossguard import UNKNOWN_PREFIX, Environment, build_policies
from ailz.policies.index import PlanIndex
from ailz.policies.model import ADVISORY, DISABLED, MANDATORY, Finding
from ailz.policies.registry import RESOURCE_LOGIC
from ailz.policies.table import RULES
from ailz.stacks.plan import Plan, PlanResource

_TIMEOUTS = pp.PolicyCustomTimeouts(0, 0, 0)


def _options(resource: PlanResource) -> pp.PolicyResourceOptions:
    return pp.PolicyResourceOptions(
        protect=False,
        ignore_changes=[],
        delete_before_replace=None,
        aliases=[],
        custom_timeouts=_TIMEOUTS,
        additional_secret_outputs=[],
        parent=resource.parent,
    )


def policy_resources(plan: Plan) -> list[pp.PolicyResource]:
    """The plan as the engine hands it to stack policies, graph links included."""
    made = {
        r.urn: pp.PolicyResource(r.type, r.inputs, r.urn, r.name, _options(r), None, None, [], {})
        for r in plan.resources
    }
    for r in plan.resources:
        node = made[r.urn]
        node.parent = made.get(r.parent or "")
        node.dependencies = [made[u] for u in r.dependencies if u in made]
        node.property_dependencies = {
            k: [made[u] for u in urns if u in made] for k, urns in r.property_dependencies.items()
        }
    return list(made.values())


def _finding(
    meta, level: str, message: str, resource: PlanResource | None, unknowns: str | None = None
) -> Finding | None:
    """A finding, or None. An unknown value fails (at the rule's level), warns (advisory) or is
    skipped, as the config says; by default mandatory rules fail and advisory ones skip."""
    unknown = message.startswith(UNKNOWN_PREFIX)
    if unknown:
        mode = unknowns or ("fail" if level == MANDATORY else "skip")
        if mode == "skip":
            return None
        if mode == "warn":
            level = ADVISORY
    source = (resource.source or {}) if resource else {}
    return Finding(
        rule_id=meta.id,
        family=meta.family,
        severity=meta.severity,
        enforcement=level,
        message=message,
        urn=resource.urn if resource else None,
        type=resource.type if resource else None,
        name=resource.name if resource else None,
        target=resource.target if resource else None,
        file=source.get("file"),
        line=source.get("line"),
        unknown=unknown,
    )


def evaluate(
    plan: Plan,
    levels: dict[str, str] | None = None,
    params: dict[str, dict[str, Any]] | None = None,
    unknowns: dict[str, str] | None = None,
) -> list[Finding]:
    levels = levels or {}
    params = params or {}
    unknowns = unknowns or {}
    index = PlanIndex(plan)
    policies = build_policies(Environment(index=index, context=plan.context), levels)
    active = [(m, levels.get(m.id, m.enforcement)) for m in RULES]
    active = [(m, level) for m, level in active if level != DISABLED]
    findings: list[Finding] = []

    engine_view = {r.urn: r for r in policy_resources(plan)}
    by_type: dict[str, list] = {}
    resource_rules = [(m, level) for m, level in active if m.scope == "resource"]
    for resource in plan.resources:
        if not resource.custom:
            continue
        rules = by_type.get(resource.type)
        if rules is None:
            rules = [(m, lv) for m, lv in resource_rules if RESOURCE_LOGIC[m.id].applies(resource.type)]
            by_type[resource.type] = rules
        if not rules:
            continue
        options = engine_view[resource.urn].opts
        for meta, level in rules:
            args = pp.ResourceValidationArgs(
                resource.type,
                resource.inputs,
                resource.urn,
                resource.name,
                options,
                None,
                params.get(meta.id, meta.params),
            )

            def report(
                message: str, urn: str | None = None, meta=meta, level=level, resource=resource
            ) -> None:
                finding = _finding(meta, level, message, resource, unknowns.get(meta.id))
                if finding:
                    findings.append(finding)

            policies[meta.id].validate(args, report)

    stack_rules = [(m, level) for m, level in active if m.scope == "stack"]
    if stack_rules:
        stack_view = list(engine_view.values())
        for meta, level in stack_rules:
            stack_args = pp.StackValidationArgs(stack_view, params.get(meta.id, meta.params))

            def report_stack(message: str, urn: str | None = None, meta=meta, level=level) -> None:
                finding = _finding(meta, level, message, index.by_urn.get(urn or ""), unknowns.get(meta.id))
                if finding:
                    findings.append(finding)

            policies[meta.id].validate(stack_args, report_stack)
    return findings
