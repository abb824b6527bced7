"""A plan as `pulumi preview` shows it before anything exists: every value one resource takes from
another's outputs is unknown. A leaf that is such an output is unknown itself; a string built from
one (a JSON policy naming an ARN) is unknown as a whole, as Output.apply makes it."""

from __future__ import annotations

import copy
from typing import Any

from ailz.components.aws.fakes import FAKE_ACCOUNT
from ailz.policies.props import UNKNOWN
from ailz.stacks.fakes import fake_id
from ailz.stacks.plan import Plan


def _computed_markers(plan: Plan, urns: list[str]) -> list[str]:
    by_urn = {r.urn: r for r in plan.resources}
    markers = []
    for urn in urns:
        dep = by_urn.get(urn)
        if dep is not None and dep.custom:
            markers.append(fake_id(dep.type, dep.name))
    return markers


def _blank(value: Any, markers: list[str]) -> Any:
    if isinstance(value, dict):
        return {k: _blank(v, markers) for k, v in value.items()}
    if isinstance(value, list):
        return [_blank(v, markers) for v in value]
    if isinstance(value, str) and (FAKE_ACCOUNT in value or any(m in value for m in markers)):
        return UNKNOWN
    return value


def first_preview(plan: Plan) -> Plan:
    out = copy.deepcopy(plan)
    for resource in out.resources:
        for key, urns in resource.property_dependencies.items():
            if key in resource.inputs and urns:
                resource.inputs[key] = _blank(resource.inputs[key], _computed_markers(out, urns))
    return out
