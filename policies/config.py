"""Per-rule configuration and environment profiles, validated with pydantic.

Precedence, most specific last: the rule table, `rules:` in the config file, the built-in
profile (dev makes everything advisory), the config file's `profiles.<name>`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ailz.policies.model import ADVISORY
from ailz.policies.table import BY_ID, RULES

Level = Literal["advisory", "mandatory", "disabled"]
# What a value unknown before apply does to a rule that needs it: fail (a finding at the rule's
# level), warn (an advisory finding), skip (nothing). Default: fail for mandatory rules, skip for
# advisory ones, as CrossGuard itself skips.
Unknowns = Literal["fail", "warn", "skip"]
BUILTIN_PROFILES: dict[str, Level | None] = {"dev": ADVISORY, "prod": None}
DEV_ENVIRONMENTS = ("dev", "development", "test", "sandbox")


class PolicyInputError(Exception):
    """A config, waiver or baseline file the user must fix (exit 2)."""


class RuleSetting(BaseModel):
    model_config = ConfigDict(extra="forbid")
    enforcement: Level | None = None
    unknowns: Unknowns | None = None
    params: dict[str, Any] = Field(default_factory=dict)


class Profile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    default_enforcement: Level | None = Field(default=None, description="Level for every rule.")
    unknowns: Unknowns | None = None
    rules: dict[str, RuleSetting] = Field(default_factory=dict)


class WaiverPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")
    max_days: int | None = Field(default=None, ge=1, description="Longest a waiver may run from today.")


class PolicyConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    profile: str | None = Field(
        default=None, description="The profile to gate with, whatever the zone's environment tag says."
    )
    advisory_forbidden: list[str] = Field(
        default_factory=list,
        description="Zone environments (tags.environment) that may never be gated with an all-advisory "
        "profile, whichever way it was chosen.",
    )
    unknowns: Unknowns | None = None
    waivers: WaiverPolicy = Field(default_factory=WaiverPolicy)
    rules: dict[str, RuleSetting] = Field(default_factory=dict)
    profiles: dict[str, Profile] = Field(default_factory=dict)


@dataclass
class Settings:
    profile: str
    levels: dict[str, str]
    params: dict[str, dict[str, Any]]
    unknowns: dict[str, str] = field(default_factory=dict)  # rule id -> fail | warn | skip
    profile_reason: str = ""


def read_yaml_with_lines(path: str | Path, what: str) -> tuple[Any, dict]:
    """(data, positions) of a small YAML input (config, waivers) read as safely as a spec: bounded
    size, aliases and nesting, non-UTF-8 and numbers too long to read as clear errors."""
    from ailz.spec.errors import SpecError
    from ailz.spec.loader import MAX_SPEC_BYTES, parse_yaml

    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_SPEC_BYTES + 1)
    except OSError as error:
        raise PolicyInputError(f"{path}: cannot read {what}: {error.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise PolicyInputError(f"{path}:{line}: {what} is not UTF-8 text; save it as UTF-8") from None
    try:
        return parse_yaml(text, str(path))
    except SpecError as error:
        issue = error.issues[0]
        where = f":{issue.line}" if issue.line else ""
        fix = f" (fix: {issue.hint})" if issue.hint else ""
        raise PolicyInputError(f"{path}{where}: {what}: {issue.message}{fix}") from None


def read_yaml(path: str | Path, what: str) -> Any:
    return read_yaml_with_lines(path, what)[0]


def load_config(path: str | Path | None) -> PolicyConfig:
    if path is None:
        return PolicyConfig()
    data = read_yaml(path, "policy config") or {}
    try:
        config = PolicyConfig.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors(include_url=False)
        )
        raise PolicyInputError(f"{path}: invalid policy config: {problems}") from None
    _check_ids(config, path)
    return config


def _check_settings(settings: dict[str, RuleSetting], where: str, path: Any) -> None:
    for rule_id, setting in settings.items():
        meta = BY_ID.get(rule_id)
        if meta is None:
            raise PolicyInputError(f"{path}: {where}.{rule_id}: unknown rule id (see `ailz policy list`)")
        for key, value in setting.params.items():
            if key not in meta.params:
                known = ", ".join(meta.params) or "none"
                raise PolicyInputError(
                    f"{path}: {where}.{rule_id}.params.{key}: unknown parameter (known: {known})"
                )
            default = meta.params[key]
            if not isinstance(value, type(default)) or isinstance(value, bool) != isinstance(default, bool):
                raise PolicyInputError(
                    f"{path}: {where}.{rule_id}.params.{key}: expected {type(default).__name__}, "
                    f"got {type(value).__name__}"
                )


def _check_ids(config: PolicyConfig, path: Any) -> None:
    _check_settings(config.rules, "rules", path)
    for name, profile in config.profiles.items():
        _check_settings(profile.rules, f"profiles.{name}.rules", path)


def default_profile(environment: str | None) -> str:
    """Dev-like environments get the advisory profile; anything else is gated as production."""
    return "dev" if (environment or "").lower() in DEV_ENVIRONMENTS else "prod"


def resolve(config: PolicyConfig, profile: str | None, environment: str | None) -> Settings:
    """Levels, parameters and unknown-value handling of every rule in the chosen profile. The
    profile comes from --profile, else the config's `profile`, else the zone's environment tag,
    which the code under review can change: CI pins it."""
    if profile:
        name, reason = profile, "--profile"
    elif config.profile:
        name, reason = config.profile, "the policy config's profile"
    else:
        name = default_profile(environment)
        reason = f"the zone's environment tag ({environment or 'none'}); pin it with --profile"
    if name not in BUILTIN_PROFILES and name not in config.profiles:
        known = sorted({*BUILTIN_PROFILES, *config.profiles})
        raise PolicyInputError(f"unknown profile '{name}' (known: {', '.join(known)})")
    levels = {rule.id: rule.enforcement for rule in RULES}
    params = {rule.id: dict(rule.params) for rule in RULES}
    unknowns: dict[str, str | None] = {rule.id: config.unknowns for rule in RULES}

    def apply(settings: dict[str, RuleSetting]) -> None:
        for rule_id, setting in settings.items():
            if setting.enforcement:
                levels[rule_id] = setting.enforcement
            if setting.unknowns:
                unknowns[rule_id] = setting.unknowns
            params[rule_id].update(setting.params)

    apply(config.rules)
    default = BUILTIN_PROFILES.get(name)
    custom = config.profiles.get(name)
    if custom and custom.default_enforcement:
        if name == "prod" and custom.default_enforcement != "mandatory":
            raise PolicyInputError(
                f"profiles.prod.default_enforcement: {custom.default_enforcement} would turn the production "
                "gate off; lower single rules under profiles.prod.rules, each visible in review"
            )
        default = custom.default_enforcement
    if default:
        levels = {rule_id: (level if level == "disabled" else default) for rule_id, level in levels.items()}
    if custom:
        if custom.unknowns:
            unknowns = {rule_id: custom.unknowns for rule_id in unknowns}
        apply(custom.rules)
    forbidden = {e.lower() for e in config.advisory_forbidden}
    all_advisory = not any(level == "mandatory" for level in levels.values())
    if (environment or "").lower() in forbidden and all_advisory:
        raise PolicyInputError(
            f"profile '{name}' makes every rule advisory, and the policy config forbids that for "
            f"environment '{environment}' (advisory_forbidden); gate with --profile prod"
        )
    modes = {
        rule_id: mode or ("fail" if levels[rule_id] == "mandatory" else "skip")
        for rule_id, mode in unknowns.items()
    }
    return Settings(profile=name, levels=levels, params=params, unknowns=modes, profile_reason=reason)
