"""The rule table is well-formed and every row has logic of the matching kind."""

from __future__ import annotations

import re

from ailz.policies.model import ENFORCEMENT_LEVELS, FAMILIES, SEVERITIES, SOVEREIGNTY_OBJECTIVES
from ailz.policies.registry import RESOURCE_LOGIC, STACK_LOGIC, load_all
from ailz.policies.table import RULES

NIST = re.compile(r"^[A-Z]{2}-\d+(\(\d+\))?$")
ISO = re.compile(r"^A\.[5-8]\.\d+$")


def test_rows_are_well_formed():
    load_all()
    ids = [rule.id for rule in RULES]
    assert len(ids) == len(set(ids))
    for rule in RULES:
        assert rule.family in FAMILIES and rule.severity in SEVERITIES
        assert rule.enforcement in ENFORCEMENT_LEVELS
        assert rule.controls.nist and all(NIST.match(c) for c in rule.controls.nist), rule.id
        assert rule.controls.iso27001 and all(ISO.match(c) for c in rule.controls.iso27001), rule.id
        assert set(rule.controls.sovereignty) <= set(SOVEREIGNTY_OBJECTIVES)
        logic = STACK_LOGIC if rule.scope == "stack" else RESOURCE_LOGIC
        assert rule.id in logic, f"{rule.id} has no {rule.scope} logic"
    assert set(RESOURCE_LOGIC) | set(STACK_LOGIC) == set(ids)


def test_every_family_has_several_rules():
    for family in FAMILIES:
        assert sum(1 for rule in RULES if rule.family == family) >= 4, family
