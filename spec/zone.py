"""The LandingZone document: what a platform engineer writes once, validated strictly.

Target kinds add their own target model; a KindSet (spec/kinds.py) builds the zone model from them.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ailz.spec.common import Name, SpecModel, TargetBase

REQUIRED_TAGS = ("cost-center", "team", "environment")


class Tags(BaseModel):
    """Cost and ownership tags; the three named keys are required, more are allowed."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)
    cost_center: str = Field(alias="cost-center", min_length=1)
    team: str = Field(min_length=1)
    environment: str = Field(min_length=1)

    def as_dict(self) -> dict[str, str]:
        extra = {k: str(v) for k, v in (self.model_extra or {}).items()}
        return {
            "cost-center": self.cost_center,
            "team": self.team,
            "environment": self.environment,
            **extra,
        }


KeyManagement = Literal["provider-managed", "customer-managed", "external"]


class Residency(SpecModel):
    allowed_regions: list[str] = Field(min_length=1)
    jurisdictions: list[str] = Field(default_factory=list, description="e.g. [EU, DE]")
    key_management: KeyManagement = "customer-managed"


DataClassification = Literal["public", "internal", "confidential", "restricted"]


class Team(SpecModel):
    name: Name
    targets: list[str] = Field(min_length=1)
    gpu_quota: int = Field(ge=0, description="GPUs the team may use at once, per target.")
    data_classification: DataClassification = "internal"
    group: str | None = Field(default=None, description="IdP group bound to the team's roles.")
    budget_usd_month: float | None = Field(
        default=None,
        gt=0,
        description="Monthly budget in USD: the gate reports a team whose GPU quota, priced at its "
        "pools' rates (`ailz cost`), exceeds it (mandatory in prod).",
    )
    training: bool = Field(default=True, description="Namespace may run RDMA training pods.")


Collective = Literal[
    "all_reduce", "all_gather", "reduce_scatter", "alltoall", "sendrecv", "broadcast", "reduce"
]


class NcclValidation(SpecModel):
    collective: Collective = "all_reduce"
    min_fraction: float = Field(default=0.9, gt=0, le=1.2)
    min_bytes: str = Field(default="1G", pattern=r"^\d+[KMG]?$")
    max_bytes: str = Field(default="16G", pattern=r"^\d+[KMG]?$")
    step_factor: int = Field(default=2, ge=2)
    iterations: int = Field(default=20, ge=1)
    warmup_iterations: int = Field(default=5, ge=0)
    job: Literal["mpijob", "jobset"] = "mpijob"
    timeout_minutes: int = Field(default=30, ge=1)
    schedule_timeout_minutes: int = Field(
        default=10,
        ge=1,
        description="How long a test may wait for its pods to be scheduled before it is not tested.",
    )
    confirmations: int = Field(
        default=2,
        ge=2,
        le=5,
        description="Partners passing elsewhere a node must fail with to be convicted (3: random failures).",
    )
    rack_label: str | None = Field(
        default=None,
        pattern=r"^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$",
        description="Node label naming a node's rack for topology-aware pairing (clouds have their own).",
    )
    runner_group: str | None = Field(
        default=None,
        description="Group allowed to run `ailz validate nccl` (bound to the ailz-validator roles).",
    )


CRON_FIELD = r"[0-9*/,\-]+"


class HealthChecks(SpecModel):
    """Recurring per-node fabric checks on idle GPU nodes (docs/validation.md, continuous health)."""

    schedule: str = Field(
        default="0 */6 * * *",
        pattern=rf"^{CRON_FIELD}( {CRON_FIELD}){{4}}$",
        description="Cron schedule of the check, five fields (minute hour day month weekday).",
    )
    dcgm_level: Literal[1, 2, 3] = Field(
        default=1, description="dcgmi diag run level: 1 quick (seconds), 2 medium (about 2 min), 3 long."
    )
    timeout_minutes: int = Field(default=20, ge=5, le=120, description="A check that runs longer fails.")


class Validation(SpecModel):
    nccl: NcclValidation = Field(default_factory=NcclValidation)
    health: HealthChecks | None = Field(
        default=None, description="Recurring health checks of every GPU pool (none when unset)."
    )


SECRETS_PROVIDER_PATTERN = r"^(default|passphrase|(awskms|gcpkms|azurekeyvault|hashivault)://.+)$"


class Deploy(SpecModel):
    """Where stacks keep their state and how secrets in it are encrypted (see docs/deploy.md)."""

    backend_url: str | None = Field(
        default=None,
        pattern=r"^(file|s3|gs|azblob|postgres|https?)://",
        description="Pulumi state backend, e.g. s3://bucket/prefix, gs://bucket, file://./state.",
    )
    secrets_provider: str | None = Field(
        default=None,
        pattern=SECRETS_PROVIDER_PATTERN,
        description="passphrase (default), or a KMS key URL: awskms://, gcpkms://, hashivault://.",
    )


class OwnedMachineCost(SpecModel):
    """An on-prem machine's cost as an hourly rate: purchase spread over its life plus running."""

    capex_usd: float = Field(gt=0, description="Purchase price of one machine, USD.")
    years: float = Field(gt=0, le=10, description="Years the purchase is spread over.")
    opex_usd_per_month: float = Field(
        default=0, ge=0, description="Power, cooling, hosting and support of one machine per month, USD."
    )

    def usd_per_hour(self, hours_per_month: int) -> float:
        return (
            self.capex_usd / (self.years * 12 * hours_per_month) + self.opex_usd_per_month / hours_per_month
        )


EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class BudgetAlerts(SpecModel):
    """Cloud budgets with alerts, for the zone and every team with a budget_usd_month (docs/review.md)."""

    emails: list[Annotated[str, Field(pattern=EMAIL_PATTERN, max_length=254)]] = Field(
        default_factory=list,
        description="Addresses alerted (AWS Budgets email subscribers; Cloud Monitoring email channels on "
        "GCP, whose budgets take at most 5).",
    )
    aws_sns_topic_arn: str | None = Field(
        default=None,
        pattern=r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$",
        description="Standard SNS topic, in the AWS target's account, whose policy lets "
        "budgets.amazonaws.com publish.",
    )
    gcp_pubsub_topic: str | None = Field(
        default=None,
        pattern=r"^projects/[a-z][a-z0-9-]{4,28}[a-z0-9]/topics/[A-Za-z][A-Za-z0-9._~+%-]{2,254}$",
        description="Pub/Sub topic receiving every budget update, projects/<project>/topics/<topic>.",
    )
    gcp_billing_account: str | None = Field(
        default=None,
        pattern=r"^[0-9A-F]{6}-[0-9A-F]{6}-[0-9A-F]{6}$",
        description="Billing account the GCP projects bill to (budgets live there; the deployer needs "
        "billing.budgets.create on it).",
    )
    actual_percent: list[Annotated[float, Field(gt=0, le=1000)]] = Field(
        default_factory=lambda: [50.0, 80.0, 100.0],
        description="Alert when actual spend passes these percentages of the month's budget.",
    )
    forecast_percent: list[Annotated[float, Field(gt=0, le=1000)]] = Field(
        default_factory=lambda: [100.0],
        description="Alert when the month's forecast passes these percentages.",
    )
    activate_aws_cost_allocation_tags: bool = Field(
        default=False,
        description="Activate ailz's cost keys as AWS cost allocation tags. Only an AWS Organizations "
        "management account (or a standalone account) may, and only once the keys appear in Billing "
        "(up to 24 h after the first tagged resource): set it on a later `ailz up`.",
    )

    @model_validator(mode="after")
    def _notifications(self) -> BudgetAlerts:
        # the clouds' limits per budget: catalog aws_limits.budgets, gcp_limits.budgets
        from ailz.catalog import load_catalog

        catalog = load_catalog()
        most = catalog.aws_limits.budgets.max_notifications
        count = len(set(self.actual_percent)) + len(set(self.forecast_percent))
        if count > most:
            raise ValueError(
                f"{count} alert thresholds: a budget takes at most {most} (actual_percent and "
                "forecast_percent together)"
            )
        if count == 0:
            raise ValueError("no alert threshold: give actual_percent or forecast_percent")
        channels = catalog.gcp_limits.budgets.max_notification_channels
        if len(self.emails) > channels:
            raise ValueError(f"{len(self.emails)} emails: a budget alerts at most {channels}")
        return self


class CostSettings(SpecModel):
    budget_alerts: BudgetAlerts | None = Field(
        default=None,
        description="Create cloud budgets (AWS Budgets, Cloud Billing budgets) with these alerts for the "
        "zone's and the teams' budget_usd_month.",
    )
    onprem_machines: dict[str, OwnedMachineCost] = Field(
        default_factory=dict, description="On-prem machine -> its amortised cost, for `ailz cost`."
    )
    object_storage_gib: int | None = Field(
        default=None, ge=0, description="GiB each cold-tier bucket holds, for `ailz cost` (default 10 TiB)."
    )


class LandingZone(SpecModel):
    name: Name
    owner: str = Field(min_length=1)
    tags: Tags
    residency: Residency
    # Each registered kind's own model, chosen by `kind`: see KindSet.zone_model in spec/kinds.py.
    targets: list[TargetBase] = Field(min_length=1)
    teams: list[Team] = Field(default_factory=list)
    validation: Validation = Field(default_factory=Validation)
    deploy: Deploy = Field(default_factory=Deploy)
    cost: CostSettings = Field(default_factory=CostSettings)
    budget_usd_month: float | None = Field(
        default=None, gt=0, description="Monthly budget of the whole zone in USD (`ailz cost`, the gate)."
    )
    catalog: str | None = Field(
        default=None,
        description="Catalog overlay file (relative to this spec) adding machines, regions or zones "
        "newer than ailz's catalog, with the same fields and sources (docs/catalog.md, Overlays).",
    )

    def target(self, name: str) -> TargetBase:
        for target in self.targets:
            if target.name == name:
                return target
        raise KeyError(name)

    def target_index(self, name: str) -> int:
        return [t.name for t in self.targets].index(name)
