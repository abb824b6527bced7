"""With validation.health set, every example plans one recurring check per GPU pool, and the plan
passes the gate at prod once the checks' images carry digests."""

from __future__ import annotations

import pytest
import yaml

from ailz.catalog import load_catalog
from ailz.components.kinds import load_text
from ailz.policies.gate import run_gate
from ailz.stacks.synth import synthesize
from tests.conftest import EXAMPLES

ALL = sorted(p.stem for p in EXAMPLES.glob("*.yaml"))


def with_health(name: str, digests: dict[str, str] | None = None) -> str:
    document = yaml.safe_load((EXAMPLES / f"{name}.yaml").read_text())
    document.setdefault("validation", {})["health"] = {"schedule": "15 */6 * * *", "dcgm_level": 2}
    for target in document["targets"]:
        if digests:
            target["image_digests"] = {**(target.get("image_digests") or {}), **digests}
    return yaml.safe_dump(document, sort_keys=False)


@pytest.mark.parametrize("name", ALL)
def test_one_recurring_check_per_gpu_pool_of_every_target(name):
    loaded = load_text(with_health(name), f"{name}.yaml")
    plan = synthesize(loaded)
    cronjobs = sorted(
        (r.target, r.inputs["metadata"]["name"])
        for r in plan.resources
        if r.type == "kubernetes:batch/v1:CronJob"
    )
    expected = sorted((t.name, f"ailz-health-{p.name}") for t in loaded.zone.targets for p in t.gpu_pools)
    assert cronjobs == expected
    for resource in plan.resources:
        if resource.type == "kubernetes:batch/v1:CronJob":
            assert resource.inputs["spec"]["schedule"] == "15 */6 * * *"


def test_with_digests_for_its_images_the_plan_passes_the_gate_at_prod():
    catalog = load_catalog()
    image = catalog.fabric_profiles["efa"].image  # the EFA pools' nccl-tests image, by tag in the catalog
    loaded = load_text(with_health("aws-p5-training", {image: "sha256:" + "a" * 64}), "aws-p5-training.yaml")
    result = run_gate(synthesize(loaded), profile="prod")
    assert result.passed, result.text()
    without = run_gate(
        synthesize(load_text(with_health("aws-p5-training"), "aws-p5-training.yaml")), profile="prod"
    )
    assert {f.rule_id for f in without.blocking} == {"AILZ-K8S-006"}
