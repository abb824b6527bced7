"""A team's training job as a team would write it: the validation MPIJob ailz renders, in the team's
own namespace, its images pinned by digest."""

from __future__ import annotations

import copy
import re

from ailz.components.kinds import load_spec
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
