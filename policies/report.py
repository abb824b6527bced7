"""Reporters: text, JSON, SARIF 2.1.0, JUnit XML, Markdown (PR comment), GitHub annotations.

All output is deterministic (no timings, sorted findings) so reports can be diffed and golden-tested.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote
from xml.etree import ElementTree as ET

from ailz.policies.gate import GateResult
from ailz.policies.model import FAMILIES, MANDATORY, Finding
from ailz.policies.table import BY_ID, RULES

REPORT_FORMAT = "ailz-policy-report"
TOOL = "ailz-policy"
TOOL_VERSION = "1"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SECURITY_SEVERITY = {"low": "3.0", "medium": "5.5", "high": "8.0", "critical": "9.5"}
FAMILY_TITLES = {**FAMILIES, "waivers": "Waivers", "spec": "Landing-zone spec"}
# a spec that does not load is reported as findings of this pseudo-rule, at the spec's file and line,
# so CI uploads and annotations still work
SPEC_RULE = "AILZ-SPEC-001"


def _families(result: GateResult) -> list[str]:
    """The rule families, waivers, and the spec when it did not load."""
    spec = any(f.family == "spec" for f in result.findings)
    return [*FAMILIES, "waivers", *(["spec"] if spec else [])]


MARKDOWN_ROWS = 50  # a PR comment holds at most 65,536 characters


def _relative(path: str) -> str:
    """Repository-relative where possible: code scanning resolves URIs against the checkout."""
    if os.path.isabs(path):
        relative = os.path.relpath(path)
        if not relative.startswith(".."):
            return relative.replace(os.sep, "/")
    return path.replace(os.sep, "/")


def _artifact(path: str) -> dict:
    """A SARIF artifactLocation: relative to the checkout (%SRCROOT%), or a file URI outside it."""
    if os.path.isabs(path):
        return {"uri": Path(path).as_uri()}
    return {"uri": quote(path), "uriBaseId": "%SRCROOT%"}


def _location(finding: Finding, input_file: str | None) -> tuple[str, int]:
    return _relative(finding.file or input_file or "ailz-plan.json"), finding.line or 1


def _where(finding: Finding) -> str:
    if finding.name:
        return f"{finding.name} ({finding.type})"
    return finding.urn or {"waivers": "waiver", "spec": "spec"}.get(finding.family, "stack")


def _title(rule_id: str) -> str:
    meta = BY_ID.get(rule_id)
    if meta:
        return meta.title
    return "Landing-zone spec is valid" if rule_id == SPEC_RULE else "Waiver file"


def _remediation(rule_id: str) -> str:
    meta = BY_ID.get(rule_id)
    if meta:
        return meta.remediation
    if rule_id == SPEC_RULE:
        return "Fix the spec at the line shown; the gate runs once the spec loads."
    return "Fix the waiver: rule, resource, owner, reason and a future expires date."


def summary(result: GateResult) -> dict[str, int]:
    open_ = result.of_status("open")
    return {
        "blocking": len(result.blocking),
        "advisory": sum(1 for f in open_ if f.enforcement != MANDATORY),
        "waived": len(result.of_status("waived")),
        "baselined": len(result.of_status("baselined")),
        "resources": result.resources,
        "rules": result.rules,
    }


def _verdict(result: GateResult) -> str:
    return "passed" if result.passed else "failed"


# --- text ---------------------------------------------------------------------------------------

_COLORS = {"red": "\033[31m", "yellow": "\033[33m", "green": "\033[32m", "dim": "\033[2m", "bold": "\033[1m"}


def render_text(result: GateResult, color: bool = False, input_file: str | None = None) -> str:
    def paint(text: str, *styles: str) -> str:
        if not color:
            return text
        return "".join(_COLORS[s] for s in styles) + text + "\033[0m"

    counts = summary(result)
    lines = [
        f"ailz policy gate: {result.zone or 'plan'} (profile {result.profile}) - "
        f"{counts['resources']} resources, {counts['rules']} rules"
    ]
    if result.profile_reason:
        lines.append(paint(f"profile {result.profile} chosen by {result.profile_reason}", "dim"))
    for note in result.notes:
        lines.append(paint(f"note: {note}", "yellow"))
    shown = [f for f in result.findings if f.status == "open"]
    for family in _families(result):
        group = [f for f in shown if f.family == family]
        if not group:
            continue
        lines.append("")
        lines.append(paint(f"{FAMILY_TITLES[family]} ({len(group)})", "bold"))
        for f in group:
            mandatory = f.enforcement == MANDATORY
            mark = paint("x MANDATORY", "red") if mandatory else paint("! advisory ", "yellow")
            file, line = _location(f, input_file)
            lines.append(f"  {mark} {f.rule_id} [{f.severity}] {file}:{line}  {_where(f)}")
            lines.append(f"      {f.message}")
            if mandatory:
                lines.append(paint(f"      fix: {_remediation(f.rule_id)}", "dim"))
    waived = result.of_status("waived")
    if waived:
        lines.append("")
        lines.append(paint(f"Waived ({len(waived)})", "bold"))
        for f in waived:
            w = f.waiver or {}
            lines.append(
                f"  ~ {f.rule_id} {_where(f)} - {w.get('owner')} until {w.get('expires')}: {w.get('reason')}"
            )
    if result.waivers:
        lines.append("")
        lines.append(paint(f"Waivers in force ({len(result.waivers)})", "bold"))
        for w in result.waivers:
            lines.append(
                f"  {w['rule']} {w['resource']} - {w['owner']}, expires {w['expires']}, "
                f"matched {w['matched']} finding(s)"
            )
    baselined = result.of_status("baselined")
    if baselined:
        lines.append("")
        lines.append(paint(f"Already in baseline ({len(baselined)}): not gated", "dim"))
    lines.append("")
    verdict = paint("PASSED", "green", "bold") if result.passed else paint("FAILED", "red", "bold")
    lines.append(
        f"{verdict}: {counts['blocking']} blocking, {counts['advisory']} advisory, "
        f"{counts['waived']} waived, {counts['baselined']} baselined"
    )
    return "\n".join(lines) + "\n"


# --- JSON ---------------------------------------------------------------------------------------


def render_json(result: GateResult, input_file: str | None = None) -> str:
    document = {
        "format": REPORT_FORMAT,
        "version": 1,
        "zone": result.zone,
        "spec_file": result.spec_file,
        "input": input_file,
        "profile": result.profile,
        "profile_reason": result.profile_reason,
        "notes": result.notes,
        "passed": result.passed,
        "waivers": result.waivers,
        "summary": summary(result),
        "findings": [f.to_dict() for f in result.findings],
    }
    return json.dumps(document, indent=2) + "\n"


# --- SARIF 2.1.0 --------------------------------------------------------------------------------


def _sarif_rule(meta) -> dict:
    return {
        "id": meta.id,
        "name": "".join(w.capitalize() for w in meta.title.replace("/", " ").split() if w.isalnum()),
        "shortDescription": {"text": meta.title},
        "fullDescription": {"text": meta.description},
        "help": {
            "text": f"{meta.description}\nRemediation: {meta.remediation}",
            "markdown": f"{meta.description}\n\n**Remediation:** {meta.remediation}\n\n"
            f"**Controls:** {', '.join(meta.controls.flat())}",
        },
        "defaultConfiguration": {"level": "error" if meta.enforcement == MANDATORY else "warning"},
        "properties": {
            "tags": ["security", meta.family, *meta.controls.flat()],
            "security-severity": SECURITY_SEVERITY[meta.severity],
            "precision": "high",
        },
    }


def _waiver_rule() -> dict:
    return {
        "id": "AILZ-WVR-001",
        "name": "WaiverFile",
        "shortDescription": {"text": "Waivers are well-formed and unexpired"},
        "fullDescription": {
            "text": "Every waiver names a rule, resource, owner, reason and a future expiry."
        },
        "help": {"text": _remediation("AILZ-WVR-001")},
        "defaultConfiguration": {"level": "error"},
        "properties": {"tags": ["security", "waivers"], "security-severity": "8.0"},
    }


def _spec_rule() -> dict:
    return {
        "id": SPEC_RULE,
        "name": "LandingZoneSpec",
        "shortDescription": {"text": "The landing-zone spec is valid"},
        "fullDescription": {
            "text": "The spec loads: valid YAML, known fields and values, consistent settings."
        },
        "help": {"text": _remediation(SPEC_RULE)},
        "defaultConfiguration": {"level": "error"},
        "properties": {"tags": ["spec"], "security-severity": "5.5"},
    }


def spec_error_result(error: Any, file: str) -> GateResult:
    """A spec that did not load, as a failed gate whose findings are its problems."""
    findings = [
        Finding(
            rule_id=SPEC_RULE,
            family="spec",
            severity="high",
            enforcement=MANDATORY,
            message=issue.message + (f" (fix: {issue.hint})" if issue.hint else ""),
            file=file,
            line=issue.line or 1,
        )
        for issue in error.issues
    ]
    note = "the spec did not load, so no rule ran: fix its problems (below) and check again"
    return GateResult(passed=False, blocking=list(findings), findings=findings, spec_file=file, notes=[note])


def _fingerprint(finding: Finding) -> str:
    return hashlib.sha256("|".join(finding.key()).encode()).hexdigest()[:32]


def _sarif_result(finding: Finding, rule_index: int, input_file: str | None) -> dict:
    file, line = _location(finding, input_file)
    level = "error" if finding.enforcement == MANDATORY else "warning"
    out: dict = {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "level": level,
        "message": {"text": f"{finding.message} [{_where(finding)}]"},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": _artifact(file),
                    "region": {"startLine": line},
                },
                "logicalLocations": [{"fullyQualifiedName": finding.urn or "stack", "kind": "resource"}],
            }
        ],
        "partialFingerprints": {"ailzFinding/v1": _fingerprint(finding)},
    }
    out["suppressions"] = []  # SARIF 2.1.0 3.27.23: every result of a run has it, or none does
    if finding.status == "waived":
        w = finding.waiver or {}
        out["suppressions"] = [
            {
                "kind": "external",
                "status": "accepted",
                "justification": f"{w.get('reason')} (owner {w.get('owner')}, expires {w.get('expires')})",
            }
        ]
    if finding.status == "baselined":
        out["baselineState"] = "unchanged"
    return out


def render_sarif(result: GateResult, input_file: str | None = None) -> str:
    runs = []
    pseudo = {"waivers": [_waiver_rule()], "spec": [_spec_rule()]}
    for family in _families(result):
        rules = [_sarif_rule(m) for m in RULES if m.family == family] or pseudo.get(family, [])
        index = {rule["id"]: i for i, rule in enumerate(rules)}
        results = [
            _sarif_result(f, index[f.rule_id], input_file) for f in result.findings if f.family == family
        ]
        runs.append(
            {
                "tool": {"driver": {"name": TOOL, "version": TOOL_VERSION, "rules": rules}},
                "automationDetails": {"id": f"ailz-policy/{family}/"},
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        )
    document = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": runs}
    return json.dumps(document, indent=2) + "\n"


# --- JUnit XML ----------------------------------------------------------------------------------


def render_junit(result: GateResult, input_file: str | None = None) -> str:
    suites = ET.Element("testsuites", name="ailz policy gate")
    total = failures = total_skipped = 0
    for family in _families(result):
        metas = [m for m in RULES if m.family == family]
        ids = [m.id for m in metas] or sorted({f.rule_id for f in result.findings if f.family == family})
        if not ids:
            continue
        suite = ET.SubElement(suites, "testsuite", name=FAMILY_TITLES[family])
        suite_failures = 0
        for rule_id in ids:
            case = ET.SubElement(
                suite, "testcase", classname=f"ailz.policy.{family}", name=f"{rule_id} {_title(rule_id)}"
            )
            mine = [f for f in result.findings if f.rule_id == rule_id]
            blocking = [f for f in mine if f.blocking]
            if blocking:
                suite_failures += 1
                failure = ET.SubElement(
                    case, "failure", type=blocking[0].severity, message=f"{len(blocking)} blocking finding(s)"
                )
                failure.text = "\n".join(
                    "{}:{} {}: {}".format(*_location(f, input_file), _where(f), f.message) for f in blocking
                )
            other = [f for f in mine if not f.blocking]
            if other:
                out = ET.SubElement(case, "system-out")
                out.text = "\n".join(f"[{f.status}/{f.enforcement}] {_where(f)}: {f.message}" for f in other)
        skipped = sum(1 for rule_id in ids if result.levels.get(rule_id) == "disabled")
        for case in suite.iter("testcase"):
            case.set("time", "0")
            if result.levels.get(case.get("name", "").split(" ", 1)[0]) == "disabled":
                ET.SubElement(case, "skipped", message="rule disabled by the policy config")
        suite.set("tests", str(len(ids)))
        suite.set("failures", str(suite_failures))
        suite.set("errors", "0")
        suite.set("skipped", str(skipped))
        suite.set("time", f"{result.seconds * len(ids) / max(result.rules, 1):.3f}")
        total += len(ids)
        failures += suite_failures
        total_skipped += skipped
    suites.set("tests", str(total))
    suites.set("failures", str(failures))
    suites.set("errors", "0")
    suites.set("skipped", str(total_skipped))
    suites.set("time", f"{result.seconds:.3f}")
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


# --- Markdown -----------------------------------------------------------------------------------


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _table(findings: list[Finding], input_file: str | None) -> list[str]:
    rows = ["| Rule | Severity | Resource | Location | Finding |", "|---|---|---|---|---|"]
    for f in findings[:MARKDOWN_ROWS]:
        file, line = _location(f, input_file)
        resource = _cell(f.name or f.urn or "stack")
        rows.append(
            f"| `{f.rule_id}` {_cell(_title(f.rule_id))} | {f.severity} | `{resource}` "
            f"| `{_cell(file)}:{line}` | {_cell(f.message)} |"
        )
    if len(findings) > MARKDOWN_ROWS:
        rows.append(f"\n...and {len(findings) - MARKDOWN_ROWS} more: see the SARIF or JSON report.")
    return rows


def render_markdown(result: GateResult, input_file: str | None = None) -> str:
    counts = summary(result)
    icon = ":white_check_mark:" if result.passed else ":x:"
    lines = [
        f"### {icon} ailz policy gate {_verdict(result)}: `{result.zone or 'plan'}` "
        f"(profile `{result.profile}`)",
        "",
        f"{counts['resources']} resources checked against {counts['rules']} rules: "
        f"**{counts['blocking']} blocking**, {counts['advisory']} advisory, {counts['waived']} waived, "
        f"{counts['baselined']} baselined.",
    ]
    if result.profile_reason:
        lines += ["", f"Profile `{result.profile}` chosen by {_cell(result.profile_reason)}."]
    lines += [f"\n> **Note:** {_cell(note)}" for note in result.notes]
    if result.waivers:
        lines += ["", "| Waiver | Resource | Owner | Expires | Matched |", "|---|---|---|---|---|"]
        lines += [
            f"| `{w['rule']}` | `{_cell(w['resource'])}` | {_cell(w['owner'])} | {w['expires']} "
            f"| {w['matched']} |"
            for w in result.waivers
        ]
    if result.blocking:
        lines += ["", "#### Blocking", "", *_table(result.blocking, input_file)]
        fixes = sorted({f.rule_id for f in result.blocking})
        lines += ["", "**How to fix**", ""] + [f"- `{r}`: {_remediation(r)}" for r in fixes]
    sections = (
        ("Advisory", [f for f in result.of_status("open") if not f.blocking]),
        ("Waived", result.of_status("waived")),
        ("Baselined", result.of_status("baselined")),
    )
    for title, group in sections:
        if group:
            lines += [
                "",
                f"<details><summary>{title} ({len(group)})</summary>",
                "",
                *_table(group, input_file),
            ]
            if title == "Waived":
                lines += [""] + [
                    f"- `{f.rule_id}` {_cell(f.name or f.urn or '')}: {(f.waiver or {}).get('reason')} "
                    f"(owner {(f.waiver or {}).get('owner')}, expires {(f.waiver or {}).get('expires')})"
                    for f in group
                ]
            lines += ["", "</details>"]
    return "\n".join(lines) + "\n"


# --- GitHub workflow annotations ----------------------------------------------------------------


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(result: GateResult, input_file: str | None = None) -> str:
    lines = []
    for f in result.findings:
        if f.status != "open":
            continue
        command = "error" if f.blocking else "warning"
        file, line = _location(f, input_file)
        title = _escape_property(f"{f.rule_id} {_title(f.rule_id)}")
        lines.append(
            f"::{command} file={_escape_property(file)},line={line},title={title}::"
            f"{_escape_data(f'{f.message} [{_where(f)}]')}"
        )
    counts = summary(result)
    lines.append(
        f"::notice title=ailz policy gate::{_verdict(result)} - {counts['blocking']} blocking, "
        f"{counts['advisory']} advisory, {counts['waived']} waived"
    )
    return "\n".join(lines) + "\n"


RENDERERS: dict[str, Callable[..., str]] = {
    "json": render_json,
    "sarif": render_sarif,
    "junit": render_junit,
    "markdown": render_markdown,
    "github": render_github,
}


def render(result: GateResult, fmt: str, input_file: str | None = None, color: bool = False) -> str:
    if fmt == "text":
        return render_text(result, color=color, input_file=input_file)
    return RENDERERS[fmt](result, input_file=input_file)
