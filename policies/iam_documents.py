"""Reading IAM policy documents the way AWS evaluates them: action names are case-insensitive and
may hold wildcards, NotResource and ARN wildcards can mean every resource, and only some conditions
narrow who may act. Pure."""

from __future__ import annotations

import json
from fnmatch import fnmatchcase
from typing import Any

# Resources of unrelated services: a Resource pattern matching all of them means every resource.
_SAMPLE_ARNS = (
    "arn:aws:s3:::bucket/key",
    "arn:aws:iam::123456789012:role/any",
    "arn:aws:ec2:eu-west-1:123456789012:instance/i-0",
    "arn:aws:kms:eu-west-1:123456789012:key/k",
)
# Condition keys that pin down who acts or from where; a condition on anything else (transport,
# time, tags the caller sets) leaves a statement open to everyone
PRINCIPAL_KEYS = frozenset(
    {
        "aws:principalarn",
        "aws:principalaccount",
        "aws:principalorgid",
        "aws:principalorgpaths",
        "aws:sourcearn",
        "aws:sourceaccount",
        "aws:sourceorgid",
        "aws:sourcevpce",
        "aws:sourcevpc",
        "kms:calleraccount",
        "sts:externalid",
    }
)


def document(value: Any) -> dict | None:
    if isinstance(value, dict):
        return value
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            return None
        return parsed if isinstance(parsed, dict) else None
    return None


def statements(doc: dict | None) -> list[dict]:
    if not doc:
        return []
    found = doc.get("Statement") or []
    return [s for s in (found if isinstance(found, list) else [found]) if isinstance(s, dict)]


def as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def allows(statement: dict) -> bool:
    return str(statement.get("Effect", "")).lower() == "allow"


def action_patterns(statement: dict) -> list[str]:
    return [str(a).lower() for a in as_list(statement.get("Action") or [])]


def grants(statement: dict, action: str) -> bool:
    """Does an Allow statement grant this action (lowercase service:name)? NotAction grants all but
    its list."""
    if not allows(statement):
        return False
    if statement.get("NotAction") is not None:
        excluded = [str(a).lower() for a in as_list(statement["NotAction"])]
        return not any(fnmatchcase(action, p) for p in excluded)
    return any(fnmatchcase(action, p) for p in action_patterns(statement))


def every_service(statement: dict) -> bool:
    """Grants every action of unrelated services ('*', '*:*', NotAction)."""
    return all(grants(statement, a) for a in ("s3:getobject", "iam:createuser", "ec2:runinstances"))


def every_resource(statement: dict) -> bool:
    """Applies to every resource: '*', an ARN pattern matching every service, or NotResource."""
    if statement.get("NotResource") is not None:
        return True
    patterns = [str(r) for r in as_list(statement.get("Resource") or [])]
    return any(all(fnmatchcase(arn, p) for arn in _SAMPLE_ARNS) for p in patterns)


def restricted_to_principals(statement: dict) -> bool:
    """A condition that narrows who may act: a principal or source key, without wildcards, not negated."""
    for operator, keys in (statement.get("Condition") or {}).items():
        if not isinstance(keys, dict) or "Not" in operator or operator.startswith("Null"):
            continue
        for key, values in keys.items():
            name = str(key).lower()
            pins = name in PRINCIPAL_KEYS or name.endswith(":sub")
            if pins and all("*" not in str(v) for v in as_list(values)):
                return True
    return False


def principals(statement: dict) -> list[str]:
    principal = statement.get("Principal")
    if principal == "*":
        return ["*"]
    if isinstance(principal, dict):
        return [str(p) for v in principal.values() for p in as_list(v)]
    return []
