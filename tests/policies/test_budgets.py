"""Team budgets: the gate blocks (prod) a team whose GPU quota, priced as `ailz cost` prices it,
exceeds teams[].budget_usd_month."""

from __future__ import annotations

import copy

import yaml

from ailz.components.kinds import load_text
from ailz.policies.gate import run_gate
from ailz.stacks.cost import estimate
from ailz.stacks.synth import synthesize
from tests.conftest import EXAMPLES

BASE = yaml.safe_load((EXAMPLES / "aws-p5-training.yaml").read_text())


def test_a_team_over_its_budget_blocks_in_prod_and_one_within_passes():
    document = copy.deepcopy(BASE)
    team = document["teams"][0]
    plan = synthesize(load_text(yaml.safe_dump(document, sort_keys=False), "zone.yaml"))
    monthly = next(t for t in estimate(plan).teams if t.name == team["name"]).hourly_usd * 730
    for budget, blocked in ((monthly * 0.5, True), (monthly * 2, False)):
        team["budget_usd_month"] = round(budget, 2)
        plan = synthesize(load_text(yaml.safe_dump(document, sort_keys=False), "zone.yaml"))
        result = run_gate(plan, profile="prod")
        found = [f for f in result.findings if f.rule_id == "AILZ-CAP-006"]
        assert bool(found) == blocked, found
        if blocked:
            assert found[0].blocking and "above its budget" in found[0].message
