"""Building blocks of ValidatingAdmissionPolicies: what they match and CEL literals; pure."""

from __future__ import annotations

from typing import Any


def core_writes(resource: str, operations: tuple[str, ...] = ("CREATE", "UPDATE")) -> dict[str, Any]:
    """Admission match constraints: writes of one core (v1) resource."""
    rule = {"apiGroups": [""], "apiVersions": ["v1"], "operations": list(operations), "resources": [resource]}
    return {"resourceRules": [rule]}


def pod_writes() -> dict[str, Any]:
    """Admission match constraints: every pod created or updated, and ephemeral containers added
    to a running pod (`kubectl debug`), which are a subresource of their own."""
    constraints = core_writes("pods")
    constraints["resourceRules"].append(
        {
            "apiGroups": [""],
            "apiVersions": ["v1"],
            "operations": ["UPDATE"],
            "resources": ["pods/ephemeralcontainers"],
        }
    )
    return constraints


def cel_list(items) -> str:
    """A CEL list literal of strings."""
    return "[" + ", ".join(f"'{item}'" for item in items) + "]"
