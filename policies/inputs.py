"""Input adapters: an ailz plan, `pulumi preview --json` or `pulumi stack export`, each to a Plan.

Pure JSON handling, no Pulumi import, so checking a JSON file stays fast.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ailz.policies.config import PolicyInputError
from ailz.policies.props import UNKNOWN
from ailz.stacks.plan import Plan, PlanResource

SKIPPED_OPS = ("delete", "delete-replaced", "discard", "discard-replaced", "remove-pending-replace")
STACK_TYPE = "pulumi:pulumi:Stack"


# Pulumi's marker for a secret value in state and preview documents.
SECRET_SIG = "4dabf18193072939515e22adb298388d"
SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270"


def plain_value(value: Any) -> Any:
    """Unwrap secrets: plaintext ones become their value, encrypted ones unknown (rules fail closed)."""
    if isinstance(value, dict):
        if value.get(SECRET_SIG) == SECRET_VALUE:
            if "plaintext" in value:
                try:
                    return plain_value(json.loads(value["plaintext"]))
                except (TypeError, ValueError):
                    return value["plaintext"]
            return value.get("value", UNKNOWN) if "value" in value else UNKNOWN
        return {k: plain_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain_value(v) for v in value]
    if value == "[secret]":
        return UNKNOWN
    return value


def name_of(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


def _resource(state: dict[str, Any], where: str) -> PlanResource:
    try:
        urn = state["urn"]
        type_token = state["type"]
    except (KeyError, TypeError):
        raise PolicyInputError(f"{where}: a resource lacks 'urn' or 'type'") from None
    return PlanResource(
        type=type_token,
        name=name_of(urn),
        urn=urn,
        parent=state.get("parent") or None,
        target=None,
        inputs=plain_value(state.get("inputs") or {}),
        dependencies=list(state.get("dependencies") or []),
        property_dependencies={
            k: list(v or []) for k, v in (state.get("propertyDependencies") or {}).items()
        },
        custom=bool(state.get("custom", True)),
        provider=state.get("provider") or None,
    )


def _stack_name(urns: list[str]) -> str:
    for urn in urns:
        parts = urn.split("::")
        if len(parts) > 2 and parts[0].startswith("urn:pulumi:"):
            return parts[0].removeprefix("urn:pulumi:")
    return "unknown"


def from_preview(data: dict[str, Any], where: str) -> Plan:
    resources = []
    for i, step in enumerate(data.get("steps") or []):
        if not isinstance(step, dict) or step.get("op") in SKIPPED_OPS:
            continue
        state = step.get("newState")
        if not isinstance(state, dict) or state.get("type") == STACK_TYPE:
            continue
        resources.append(_resource(state, f"{where}: steps[{i}]"))
    return Plan(zone=_stack_name([r.urn for r in resources]), spec_file=None, targets=[], resources=resources)


def from_stack_export(data: dict[str, Any], where: str) -> Plan:
    deployment = data.get("deployment")
    if not isinstance(deployment, dict):
        raise PolicyInputError(f"{where}: stack export has no 'deployment' object")
    resources = [
        _resource(state, f"{where}: deployment.resources[{i}]")
        for i, state in enumerate(deployment.get("resources") or [])
        if isinstance(state, dict) and state.get("type") != STACK_TYPE and not state.get("delete")
    ]
    return Plan(zone=_stack_name([r.urn for r in resources]), spec_file=None, targets=[], resources=resources)


def plan_from_json(data: Any, where: str = "input") -> tuple[Plan, str]:
    """(plan, kind) for any JSON document ailz understands; PolicyInputError otherwise."""
    if not isinstance(data, dict):
        raise PolicyInputError(f"{where}: expected a JSON object")
    if data.get("format") == "ailz-plan":
        try:
            return Plan.from_dict(data), "ailz-plan"
        except (KeyError, TypeError, ValueError) as error:
            raise PolicyInputError(f"{where}: malformed ailz plan ({error})") from None
    if "steps" in data:
        return from_preview(data, where), "pulumi-preview"
    if "deployment" in data:
        return from_stack_export(data, where), "pulumi-stack-export"
    raise PolicyInputError(
        f"{where}: unknown JSON; expected `ailz plan --output json`, `pulumi preview --json` "
        "or `pulumi stack export` output"
    )


def load_json_plan(path: str | Path) -> tuple[Plan, str]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise PolicyInputError(f"{path}: cannot read: {error.strerror}") from None
    try:
        data = json.loads(text)
    except ValueError as error:
        raise PolicyInputError(f"{path}: not valid JSON ({error})") from None
    return plan_from_json(data, str(path))
