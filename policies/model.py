"""The vocabulary of the gate: rule metadata, findings and enforcement levels. No Pulumi imports."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

ADVISORY, MANDATORY, DISABLED = "advisory", "mandatory", "disabled"
ENFORCEMENT_LEVELS = (ADVISORY, MANDATORY, DISABLED)
SEVERITIES = ("low", "medium", "high", "critical")
FAMILIES = {
    "fabric": "GPU fabric",
    "capacity": "Capacity and cost",
    "encryption": "Encryption",
    "residency": "Residency and sovereignty",
    "exposure": "Exposure and identity",
    "identity": "IAM",
    "resilience": "Logging and resilience",
    "workloads": "Kubernetes workloads",
}
SOVEREIGNTY_OBJECTIVES = ("residency", "key-control", "operator-access")


@dataclass(frozen=True)
class Controls:
    """Compliance controls a rule supports: NIST SP 800-53 rev. 5, ISO/IEC 27001:2022 Annex A, sovereignty."""

    nist: tuple[str, ...] = ()
    iso27001: tuple[str, ...] = ()
    sovereignty: tuple[str, ...] = ()

    def flat(self) -> list[str]:
        return (
            [f"NIST 800-53 {c}" for c in self.nist]
            + [f"ISO 27001 {c}" for c in self.iso27001]
            + [f"sovereignty:{c}" for c in self.sovereignty]
        )


@dataclass(frozen=True)
class RuleMeta:
    id: str
    family: str
    title: str
    severity: str
    enforcement: str  # level in the prod profile
    description: str
    remediation: str
    controls: Controls
    scope: str = "resource"  # resource | stack
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class Finding:
    rule_id: str
    family: str
    severity: str
    enforcement: str
    message: str
    urn: str | None = None
    type: str | None = None
    name: str | None = None
    target: str | None = None
    file: str | None = None
    line: int | None = None
    status: str = "open"  # open | waived | baselined
    unknown: bool = False
    waiver: dict[str, Any] | None = None

    @property
    def blocking(self) -> bool:
        return self.status == "open" and self.enforcement == MANDATORY

    def key(self) -> tuple[str, str, str]:
        """Identity across runs, for baselines: rule, resource and message."""
        return (self.rule_id, self.urn or "", self.message)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
