"""The target's Cloud Billing budgets: the zone's and its teams' monthly budgets with their alerts.

A budget lives in the billing account and watches one project and one label (Cloud Billing takes a
single label key and value per budget). Email alerts go through Cloud Monitoring email channels in
the project (at most 5 per budget); the billing account's admins keep their default emails.
"""

from __future__ import annotations

import pulumi
import pulumi_gcp as gcp

from ailz.components.common.budget_plan import TargetBudget
from ailz.components.common.labels import gcp_labels
from ailz.components.gcp.component import GcpComponent
from ailz.spec.zone import BudgetAlerts


def budget_amount(usd: float) -> dict:
    """Whole dollars and nanos, as the Billing Budget API takes money (USD: the account's currency)."""
    cents = round(usd * 100)
    return {
        "specified_amount": {"currency_code": "USD", "units": str(cents // 100), "nanos": cents % 100 * 10**7}
    }


def threshold_rules(alerts: BudgetAlerts) -> list[dict]:
    """Thresholds as fractions of the budget, actual spend first, then the forecast."""
    return [
        {"threshold_percent": percent / 100, "spend_basis": "CURRENT_SPEND"}
        for percent in sorted(set(alerts.actual_percent))
    ] + [
        {"threshold_percent": percent / 100, "spend_basis": "FORECASTED_SPEND"}
        for percent in sorted(set(alerts.forecast_percent))
    ]


class CostBudgets(GcpComponent):
    def __init__(
        self,
        name: str,
        spec_path: str,
        *,
        budgets: list[TargetBudget],
        alerts: BudgetAlerts,
        project: str,
        project_number: pulumi.Input[str],
        labels: dict[str, str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("CostBudgets", name, spec_path, opts)
        # The Billing Budget API is charged to a quota project: the target's project, where ailz
        # enables the API, rather than the credentials' own project (user credentials have none).
        self.provider = gcp.Provider(
            f"{name}-billing",
            project=project,
            billing_project=project,
            user_project_override=True,
            opts=self.child(),
        )
        self.channels = [
            gcp.monitoring.NotificationChannel(
                f"{name}-email-{index}",
                project=project,
                type="email",
                display_name=f"ailz budget alerts: {email}",
                labels={"email_address": email},
                user_labels=labels,
                opts=self.child(),
            )
            for index, email in enumerate(alerts.emails)
        ]
        updates: dict = {"schema_version": "1.0"}
        if self.channels:
            updates["monitoring_notification_channels"] = [c.id for c in self.channels]
        if alerts.gcp_pubsub_topic:
            updates["pubsub_topic"] = alerts.gcp_pubsub_topic
        self.budgets = [
            gcp.billing.Budget(
                budget.name,
                billing_account=alerts.gcp_billing_account,
                display_name=budget.name,
                amount=budget_amount(budget.monthly_usd),
                budget_filter={
                    "projects": [pulumi.Output.concat("projects/", project_number)],
                    "labels": gcp_labels({budget.tag_key: budget.tag_value}),
                    "calendar_period": "MONTH",
                    "credit_types_treatment": "INCLUDE_ALL_CREDITS",
                },
                threshold_rules=threshold_rules(alerts),
                all_updates_rule=updates,
                opts=self.child(provider=self.provider),
            )
            for budget in budgets
        ]
        self.register_outputs({})
