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
        # a target's part, or the zone-wide setting a target's resource implements (its budgets)
        assert resource.spec_path and resource.spec_path.startswith(("targets[", "cost.budget_alerts"))
        assert resource.source and resource.source["line"] >= 1
        if resource.custom:
            assert resource.parent in by_urn, f"{resource.urn} has no component parent"
    # per target, the landing zone at the root of its infrastructure stack and the cluster layer at
    # the root of its platform stack
    roots = [r for r in plan.resources if r.parent not in by_urn]
    assert sorted((r.name, r.stack) for r in roots) == sorted(
        pair for t in plan.targets for pair in ((t.name, t.stack), (t.name, t.platform_stack))
    )
    assert {r.type.rsplit(":", 1)[1] for r in roots} == {"LandingZone", "ClusterLayer"}


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


def test_two_stacks_per_target(example_plan):
    plan = example_plan("hybrid-sovereign")
    assert [(t.stack, t.platform_stack) for t in plan.targets] == [
        ("acme-hybrid-aws-train", "acme-hybrid-aws-train-platform"),
        ("acme-hybrid-gcp-train", "acme-hybrid-gcp-train-platform"),
        ("acme-hybrid-fra-dgx", "acme-hybrid-fra-dgx-platform"),
    ]
    for resource in plan.resources:
        target = next(t for t in plan.targets if t.name == resource.target)
        assert resource.stack in (target.stack, target.platform_stack)
        assert resource.urn.startswith(f"urn:pulumi:{resource.stack}::ailz::")


@pytest.mark.parametrize("name", NAMES)
def test_the_stack_that_creates_the_cluster_declares_no_kubernetes_resource(example_plan, name):
    plan = example_plan(name)
    for target in plan.targets:
        infra = [r for r in plan.resources if r.stack == target.stack]
        platform = [r for r in plan.resources if r.stack == target.platform_stack]
        assert infra and platform, target.name
        kubernetes = ("kubernetes:", "pulumi:providers:kubernetes")
        assert [r.name for r in infra if r.type.startswith(kubernetes)] == []
        # every Kubernetes object of the platform stack goes through its one provider, built from
        # the infrastructure stack's kubeconfig (on-prem: the spec's context)
        (provider,) = [r for r in platform if r.type == "pulumi:providers:kubernetes"]
        for resource in platform:
            if resource.type.startswith("kubernetes:"):
                assert resource.provider and resource.provider.startswith(provider.urn), resource.name
        assert [r.type for r in platform if r.custom and not r.type.startswith(kubernetes)] == []
