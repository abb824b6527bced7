"""`ailz cost`: figures checked against values computed by hand from the catalog's prices."""

from __future__ import annotations

import json

import pytest
import yaml
from typer.testing import CliRunner

from ailz.catalog import load_catalog
from ailz.cli.app import app
from ailz.components.kinds import load_text
from ailz.stacks.cost import estimate
from ailz.stacks.synth import synthesize
from tests.conftest import EXAMPLES

runner = CliRunner()
CATALOG = load_catalog()
HOURS = 730


def plan_of(document: dict):
    return synthesize(load_text(yaml.safe_dump(document, sort_keys=False), "zone.yaml"))


@pytest.fixture(scope="module")
def aws():
    document = yaml.safe_load((EXAMPLES / "aws-p5-training.yaml").read_text())
    document["targets"][0]["storage"]["warm"].update(capacity_gib=4800, throughput_per_tib=125)
    return estimate(plan_of(document))


def test_gpu_pools_at_their_capacity_kind(aws):
    pools = {p.name: p for p in aws.targets[0].pools}
    price = CATALOG.machines["p5.48xlarge"].price
    document = yaml.safe_load((EXAMPLES / "aws-p5-training.yaml").read_text())
    for spec_pool in document["targets"][0]["gpu_pools"]:
        pool = pools[spec_pool["name"]]
        kind = (spec_pool.get("capacity") or {}).get("kind", "on-demand")
        machine = CATALOG.machines[spec_pool["machine"]].price
        rate = (
            machine.capacity_block_usd_per_hour
            if kind == "capacity-block"
            else machine.on_demand_usd_per_hour
        )
        assert pool.hourly_usd == pytest.approx(rate * spec_pool["nodes"])
    assert price.capacity_block_usd_per_hour == 41.53 and price.on_demand_usd_per_hour == 55.04


def test_services_and_storage_by_hand(aws):
    items = {i.name.split(" (")[0].split(",")[0]: i for i in aws.targets[0].items}
    assert items["Kubernetes control plane"].hourly_usd == pytest.approx(0.10)
    lustre = next(i for i in aws.targets[0].items if i.name.startswith("Lustre"))
    assert lustre.hourly_usd == pytest.approx(4800 * 0.145 / HOURS)
    nat = next(i for i in aws.targets[0].items if i.name.startswith("NAT"))
    assert nat.hourly_usd == pytest.approx(nat.quantity * 0.045)
    system = next(i for i in aws.targets[0].items if i.name.startswith("system nodes m7i.2xlarge"))
    assert system.hourly_usd == pytest.approx(system.quantity * 0.4032)
    buckets = next(i for i in aws.targets[0].items if i.name.startswith("object storage"))
    assert buckets.hourly_usd == pytest.approx(buckets.quantity * 0.023 / HOURS)
    total = sum(p.hourly_usd for p in aws.targets[0].pools) + sum(i.hourly_usd for i in aws.targets[0].items)
    assert aws.hourly_usd == pytest.approx(total) and aws.monthly_usd == pytest.approx(total * HOURS)


def test_unknown_prices_are_unknown_never_zero():
    document = yaml.safe_load((EXAMPLES / "aws-p5-training.yaml").read_text())
    document["targets"][0]["gpu_pools"][0]["machine"] = "p5e.48xlarge"
    document["targets"][0]["gpu_pools"][0]["capacity"] = {"kind": "on-demand"}
    result = estimate(plan_of(document))
    pool = result.targets[0].pools[0]
    assert pool.hourly_usd is None and "no public on-demand price" in pool.reason
    assert result.hourly_usd is None and result.to_json()["total"]["monthly_usd"] is None
    assert result.known_hourly_usd > 0


def test_onprem_amortised_and_teams_against_budgets():
    document = yaml.safe_load((EXAMPLES / "onprem-sovereign.yaml").read_text())
    machine = document["targets"][0]["gpu_pools"][0]["machine"]
    nodes = document["targets"][0]["gpu_pools"][0]["nodes"]
    document["cost"] = {
        "onprem_machines": {machine: {"capex_usd": 350000, "years": 4, "opex_usd_per_month": 2500}}
    }
    for team in document.get("teams", []):
        team["budget_usd_month"] = 1000
    result = estimate(plan_of(document))
    rate = 350000 / (4 * 12 * HOURS) + 2500 / HOURS
    assert result.targets[0].pools[0].hourly_usd == pytest.approx(rate * nodes)
    gpus = nodes * CATALOG.machines[machine].gpu.count
    for team in result.teams:
        assert team.hourly_usd == pytest.approx(team.gpu_quota * rate * nodes / gpus)
        assert team.to_json(HOURS)["over_budget"] == (team.hourly_usd * HOURS > 1000)


@pytest.mark.parametrize("name", sorted(p.stem for p in EXAMPLES.glob("*.yaml")))
def test_every_example_has_a_cost_in_every_format(name, example_plan):
    document = estimate(example_plan(name)).to_json()
    assert document["currency"] == "USD" and set(document["total"]) >= {"hourly_usd", "monthly_usd"}
    for target in document["targets"]:
        assert {"name", "hourly_usd", "monthly_usd", "pools", "items"} <= set(target)
        for pool in target["pools"]:
            assert pool["hourly_usd"] is not None or pool["reason"]
            assert {"name", "machine", "nodes", "hourly_usd", "monthly_usd", "price_source"} <= set(pool)


def test_cli(tmp_path):
    spec = str(EXAMPLES / "gcp-a3-ultra.yaml")
    for fmt, marker in (("text", "total"), ("markdown", "### ailz cost"), ("json", '"currency": "USD"')):
        result = runner.invoke(app, ["cost", spec, "-o", fmt])
        assert result.exit_code == 0 and marker in result.stdout, result.output
    plan = tmp_path / "plan.json"
    assert runner.invoke(app, ["plan", spec, "-o", "json", "--out", str(plan)]).exit_code == 0
    from_plan = json.loads(runner.invoke(app, ["cost", str(plan), "-o", "json"]).stdout)
    from_spec = json.loads(runner.invoke(app, ["cost", spec, "-o", "json"]).stdout)
    assert from_plan == from_spec
    assert from_plan["targets"][0]["pools"][0]["hourly_usd"] is not None


def test_a_teams_quota_holds_per_target_and_only_cold_tier_buckets_count(example_plan):
    result = estimate(example_plan("hybrid-sovereign"))
    by_target = {t.name: t for t in result.targets}
    document = yaml.safe_load((EXAMPLES / "hybrid-sovereign.yaml").read_text())
    for team in document["teams"]:
        rates = [by_target[n].gpu_rate() for n in team["targets"]]
        cost = next(t for t in result.teams if t.name == team["name"])
        if all(r is not None for r in rates):
            assert cost.hourly_usd == pytest.approx(team["gpu_quota"] * sum(rates))
    aws = yaml.safe_load((EXAMPLES / "aws-p5-training.yaml").read_text())
    cold = aws["targets"][0]["storage"].get("cold") or {}
    expected = len(cold.get("buckets", ["datasets", "checkpoints", "models"]))
    buckets = next(
        i for i in estimate(example_plan("aws-p5-training")).targets[0].items if i.name.startswith("object")
    )
    assert buckets.name.startswith(f"object storage, {expected} bucket(s)")


def test_a_delta_over_an_unpriced_change_is_unknown(tmp_path):
    document = yaml.safe_load((EXAMPLES / "gcp-a3-ultra.yaml").read_text())
    base, head = tmp_path / "base.yaml", tmp_path / "head.yaml"
    base.write_text(yaml.safe_dump(document, sort_keys=False))
    document["targets"][0]["storage"]["warm"]["capacity_gib"] = 36000
    head.write_text(yaml.safe_dump(document, sort_keys=False))
    result = runner.invoke(app, ["diff", str(base), str(head)])
    assert result.exit_code == 1
    assert "unknown change (an unpriced part changed" in result.stdout
