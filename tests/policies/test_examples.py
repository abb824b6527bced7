"""The reference zones pass the gate; a mutated zone trips the expected rule at the right spec line."""

from __future__ import annotations

import copy
import datetime as dt

import pytest

from ailz.policies.gate import run_gate
from ailz.stacks.plan import PlanResource
from tests.conftest import ROOT

EXAMPLES = ["aws-p5-training", "gcp-a3-ultra", "hybrid-sovereign", "onprem-sovereign"]
# every landing-zone spec in examples/ (policy config and CI files live in subdirectories)
ALL_EXAMPLES = sorted(p.stem for p in (ROOT / "examples").glob("*.yaml"))
CONFIG = str(ROOT / "examples" / "policy" / "config.yaml")
WAIVERS = str(ROOT / "examples" / "policy" / "waivers.yaml")


# Known gap: GKE's GPUDirect installer images ailz deploys are published by tag only and not pinned
# by digest (AILZ-K8S-006).
UNPINNED_GKE_IMAGES = {
    "gcp-a3-ultra",
    "gcp-a3-ultra-1024",
    "gcp-a3-mega",
    "gcp-shared-vpc",
    "hybrid-sovereign",
}


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(n, marks=pytest.mark.xfail(strict=True, reason="GPUDirect installer images unpinned"))
        if n in UNPINNED_GKE_IMAGES
        else n
        for n in ALL_EXAMPLES
    ],
)
def test_ailz_output_passes_its_own_gate_at_prod_without_waivers(example_plan, name):
    result = run_gate(example_plan(name), profile="prod")
    assert result.passed, result.text()


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_passes_the_gate(example_plan, name):
    # a fixed date: the example waivers must not expire under the test suite's feet
    result = run_gate(example_plan(name), config=CONFIG, waivers=WAIVERS, today=dt.date(2026, 11, 22))
    assert result.passed, result.text()
    assert not [f for f in result.findings if f.rule_id == "AILZ-WVR-001"]


def test_public_cloud_resource_in_sovereign_target_points_at_the_spec(example_plan):
    plan = copy.deepcopy(example_plan("hybrid-sovereign"))
    onprem = next(r for r in plan.resources if r.target == "fra-dgx" and r.source)
    plan.resources.append(
        PlanResource(
            type="aws:s3/bucket:Bucket",
            name="exfil",
            urn=onprem.urn.rsplit("::", 1)[0] + "$aws:s3/bucket:Bucket::exfil",
            parent=onprem.urn,
            target="fra-dgx",
            inputs={"bucket": "exfil", "region": "us-east-1"},
            source=onprem.source,
        )
    )
    result = run_gate(plan)
    tripped = {f.rule_id: f for f in result.blocking}
    assert {"AILZ-RES-003", "AILZ-RES-001"} <= set(tripped)
    assert tripped["AILZ-RES-003"].file.endswith("examples/hybrid-sovereign.yaml")
    assert tripped["AILZ-RES-003"].line == onprem.source["line"]


def test_region_outside_residency_trips(example_plan):
    plan = copy.deepcopy(example_plan("aws-p5-training"))
    provider = next(r for r in plan.resources if r.type == "pulumi:providers:aws")
    provider.inputs["region"] = "us-east-1"
    result = run_gate(plan)
    # every resource created through that provider now lands outside the allowed regions
    assert {f.rule_id for f in result.blocking} == {"AILZ-RES-001"}
    assert provider.urn in {f.urn for f in result.blocking}
    assert all(f.line for f in result.blocking)
