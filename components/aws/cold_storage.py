"""The cold tier: S3 buckets for datasets, checkpoints and models."""

from __future__ import annotations

import pulumi

from ailz.components.aws.bucket import EncryptedBucket
from ailz.components.aws.names import bucket_name
from ailz.components.common.base import AilzComponent
from ailz.spec.common import ColdTier


class ColdStorage(AilzComponent):
    def __init__(
        self,
        name: str,
        spec_path: str,
        *,
        zone: str,
        target: str,
        account: str,
        partition: str,
        cold: ColdTier,
        warm_tier: bool,
        key_arn: pulumi.Input[str],
        tags: dict[str, str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """`warm_tier`: a warm file system links the datasets bucket, so it stays out of Deep Archive."""
        super().__init__("aws", "ColdStorage", name, spec_path, opts, formerly="ObjectStore")
        self.buckets: dict[str, EncryptedBucket] = {}
        for purpose in cold.buckets:
            # Object lock keeps checkpoints from being deleted or overwritten within the retention.
            retention = cold.checkpoint_retention_days if purpose == "checkpoints" else None
            self.buckets[purpose] = EncryptedBucket(
                f"{target}-{purpose}",
                bucket_name=bucket_name(zone, target, purpose, account),
                partition=partition,
                spec_path=spec_path,
                key_arn=key_arn,
                tags={**tags, "Name": f"{target}-{purpose}", "purpose": purpose},
                archive_after_days=cold.archive_after_days,
                retention_days=retention,
                deep_archive=purpose != "datasets" or not warm_tier,
                opts=self.child(),
            )
        self.register_outputs({p: b.name for p, b in self.buckets.items()})
