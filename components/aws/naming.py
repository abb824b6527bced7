"""AWS resource names with hard limits (S3 buckets: 3-63 chars, globally unique)."""

from __future__ import annotations

import hashlib

S3_MAX = 63


def bucket_name(zone: str, target: str, purpose: str, account: str) -> str:
    """'<zone>-<target>-<purpose>-<account>', shortened with a stable hash when too long."""
    name = f"{zone}-{target}-{purpose}-{account}"
    if len(name) <= S3_MAX:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    head = f"{zone}-{target}"[: S3_MAX - len(purpose) - len(digest) - 2].rstrip("-")
    return f"{head}-{purpose}-{digest}"
