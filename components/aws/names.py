"""AWS resource names with hard limits: S3 buckets (3-63 chars, globally unique), IAM roles (64)."""

from __future__ import annotations

from ailz.components.common.names import shorten

S3_MAX = 63
IAM_ROLE_MAX = 64


def bucket_name(zone: str, target: str, purpose: str, account: str) -> str:
    """'<zone>-<target>-<purpose>-<account>', shortened with a stable hash when too long."""
    return shorten(f"{zone}-{target}-{purpose}-{account}", S3_MAX, purpose)


def role_name(zone: str, target: str, purpose: str) -> str:
    """'ailz-<zone>-<target>-<purpose>', shortened with a stable hash when too long."""
    return shorten(f"ailz-{zone}-{target}-{purpose}", IAM_ROLE_MAX, purpose[:20])
