"""Waivers (time-boxed, owned exceptions) and baselines (gate only on new findings)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ailz.policies.config import PolicyInputError
from ailz.policies.model import MANDATORY, Finding

WAIVER_RULE = "AILZ-WVR-001"


class Waiver(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rule: str = Field(pattern=r"^AILZ-[A-Z0-9]{3}-\d{3}$", description="Rule id the waiver covers.")
    resource: str = Field(min_length=1, description="URN or glob pattern over URNs (fnmatch).")
    owner: str = Field(min_length=1)
    reason: str = Field(min_length=10)
    expires: dt.date
    wildcard: bool = Field(
        default=False, description="Say so to waive a rule for every resource ('*' alone as resource)."
    )

    def matches(self, finding: Finding) -> bool:
        return finding.rule_id == self.rule and fnmatchcase(finding.urn or "", self.resource)


@dataclass
class LoadedWaivers:
    file: str
    waivers: list[tuple[Waiver, int]]  # waiver, line
    problems: list[Finding]


def _problem(file: str, line: int, message: str) -> Finding:
    return Finding(
        rule_id=WAIVER_RULE,
        family="waivers",
        severity="high",
        enforcement=MANDATORY,
        message=message,
        file=file,
        line=line,
    )


_FIELDS = list(Waiver.model_fields)


def _close(word: str, options: list[str]) -> str:
    import difflib

    found = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return f" (did you mean {found[0]}?)" if found else ""


def _said(error: dict, rules: list[str]) -> str:
    """One pydantic error about a waiver, in the gate's words, with the right form or a close match."""
    field = ".".join(str(p) for p in error["loc"]) or "waiver"
    value = error.get("input")
    kind = error["type"]
    if kind == "extra_forbidden":
        return f"unknown key '{field}'{_close(field, _FIELDS)}; keys: {', '.join(_FIELDS)}"
    if kind == "missing":
        return f"required key '{field}' is missing"
    if field == "rule":
        close = _close(str(value), rules)
        return f"rule '{value}' is not a rule id (AILZ-XXX-000){close}; see `ailz policy list`"
    if field == "expires":
        return f"expires '{value}' is not a date; write YYYY-MM-DD"
    if field == "reason" and kind == "string_too_short":
        return "reason is too short: say why the exception is needed (10 characters or more)"
    return f"{field}: {error['msg']}"


def load_waivers(
    path: str | Path, today: dt.date | None = None, max_days: int | None = None
) -> LoadedWaivers:
    """Parse the file; a malformed or expired waiver, one that runs longer than the config's
    max_days, or a waiver for every resource without `wildcard: true` becomes a mandatory
    finding; bad YAML exits 2."""
    from ailz.policies.table import BY_ID

    today = today or dt.date.today()
    file = str(path)
    from ailz.policies.config import read_yaml_with_lines

    data, positions = read_yaml_with_lines(path, "waivers file")
    data = data or {}
    if not isinstance(data, dict) or not isinstance(data.get("waivers", []), list):
        raise PolicyInputError(f"{file}: expected a mapping with a 'waivers:' list")
    out = LoadedWaivers(file=file, waivers=[], problems=[])
    for i, item in enumerate(data.get("waivers") or []):
        line = positions.get(("waivers", i), (1, 1))[0]
        try:
            waiver = Waiver.model_validate(item)
        except ValidationError as error:
            problems = "; ".join(_said(e, list(BY_ID)) for e in error.errors(include_url=False))
            out.problems.append(_problem(file, line, f"waivers[{i}] is malformed: {problems}"))
            continue
        if waiver.rule not in BY_ID:
            out.problems.append(
                _problem(
                    file,
                    line,
                    f"waivers[{i}] names unknown rule {waiver.rule}{_close(waiver.rule, list(BY_ID))}",
                )
            )
            continue
        if waiver.expires < today:
            out.problems.append(
                _problem(
                    file,
                    line,
                    f"waivers[{i}] for {waiver.rule} expired on {waiver.expires} (owner {waiver.owner})",
                )
            )
            continue
        if waiver.resource.strip() == "*" and not waiver.wildcard:
            out.problems.append(
                _problem(file, line, f"waivers[{i}] for {waiver.rule} waives every resource ('*'): name the "
                         "resources (a URN or a narrower glob), or say wildcard: true to mean it")
            )  # fmt: skip
            continue
        if max_days is not None and (waiver.expires - today).days > max_days:
            out.problems.append(
                _problem(file, line, f"waivers[{i}] for {waiver.rule} runs until {waiver.expires}, beyond "
                         f"the {max_days} days the policy config allows (waivers.max_days)")
            )  # fmt: skip
            continue
        out.waivers.append((waiver, line))
    return out


def apply_waivers(findings: list[Finding], loaded: LoadedWaivers) -> None:
    for finding in findings:
        if finding.status != "open":
            continue
        for waiver, line in loaded.waivers:
            if waiver.matches(finding):
                finding.status = "waived"
                finding.waiver = {
                    "owner": waiver.owner,
                    "reason": waiver.reason,
                    "expires": waiver.expires.isoformat(),
                    "file": loaded.file,
                    "line": line,
                }
                break


def load_baseline(path: str | Path) -> set[tuple[str, str, str]]:
    from ailz.policies.inputs import MAX_INPUT_BYTES

    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_INPUT_BYTES + 1)
        if len(raw) > MAX_INPUT_BYTES:
            raise PolicyInputError(f"{path}: larger than 1 GiB, which no policy report is")
        data = json.loads(raw.decode("utf-8"))
    except OSError as error:
        raise PolicyInputError(f"{path}: cannot read baseline: {error.strerror}") from None
    except (ValueError, RecursionError) as error:  # not UTF-8, not JSON, nested beyond reading
        raise PolicyInputError(f"{path}: baseline is not an ailz JSON report ({str(error)[:120]})") from None
    if not isinstance(data, dict) or data.get("format") != "ailz-policy-report":
        raise PolicyInputError(f"{path}: not an ailz policy report (write one with --format json)")
    return {
        (f.get("rule_id", ""), f.get("urn") or "", f.get("message", ""))
        for f in data.get("findings", [])
        if isinstance(f, dict)
    }


def apply_baseline(findings: list[Finding], known: set[tuple[str, str, str]]) -> None:
    for finding in findings:
        if finding.status == "open" and finding.key() in known:
            finding.status = "baselined"
