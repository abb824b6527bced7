"""Every example is valid and plans offline; the plan carries graph, targets and spec lines."""

from __future__ import annotations

import json

import pytest

from ailz.stacks.plan import Plan
from tests.conftest import EXAMPLES

# examples/ also holds policy config and waivers; landing-zone specs are the files with targets.
NAMES = sorted(p.stem for p in EXAMPLES.glob("*.yaml"))


def test_all_four_reference_zones_exist():
    assert {"aws-p5-training", "gcp-a3-ultra", "onprem-sovereign", "hybrid-sovereign"} <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_example_plans_with_targets_and_parents(example_plan, name):
    plan = example_plan(name)
    assert plan.targets, name
    by_urn = plan.by_urn()
    for resource in plan.resources:
        assert resource.target in {t.name for t in plan.targets}
        assert resource.spec_path and resource.spec_path.startswith("targets[")
        assert resource.source and resource.source["line"] >= 1
        if resource.custom:
            assert resource.parent in by_urn, f"{resource.urn} has no component parent"
    # one landing-zone component per target, at the root of its stack
    roots = [r for r in plan.resources if r.parent not in by_urn]
    assert sorted(r.name for r in roots) == sorted(t.name for t in plan.targets)


@pytest.mark.parametrize("name", NAMES)
def test_plan_json_round_trips(example_plan, name):
    plan = example_plan(name)
    data = json.loads(plan.to_json())
    assert data["format"] == "ailz-plan"
    for item in data["resources"]:
        assert {"type", "name", "urn", "parent", "target", "inputs", "dependencies"} <= set(item)
    again = Plan.from_dict(data)
    assert [r.urn for r in again.resources] == [r.urn for r in plan.resources]


def test_plans_are_deterministic(example_plan):
    from ailz.components.kinds import load_spec
    from ailz.stacks.synth import synthesize

    first = example_plan("hybrid-sovereign").to_json()
    second = synthesize(load_spec(EXAMPLES / "hybrid-sovereign.yaml")).to_json()
    assert first == second


def test_one_stack_per_target(example_plan):
    plan = example_plan("hybrid-sovereign")
    assert [t.stack for t in plan.targets] == [
        "acme-hybrid-aws-train",
        "acme-hybrid-gcp-train",
        "acme-hybrid-fra-dgx",
    ]
    for resource in plan.resources:
        stack = next(t.stack for t in plan.targets if t.name == resource.target)
        assert resource.urn.startswith(f"urn:pulumi:{stack}::ailz::")
