"""Golden resource counts: per example zone and stack (each target's infrastructure and platform
stacks), how many resources of each type it plans.

Each examples/<name>.yaml has tests/stacks/golden/<name>.counts.yaml, so any change to what an
example plans shows in a pull request as a readable diff. After an intended change, rewrite them:

    AILZ_UPDATE_GOLDEN=1 python3 -m pytest -q tests/stacks/test_golden_counts.py
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ailz.stacks.plan import Plan
from tests.conftest import EXAMPLES
from tests.golden import assert_golden_diff

GOLDEN = Path(__file__).resolve().parent / "golden"
# the landing-zone specs of examples/ (policy config and CI files live in subdirectories)
NAMES = sorted(p.stem for p in EXAMPLES.glob("*.yaml"))
HEADER = (
    "# Resources per type planned for examples/{name}.yaml, per stack (custom resources and providers).\n"
    "# Checked by tests/stacks/test_golden_counts.py; AILZ_UPDATE_GOLDEN=1 rewrites this file.\n"
)


def stack_counts(plan: Plan, stack: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for resource in plan.resources:
        if resource.custom and resource.stack == stack:
            counts[resource.type] = counts.get(resource.type, 0) + 1
    return counts


def render_counts(name: str, plan: Plan) -> str:
    parts = [HEADER.format(name=name)]
    for target in plan.targets:
        for stack in (target.stack, target.platform_stack):
            counts = stack_counts(plan, stack)
            body = yaml.safe_dump({stack: counts}, sort_keys=True, default_flow_style=False)
            first, rest = body.split("\n", 1)
            parts.append(f"{first}  # {sum(counts.values())} resources\n{rest}")
    return "".join(parts)


@pytest.mark.parametrize("name", NAMES)
def test_resource_counts_match_golden(example_plan, name):
    assert_golden_diff(GOLDEN, f"{name}.counts", render_counts(name, example_plan(name)))


def test_every_golden_file_has_an_example():
    suffix = ".counts.yaml"
    stale = sorted(p.name for p in GOLDEN.glob(f"*{suffix}") if p.name[: -len(suffix)] not in NAMES)
    assert not stale, f"golden counts of examples that no longer exist: {stale}"


def test_rendered_counts_are_readable_yaml(example_plan):
    plan = example_plan("hybrid-sovereign")
    data = yaml.safe_load(render_counts("hybrid-sovereign", plan))
    assert list(data) == [s for t in plan.targets for s in (t.stack, t.platform_stack)]
    for target in plan.targets:
        both = {**data[target.stack]}
        for type_token, count in (data[target.platform_stack] or {}).items():
            both[type_token] = both.get(type_token, 0) + count
        assert both == dict(plan.type_counts(target.name))
