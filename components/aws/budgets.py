"""The target's AWS Budgets: the zone's and its teams' monthly budgets with their alerts.

A budget watches the cost key's spend in the target's region (its cost filters are ANDed: the tag and
the region), so targets of one zone in one account each see their own part. AWS counts a user tag in
budgets only once it is an active cost allocation tag; activating is for the Organizations management
account (docs/review.md, Budgets).
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from ailz.components.common.base import AilzComponent
from ailz.components.common.budget_plan import TargetBudget
from ailz.components.common.labels import aws_tags
from ailz.spec.zone import BudgetAlerts


def budget_notifications(alerts: BudgetAlerts) -> list[dict]:
    """One notification per threshold, actual spend first, each to the spec's emails and SNS topic."""
    subscribers: dict = {}
    if alerts.emails:
        subscribers["subscriber_email_addresses"] = list(alerts.emails)
    if alerts.aws_sns_topic_arn:
        subscribers["subscriber_sns_topic_arns"] = [alerts.aws_sns_topic_arn]
    thresholds = [("ACTUAL", p) for p in sorted(set(alerts.actual_percent))] + [
        ("FORECASTED", p) for p in sorted(set(alerts.forecast_percent))
    ]
    return [
        {
            "comparison_operator": "GREATER_THAN",
            "threshold": percent,
            "threshold_type": "PERCENTAGE",
            "notification_type": kind,
            **subscribers,
        }
        for kind, percent in thresholds
    ]


def budget_filters(budget: TargetBudget, region: str) -> list[dict]:
    """The tag as Budgets spells a user tag (`user:<key>$<value>`, the value as ailz tags it), and the
    region."""
    value = aws_tags({budget.tag_key: budget.tag_value})[budget.tag_key]
    return [
        {"name": "TagKeyValue", "values": [f"user:{budget.tag_key}${value}"]},
        {"name": "Region", "values": [region]},
    ]


class CostBudgets(AilzComponent):
    def __init__(
        self,
        name: str,
        spec_path: str,
        *,
        budgets: list[TargetBudget],
        alerts: BudgetAlerts,
        region: str,
        cost_tag_keys: list[str],
        tags: dict[str, str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("aws", "CostBudgets", name, spec_path, opts)
        notifications = budget_notifications(alerts)
        self.budgets = [
            aws.budgets.Budget(
                budget.name,
                name=budget.name,
                budget_type="COST",
                time_unit="MONTHLY",
                limit_amount=f"{budget.monthly_usd:.2f}",
                limit_unit="USD",
                cost_filters=budget_filters(budget, region),
                notifications=notifications,
                # a team's budget belongs to the team
                tags=aws_tags({**tags, **({} if budget.scope == "zone" else {"team": budget.scope})}),
                opts=self.child(),
            )
            for budget in budgets
        ]
        # Cost allocation tags are account-wide: ailz activates its cost keys from one target only.
        self.cost_allocation_tags = [
            aws.costexplorer.CostAllocationTag(
                f"{name}-{key}", tag_key=key, status="Active", opts=self.child()
            )
            for key in cost_tag_keys
        ]
        self.register_outputs({})
