"""Input adapters: an ailz plan, `pulumi preview --json` or `pulumi stack export`, each to a Plan.

Pure JSON handling, no Pulumi import, so checking a JSON file stays fast.
"""

from __future__ import annotations

import bisect
import contextlib
import gzip
import json
from pathlib import Path
from typing import Any

from ailz.policies.config import PolicyInputError
from ailz.policies.props import UNKNOWN
from ailz.stacks.plan import Plan, PlanResource

SKIPPED_OPS = (
    "delete",
    "delete-replaced",
    "discard",
    "discard-replaced",
    "remove-pending-replace",
    "read",
    "read-replacement",
    "read-discard",
)  # reads: data the program looks up, not manages

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


PROVIDER_PREFIX = "pulumi:providers:"
CHANGE_OPS = ("update", "replace", "create-replacement", "delete-replaced")


def _provider_inputs(inputs: dict[str, Any]) -> dict[str, Any]:
    """Provider configuration arrives as strings; an object or list (defaultTags) is JSON inside."""
    out = {}
    for key, value in inputs.items():
        if isinstance(value, str) and value[:1] in "{[":
            with contextlib.suppress(ValueError):
                value = json.loads(value)
        out[key] = value
    return out


def _literals(state: dict[str, Any]) -> list[str]:
    """The id and ARN a resource already has: a program that names it by a literal string uses these."""
    outputs = state.get("outputs") if isinstance(state.get("outputs"), dict) else {}
    found = [state.get("id"), outputs.get("id"), outputs.get("arn")]
    return [v for v in found if isinstance(v, str) and v and v != UNKNOWN]


def _resource(state: dict[str, Any], where: str) -> PlanResource:
    try:
        urn = state["urn"]
        type_token = state["type"]
    except (KeyError, TypeError):
        raise PolicyInputError(f"{where}: a resource lacks 'urn' or 'type'") from None
    inputs = plain_value(state.get("inputs") or {})
    if type_token.startswith(PROVIDER_PREFIX):
        inputs = _provider_inputs(inputs)
    outputs = state.get("outputs") if isinstance(state.get("outputs"), dict) else {}
    if "tagsAll" in outputs and "tagsAll" not in inputs:  # the tags the provider really applies
        inputs["tagsAll"] = plain_value(outputs["tagsAll"])
    return PlanResource(
        type=type_token,
        name=name_of(urn),
        urn=urn,
        parent=state.get("parent") or None,
        target=None,
        inputs=inputs,
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


def _plan(states: list[tuple[dict[str, Any], str]]) -> Plan:
    resources, literals = [], {}
    for state, where in states:
        resource = _resource(state, where)
        resources.append(resource)
        for literal in _literals(state):
            literals.setdefault(literal, resource.urn)
    zone = _stack_name([r.urn for r in resources])
    return Plan(zone=zone, spec_file=None, targets=[], resources=resources, literals=literals)


def from_preview(data: dict[str, Any], where: str) -> Plan:
    states, ops = [], set()
    failed = [
        d for d in data.get("diagnostics") or [] if isinstance(d, dict) and d.get("severity") == "error"
    ]
    if failed:
        message = str(failed[0].get("message", "")).strip().splitlines()[0:1] or ["no message"]
        raise PolicyInputError(f"{where}: the preview failed ({message[0]}); gate a preview that succeeded")
    for i, step in enumerate(data.get("steps") or []):
        if not isinstance(step, dict):
            continue
        ops.add(step.get("op"))
        if step.get("op") in SKIPPED_OPS:
            continue
        state = step.get("newState")
        if not isinstance(state, dict) or state.get("type") == STACK_TYPE:
            continue
        states.append((state, f"{where}: steps[{i}]"))
    plan = _plan(states)
    if ops & set(CHANGE_OPS) and "same" not in ops:
        # an update preview lists only what changes; rules that follow references to unchanged
        # resources (a bucket's policy, a launch template's security group) cannot see them
        plan.notes.append(
            f"{where}: this preview lists only changed resources; unchanged ones are not checked and "
            "rules that follow references to them may report what they cannot see. Run "
            "`pulumi preview --json --show-sames` for a complete check."
        )
    return plan


def from_stack_export(data: dict[str, Any], where: str) -> Plan:
    deployment = data.get("deployment")
    if not isinstance(deployment, dict):
        raise PolicyInputError(f"{where}: stack export has no 'deployment' object")
    return _resources_of(deployment, f"{where}: deployment")


def from_checkpoint(data: dict[str, Any], where: str) -> Plan:
    """The local (file://) backend's own stack file, which `ailz up` writes by default."""
    latest = (data.get("checkpoint") or {}).get("latest")
    if not isinstance(latest, dict):
        return Plan(zone="unknown", spec_file=None, targets=[], resources=[],
                    notes=[f"{where}: the stack has never been deployed (no checkpoint.latest)"])  # fmt: skip
    return _resources_of(latest, f"{where}: checkpoint.latest")


def _resources_of(deployment: dict[str, Any], where: str) -> Plan:
    return _plan(
        [
            (state, f"{where}.resources[{i}]")
            for i, state in enumerate(deployment.get("resources") or [])
            if isinstance(state, dict)
            and state.get("type") != STACK_TYPE
            and not state.get("delete")
            and not state.get("external")  # read with .get(): the program does not manage it
        ]
    )


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
    if "checkpoint" in data:
        return from_checkpoint(data, where), "pulumi-local-state"
    raise PolicyInputError(
        f"{where}: unknown JSON; expected `ailz plan --output json`, `pulumi preview --json`, "
        "`pulumi stack export` output or a local backend's stack file (.pulumi/stacks/...)"
    )


def _point_at_lines(plan: Plan, text: str, file: str) -> None:
    """A finding on a resource of a preview or state file points at the line that names its URN
    (the first `"urn": "<urn>"`), where the input has one; ailz plans keep their spec lines."""
    starts = [0]
    for i, char in enumerate(text):
        if char == "\n":
            starts.append(i + 1)
    for resource in plan.resources:
        if resource.source:
            continue
        at = text.find(f'"urn": {json.dumps(resource.urn)}')
        if at < 0:
            at = text.find(f'"urn":{json.dumps(resource.urn)}')
        if at >= 0:
            line = bisect.bisect_right(starts, at)
            resource.source = {"file": file, "line": line}


# a 25,000-resource plan or state export is tens of MB; far beyond this is not a plan
MAX_INPUT_BYTES = 1 << 30


def load_json_plan(path: str | Path) -> tuple[Plan, str]:
    try:
        with open(path, "rb") as handle:  # bounded: a device or FIFO reports no size
            raw = handle.read(MAX_INPUT_BYTES + 1)
        if len(raw) > MAX_INPUT_BYTES:
            raise PolicyInputError(f"{path}: larger than 1 GiB, which no plan, preview or state export is")
    except OSError as error:
        raise PolicyInputError(f"{path}: cannot read: {error.strerror}") from None
    try:
        # the local backend gzips its stack files when asked to (PULUMI_SELF_MANAGED_STATE_GZIP)
        text = (gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw).decode("utf-8")
    except (OSError, EOFError, UnicodeDecodeError) as error:
        raise PolicyInputError(f"{path}: not a readable JSON or gzipped JSON file ({error})") from None
    return load_json_text(text, str(path))


def load_json_text(text: str, path: str) -> tuple[Plan, str]:
    """A plan, preview or state export already read (a file, or standard input)."""
    deep = f"{path}: nests deeper than any plan, preview or state export (thousands of levels)"
    try:
        data = json.loads(text)
    except ValueError as error:
        why = "a number too long to read" if "digits" in str(error) else str(error)
        raise PolicyInputError(f"{path}: not valid JSON ({why})") from None
    except RecursionError:
        raise PolicyInputError(deep) from None
    try:
        plan, kind = plan_from_json(data, str(path))
    except RecursionError:
        raise PolicyInputError(deep) from None
    if kind != "ailz-plan":
        _point_at_lines(plan, text, str(path))
    return plan, kind
