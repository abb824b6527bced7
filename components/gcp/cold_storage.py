"""The cold tier: Cloud Storage buckets for datasets, checkpoints and models."""

from __future__ import annotations

import pulumi
import pulumi_gcp as gcp

from ailz.catalog import load_catalog
from ailz.components.gcp.component import GcpComponent

DAY_SECONDS = 86400
NONCURRENT_VERSIONS_KEPT = 3


def lifecycle_rules(archive_after_days: int) -> list[dict]:
    """Objects move to colder classes as they age; old noncurrent versions are deleted."""
    rules: list[dict] = []
    # to Nearline at the age of its minimum storage duration (catalog cloud_storage); colder classes later
    nearline_after_days = load_catalog().cloud_storage.nearline_min_storage_days
    if archive_after_days > nearline_after_days:
        rules.append(
            {
                "action": {"type": "SetStorageClass", "storage_class": "NEARLINE"},
                "condition": {"age": nearline_after_days, "matches_storage_classes": ["STANDARD"]},
            }
        )
    rules.append(
        {
            "action": {"type": "SetStorageClass", "storage_class": "ARCHIVE"},
            "condition": {"age": archive_after_days, "matches_storage_classes": ["STANDARD", "NEARLINE"]},
        }
    )
    rules.append(
        {
            "action": {"type": "Delete"},
            "condition": {"num_newer_versions": NONCURRENT_VERSIONS_KEPT, "with_state": "ARCHIVED"},
        }
    )
    return rules


def bucket_name(project: str, target: str, kind: str) -> str:
    """Globally unique and no longer than Cloud Storage allows (catalog gcp_limits.storage_bucket_name)."""
    max_length = load_catalog().gcp_limits.storage_bucket_name.max_length
    return f"{project}-{target}-{kind}"[:max_length].rstrip("-")


def checkpoint_protection(retention_days: int | None) -> dict:
    """What `checkpoint_retention_days` means on every cloud: an overwritten or deleted checkpoint
    stays recoverable for that many days, then goes. On Cloud Storage: versioning keeps the old
    generation, soft delete keeps a deleted object (7 to 90 days, Cloud Storage's bounds), and a
    lifecycle rule deletes noncurrent generations after the retention. A bucket retention policy
    would instead forbid overwriting a checkpoint until it ages out and never delete it."""
    if not retention_days:
        return {"lifecycle_rules": [_noncurrent_after(NONCURRENT_VERSIONS_KEPT)]}
    facts = load_catalog().cloud_storage
    kept = min(max(retention_days, facts.soft_delete_min_days), facts.soft_delete_max_days)
    return {
        "soft_delete_policy": {"retention_duration_seconds": kept * DAY_SECONDS},
        "lifecycle_rules": [
            {
                "action": {"type": "Delete"},
                "condition": {"days_since_noncurrent_time": retention_days, "with_state": "ARCHIVED"},
            }
        ],
    }


def _noncurrent_after(versions: int) -> dict:
    return {
        "action": {"type": "Delete"},
        "condition": {"num_newer_versions": versions, "with_state": "ARCHIVED"},
    }


class ColdStorage(GcpComponent):
    """Buckets with CMEK, uniform access, no public access, versioning and lifecycle.

    Checkpoints get no archive rule (they are read back soon or deleted; archived objects cost a
    retrieval fee); with checkpoint_retention_days, old and deleted checkpoints stay recoverable
    that long (checkpoint_protection).
    """

    def __init__(
        self,
        name: str,
        spec_path: str,
        *,
        project: str,
        region: str,
        target: str,
        kinds: list[str],
        archive_after_days: int,
        checkpoint_retention_days: int | None,
        kms_key: pulumi.Input[str] | None,
        labels: dict[str, str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("ColdStorage", name, spec_path, opts)
        self.buckets: dict[str, gcp.storage.Bucket] = {}
        rules = lifecycle_rules(archive_after_days)
        for kind in kinds:
            checkpoints = kind == "checkpoints"
            protection = (
                checkpoint_protection(checkpoint_retention_days)
                if checkpoints
                else {"lifecycle_rules": rules}
            )
            self.buckets[kind] = gcp.storage.Bucket(
                f"{name}-{kind}",
                name=bucket_name(project, target, kind),
                project=project,
                location=region.upper(),
                storage_class="STANDARD",
                uniform_bucket_level_access=True,
                public_access_prevention="enforced",
                versioning={"enabled": True},
                encryption={"default_kms_key_name": kms_key} if kms_key is not None else None,
                **protection,
                labels={**labels, "data-kind": kind},
                force_destroy=False,
                opts=self.child(),
            )
        self.names = {kind: bucket.name for kind, bucket in self.buckets.items()}
        self.register_outputs({"buckets": self.names})
