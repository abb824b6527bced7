"""The stable entry point the deploy command calls before `up`: gate(plan) -> GateResult."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

from ailz.policies.config import load_config, resolve
from ailz.policies.model import Finding
from ailz.stacks.plan import Plan


@dataclass
class GateResult:
    passed: bool
    blocking: list[Finding]
    findings: list[Finding]
    profile: str = "prod"
    profile_reason: str = ""
    zone: str = ""
    spec_file: str | None = None
    resources: int = 0
    rules: int = 0
    seconds: float = 0.0
    waiver_file: str | None = None
    levels: dict[str, str] = field(default_factory=dict)
    waivers: list[dict] = field(default_factory=list)  # every waiver in force, matched or not
    notes: list[str] = field(default_factory=list)  # what the input left out, said before the verdict

    def of_status(self, status: str) -> list[Finding]:
        return [f for f in self.findings if f.status == status]

    def text(self) -> str:
        """Plain-text report (no colour), what the deploy command prints when it refuses."""
        from ailz.policies.report import render_text

        return render_text(self, color=False)


def gate(
    plan: Plan, profile: str | None = None, config: str | None = None, waivers: str | None = None
) -> GateResult:
    """Check a plan; raises PolicyInputError for an unreadable config or waiver file."""
    return run_gate(plan, profile=profile, config=config, waivers=waivers)


def run_gate(
    plan: Plan,
    profile: str | None = None,
    config: str | None = None,
    waivers: str | None = None,
    baseline: str | None = None,
    today: dt.date | None = None,
) -> GateResult:
    from ailz.policies.evaluate import evaluate
    from ailz.policies.table import RULES
    from ailz.policies.waivers import apply_baseline, apply_waivers, load_baseline, load_waivers

    policy_config = load_config(config)
    settings = resolve(policy_config, profile, (plan.context or {}).get("environment"))
    known = load_baseline(baseline) if baseline else set()
    loaded = load_waivers(waivers, today, policy_config.waivers.max_days) if waivers else None
    started = time.perf_counter()
    findings = evaluate(plan, settings.levels, settings.params, settings.unknowns)
    seconds = time.perf_counter() - started
    # one finding per rule, resource and message: a stack rule reaching one security group from two
    # launch templates reports it once
    unique: dict[tuple[str, str, str], Finding] = {}
    for finding in findings:
        unique.setdefault(finding.key(), finding)
    findings = list(unique.values())
    if loaded is not None:
        apply_waivers(findings, loaded)
        findings.extend(loaded.problems)
    if known:
        apply_baseline(findings, known)
    findings.sort(key=lambda f: (f.family, f.rule_id, f.file or "", f.line or 0, f.urn or "", f.message))
    blocking = [f for f in findings if f.blocking]
    return GateResult(
        passed=not blocking,
        blocking=blocking,
        findings=findings,
        profile=settings.profile,
        profile_reason=settings.profile_reason,
        zone=plan.zone,
        spec_file=plan.spec_file,
        resources=sum(1 for r in plan.resources if r.custom),
        rules=sum(1 for r in RULES if settings.levels.get(r.id) != "disabled"),
        seconds=seconds,
        waiver_file=str(waivers) if waivers else None,
        levels=settings.levels,
        notes=list(plan.notes),
        waivers=[
            {
                "rule": w.rule,
                "resource": w.resource,
                "owner": w.owner,
                "reason": w.reason,
                "expires": w.expires.isoformat(),
                "line": line,
                "matched": sum(1 for f in findings if f.waiver and f.waiver.get("line") == line),
            }
            for w, line in (loaded.waivers if loaded else [])
        ],
    )
