"""AWS resource names with hard limits: S3 buckets (globally unique) and IAM roles; the lengths are
vendor facts in the catalog (`aws_limits`)."""

from __future__ import annotations

from ailz.catalog import load_catalog
from ailz.components.common.names import shorten

S3_MAX = load_catalog().aws_limits.s3_bucket_name.max_length
IAM_ROLE_MAX = load_catalog().aws_limits.iam_role_name.max_length


def bucket_name(zone: str, target: str, purpose: str, account: str) -> str:
    """'<zone>-<target>-<purpose>-<account>', shortened with a stable hash when too long."""
    return shorten(f"{zone}-{target}-{purpose}-{account}", S3_MAX, purpose)


def role_name(zone: str, target: str, purpose: str) -> str:
    """'ailz-<zone>-<target>-<purpose>', shortened with a stable hash when too long."""
    return shorten(f"ailz-{zone}-{target}-{purpose}", IAM_ROLE_MAX, purpose[:20])
