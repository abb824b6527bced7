"""AWS resource names with hard limits: S3 buckets (3-63 chars, globally unique), IAM roles (64)."""

from __future__ import annotations

import hashlib

S3_MAX = 63
IAM_ROLE_MAX = 64


def _fit(name: str, limit: int, tail: str) -> str:
    """The name itself when it fits, else its head, a stable hash of the whole, and the tail."""
    if len(name) <= limit:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    head = name[: limit - len(tail) - len(digest) - 2].rstrip("-")
    return f"{head}-{digest}-{tail}"


def bucket_name(zone: str, target: str, purpose: str, account: str) -> str:
    """'<zone>-<target>-<purpose>-<account>', shortened with a stable hash when too long."""
    return _fit(f"{zone}-{target}-{purpose}-{account}", S3_MAX, purpose)


def role_name(zone: str, target: str, purpose: str) -> str:
    """'ailz-<zone>-<target>-<purpose>', shortened with a stable hash when too long."""
    return _fit(f"ailz-{zone}-{target}-{purpose}", IAM_ROLE_MAX, purpose[:20])
