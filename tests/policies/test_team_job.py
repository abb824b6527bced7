"""A compliant team training job passes the gate on every target kind: the validation MPIJob ailz
renders, run by a team in its own namespace with its image pinned, as a team would."""

from __future__ import annotations

import copy
import re

import pytest

from ailz.components.kinds import load_spec
from ailz.policies.gate import run_gate
from ailz.stacks.plan import PlanResource
from ailz.validation.job_plan import plan_job
from ailz.validation.render import render
from tests.conftest import EXAMPLES

PINNED = "@sha256:" + "a" * 64


def _pin(value):
    if isinstance(value, dict):
        return {k: (_pin_image(v) if k == "image" else _pin(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_pin(v) for v in value]
    return value


def _pin_image(image):
    return image if "@sha256:" in image else re.sub(r":[^/:]+$", "", image) + PINNED


def team_job(name: str, target: str, pool: str):
    zone = load_spec(EXAMPLES / f"{name}.yaml").zone
    team = next(t for t in zone.teams if target in t.targets and t.training)
    objects = render(plan_job(zone, target, pool, name="team-train"))
    out = []
    for obj in objects:
        obj = _pin(copy.deepcopy(obj))
        obj["metadata"]["namespace"] = team.name
        group_version = obj["apiVersion"] if "/" in obj["apiVersion"] else f"core/{obj['apiVersion']}"
        type_token = f"kubernetes:{group_version}:{obj['kind']}"
        urn = f"urn:pulumi:team::job::{type_token}::{obj['metadata']['name']}"
        out.append(PlanResource(type=type_token, name=obj["metadata"]["name"], urn=urn, parent=None,
                                target=target, inputs=obj))  # fmt: skip
    return out


@pytest.mark.parametrize(
    "name, target, pool",
    [("onprem-sovereign", "fra-dgx", "dgx"), ("onprem-sriov-roce", "ams-hgx", "hgx"),
     ("aws-p5-training", "aws-train", "h100"), ("gcp-a3-mega", "gcp-ft", "h100-mega")],
)  # fmt: skip
def test_a_compliant_team_training_job_passes(example_plan, name, target, pool):
    plan = copy.deepcopy(example_plan(name))
    before = {(f.rule_id, f.urn) for f in run_gate(plan, profile="prod").blocking}
    plan.resources.extend(team_job(name, target, pool))
    after = run_gate(plan, profile="prod")
    new = [f for f in after.blocking if (f.rule_id, f.urn) not in before]
    assert not new, after.text()
