"""Building blocks of ValidatingAdmissionPolicies: what they match and CEL literals; pure."""

from __future__ import annotations

from typing import Any


def pod_writes() -> dict[str, Any]:
    """Admission match constraints: every pod created or updated."""
    rule = {
        "apiGroups": [""],
        "apiVersions": ["v1"],
        "operations": ["CREATE", "UPDATE"],
        "resources": ["pods"],
    }
    return {"resourceRules": [rule]}


def cel_list(items) -> str:
    """A CEL list literal of strings."""
    return "[" + ", ".join(f"'{item}'" for item in items) + "]"
