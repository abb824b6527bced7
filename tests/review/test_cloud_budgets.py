"""Cloud budgets: each target's share of the zone's and the teams' monthly budgets, the AWS Budgets and
Cloud Billing budgets the examples plan, and the spec errors for budgets nobody hears about."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from ailz.catalog import load_catalog
from ailz.components.common.budget_plan import node_rate, plan_budgets
from ailz.components.kinds import load_text
from ailz.spec.errors import SpecError
from tests.conftest import EXAMPLES
from tests.inventory import assert_subset, one

AWS_BUDGET = "aws:budgets/budget:Budget"
GCP_BUDGET = "gcp:billing/budget:Budget"


def example(name: str) -> dict:
    return yaml.safe_load((EXAMPLES / f"{name}.yaml").read_text())


def zone_of(data: dict):
    return load_text(yaml.safe_dump(data, sort_keys=False), "spec.yaml").zone


def hybrid(zone_budget: float | None = 300000, team_budget: float | None = 90000) -> dict:
    data = example("hybrid-sovereign")
    data["budget_usd_month"] = zone_budget
    data["teams"][0]["budget_usd_month"] = team_budget
    data["cost"] = {
        **data.get("cost", {}),
        "onprem_machines": {"dgx-h200": {"capex_usd": 400000, "years": 4, "opex_usd_per_month": 2500}},
        "budget_alerts": {"emails": ["finops@example.com"], "gcp_billing_account": "01ABCD-23EF45-6789AB"},
    }
    return data


def test_shares_follow_each_targets_gpu_list_price_by_hand():
    zone, catalog = zone_of(hybrid()), load_catalog()
    hours = catalog.service_prices.hours_per_month
    hourly = {}
    for target in zone.targets:
        total = 0.0
        for pool in target.gpu_pools:
            machine = catalog.machines[pool.machine]
            rate, _ = node_rate(
                machine, pool.capacity.kind, zone.cost.onprem_machines.get(machine.name), hours
            )
            total += rate * pool.nodes
        hourly[target.name] = total
    budgets = {t.name: plan_budgets(zone, t.name, catalog) for t in zone.targets}
    zone_budgets = {t: next(b for b in bs if b.scope == "zone") for t, bs in budgets.items()}
    for name, budget in zone_budgets.items():
        assert budget.monthly_usd == pytest.approx(300000 * hourly[name] / sum(hourly.values()), abs=0.01)
        assert (budget.tag_key, budget.tag_value) == ("landing-zone", zone.name)
    assert sum(b.monthly_usd for b in zone_budgets.values()) == pytest.approx(300000, abs=0.05)
    # the team's quota holds in each of its targets: its share there is the target's rate per GPU
    per_gpu = {
        t.name: hourly[t.name] / sum(catalog.machines[p.machine].gpu.count * p.nodes for p in t.gpu_pools)
        for t in zone.targets
    }
    team = {t: next(b for b in bs if b.scope == "research") for t, bs in budgets.items()}
    for name, budget in team.items():
        assert budget.monthly_usd == pytest.approx(90000 * per_gpu[name] / sum(per_gpu.values()), abs=0.01)
        assert (budget.tag_key, budget.tag_value, budget.name) == (
            "team",
            "research",
            f"{zone.name}-{name}-team-research",
        )


def test_unknown_prices_split_by_gpus_and_no_alerts_no_budgets():
    data = hybrid()
    data["cost"].pop("onprem_machines", None)  # the on-prem target has no rate: GPUs decide
    zone, catalog = zone_of(data), load_catalog()
    gpus = {
        t.name: sum(catalog.machines[p.machine].gpu.count * p.nodes for p in t.gpu_pools)
        for t in zone.targets
    }
    for target in zone.targets:
        budget = next(b for b in plan_budgets(zone, target.name, catalog) if b.scope == "zone")
        assert budget.share == pytest.approx(gpus[target.name] / sum(gpus.values()))
    data["cost"].pop("budget_alerts")
    zone = zone_of(data)
    assert all(plan_budgets(zone, t.name, catalog) == [] for t in zone.targets)


@settings(max_examples=40, deadline=None)
@given(
    zone_budget=st.one_of(st.none(), st.floats(1, 1e8)),
    team_budget=st.one_of(st.none(), st.floats(1, 1e8)),
)
def test_shares_add_up_to_each_budget(zone_budget, team_budget):
    zone, catalog = zone_of(hybrid(zone_budget, team_budget)), load_catalog()
    planned = [b for t in zone.targets for b in plan_budgets(zone, t.name, catalog)]
    for scope, amount in (("zone", zone_budget), ("research", team_budget)):
        mine = [b for b in planned if b.scope == scope]
        if amount is None:
            assert mine == []
            continue
        assert sum(b.share for b in mine) == pytest.approx(1)
        assert sum(b.monthly_usd for b in mine) == pytest.approx(amount, abs=0.01 * len(mine))
        assert all(b.monthly_usd >= 0 and len(b.name) <= 60 for b in mine)
    assert all(b.scope != "sovereign" for b in planned)  # no budget_usd_month, no budget


def test_the_aws_example_plans_a_budget_for_the_zone_and_each_team(example_plan):
    plan = example_plan("aws-p5-training")
    budgets = {r.name: r for r in plan.of_type(AWS_BUDGET)}
    assert sorted(budgets) == [
        "acme-ai-aws-train",
        "acme-ai-aws-train-team-applied",
        "acme-ai-aws-train-team-research",
    ]
    assert_subset(
        {
            "name": "acme-ai-aws-train-team-research",
            "budgetType": "COST",
            "timeUnit": "MONTHLY",
            "limitAmount": "120000.00",
            "limitUnit": "USD",
            "costFilters": [
                {"name": "TagKeyValue", "values": ["user:team$research"]},
                {"name": "Region", "values": ["eu-west-1"]},
            ],
        },
        budgets["acme-ai-aws-train-team-research"].inputs,
    )
    notifications = budgets["acme-ai-aws-train"].inputs["notifications"]
    assert [(n["notificationType"], n["threshold"]) for n in notifications] == [
        ("ACTUAL", 50),
        ("ACTUAL", 80),
        ("ACTUAL", 100),
        ("FORECASTED", 100),
    ]
    assert all(
        n["subscriberEmailAddresses"] == ["ml-platform-finops@example.com"]
        and n["comparisonOperator"] == "GREATER_THAN"
        and n["thresholdType"] == "PERCENTAGE"
        for n in notifications
    )
    assert budgets["acme-ai-aws-train"].inputs["limitAmount"] == "160000.00"
    assert plan.of_type("aws:costexplorer/costAllocationTag:CostAllocationTag") == []  # not asked for


def test_cost_allocation_tags_are_activated_once_when_asked():
    data = example("aws-p5-training")
    data["cost"]["budget_alerts"]["activate_aws_cost_allocation_tags"] = True
    from ailz.stacks.synth import synthesize

    plan = synthesize(load_text(yaml.safe_dump(data, sort_keys=False), "spec.yaml"))
    keys = sorted(
        r.inputs["tagKey"] for r in plan.of_type("aws:costexplorer/costAllocationTag:CostAllocationTag")
    )
    assert keys == sorted(
        ["cost-center", "team", "environment", "landing-zone", "target", "pool", "gpu-type"]
    )
    assert all(
        r.inputs["status"] == "Active"
        for r in plan.of_type("aws:costexplorer/costAllocationTag:CostAllocationTag")
    )


def test_the_gcp_example_plans_billing_budgets_with_email_channels(example_plan):
    plan = example_plan("gcp-a3-ultra")
    channel = one(plan, "gcp:monitoring/notificationChannel:NotificationChannel")
    assert_subset(
        {"type": "email", "labels": {"email_address": "ml-platform-finops@example.com"}}, channel.inputs
    )
    team = one(plan, GCP_BUDGET, "acme-gcp-gcp-train-team-research")
    assert_subset(
        {
            "billingAccount": "01ABCD-23EF45-6789AB",
            "displayName": "acme-gcp-gcp-train-team-research",
            "amount": {"specifiedAmount": {"currencyCode": "USD", "units": "250000", "nanos": 0}},
            "budgetFilter": {
                "labels": {"team": "research"},
                "calendarPeriod": "MONTH",
                "projects": ["projects/222222222222"],
            },
            "allUpdatesRule": {"schemaVersion": "1.0"},
        },
        team.inputs,
    )
    (channel_id,) = team.inputs["allUpdatesRule"]["monitoringNotificationChannels"]
    waits_for = [*team.dependencies, *(u for d in team.property_dependencies.values() for u in d)]
    assert channel.urn in waits_for
    assert channel_id.startswith(channel.name)
    assert [(r["spendBasis"], r["thresholdPercent"]) for r in team.inputs["thresholdRules"]] == [
        ("CURRENT_SPEND", 0.5),
        ("CURRENT_SPEND", 0.8),
        ("CURRENT_SPEND", 1.0),
        ("FORECASTED_SPEND", 0.9),
        ("FORECASTED_SPEND", 1.0),
    ]
    services = {r.inputs["service"] for r in plan.of_type("gcp:projects/service:Service")}
    assert "billingbudgets.googleapis.com" in services
    # the Budget API is charged to the target's project through a provider of the budgets' own
    provider = next(r for r in plan.resources if r.urn == team.provider.rsplit("::", 1)[0])
    assert_subset(
        {"project": "acme-ai-train", "billingProject": "acme-ai-train", "userProjectOverride": "true"},
        provider.inputs,
    )
    cluster = one(plan, "gcp:container/cluster:Cluster")
    assert cluster.inputs["costManagementConfig"] == {"enabled": True}


def test_budget_amounts_keep_their_cents():
    from ailz.components.gcp.budgets import budget_amount

    assert budget_amount(1234.56) == {
        "specified_amount": {"currency_code": "USD", "units": "1234", "nanos": 560000000}
    }


def test_no_usd_budgets_in_govcloud():
    data = example("aws-p5-training")
    data["residency"] = {"allowed_regions": ["us-gov-west-1"], "jurisdictions": ["US"]}
    target = data["targets"][0]
    target.update(region="us-gov-west-1", zone="us-gov-west-1a")
    with pytest.raises(SpecError) as err:
        load_text(yaml.safe_dump(data, sort_keys=False), "spec.yaml")
    assert "is in AWS GovCloud (US), where ailz cannot create its USD budgets" in err.value.render()


@pytest.mark.parametrize(
    ("name", "change", "message"),
    [
        (
            "gcp-a3-ultra",
            lambda alerts: alerts.pop("gcp_billing_account"),
            "Cloud Billing budgets for target 'gcp-train' need the billing account they live in",
        ),
        (
            "aws-p5-training",
            lambda alerts: alerts.pop("emails"),
            "AWS Budgets for target 'aws-train' need someone to alert",
        ),
        (
            "aws-p5-training",
            lambda alerts: alerts.update(actual_percent=[10, 20, 30, 40], forecast_percent=[90, 100]),
            "6 alert thresholds: a budget takes at most 5",
        ),
        (
            "aws-p5-training",
            lambda alerts: alerts.update(aws_sns_topic_arn="arn:aws:sns:eu-west-1:1234:topic"),
            "aws_sns_topic_arn",
        ),
    ],
)
def test_budgets_nobody_hears_about_are_spec_errors(name, change, message):
    data = example(name)
    change(data["cost"]["budget_alerts"])
    with pytest.raises(SpecError) as err:
        load_text(yaml.safe_dump(data, sort_keys=False), "spec.yaml")
    text = err.value.render()
    assert message in text
    assert "cost.budget_alerts" in text


def test_zone_wide_budget_settings_are_said_and_done_once_per_kind():
    import copy

    from ailz.components.common.budget_plan import activates_cost_allocation_tags, first_budgeted

    data = hybrid(zone_budget=None, team_budget=90000)
    second = copy.deepcopy(next(t for t in data["targets"] if t["kind"] == "aws"))
    second.update(name="aws-infer")
    second["network"]["cidr"] = "10.21.0.0/16"
    data["targets"].insert(0, second)  # the first AWS target, outside the team's targets
    data["cost"]["budget_alerts"]["activate_aws_cost_allocation_tags"] = True
    zone = zone_of(data)
    by_name = {t.name: t for t in zone.targets}
    # the kind's first target speaks for the kind, naming the first target that has budgets
    assert first_budgeted(zone, by_name["aws-infer"]) == "aws-train"
    assert first_budgeted(zone, by_name["aws-train"]) is None
    assert first_budgeted(zone, by_name["gcp-train"]) == "gcp-train"
    assert [activates_cost_allocation_tags(zone, by_name[n]) for n in ("aws-infer", "aws-train")] == [
        True,
        False,
    ]
