"""The cold tier: S3 buckets for datasets, checkpoints and models."""

from __future__ import annotations

import pulumi

from ailz.components.aws.bucket import EncryptedBucket
from ailz.components.aws.names import bucket_name
from ailz.components.common.base import AilzComponent
from ailz.components.common.context import TargetContext
from ailz.components.common.labels import aws_tags


class ObjectStore(AilzComponent):
    def __init__(
        self,
        ctx: TargetContext,
        account: str,
        key_arn: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        target = ctx.target
        cold = target.storage.cold
        super().__init__("aws", "ObjectStore", f"{target.name}-cold", ctx.path("storage", "cold"), opts)
        self.buckets: dict[str, EncryptedBucket] = {}
        for purpose in cold.buckets:
            # Object lock keeps checkpoints from being deleted or overwritten within the retention.
            retention = cold.checkpoint_retention_days if purpose == "checkpoints" else None
            self.buckets[purpose] = EncryptedBucket(
                f"{target.name}-{purpose}",
                bucket_name=bucket_name(ctx.zone.name, target.name, purpose, account),
                spec_path=ctx.path("storage", "cold"),
                key_arn=key_arn,
                tags=aws_tags(ctx.tags(Name=f"{target.name}-{purpose}", purpose=purpose)),
                archive_after_days=cold.archive_after_days,
                retention_days=retention,
                deep_archive=purpose != "datasets" or target.storage.warm is None,
                opts=self.child(),
            )
        self.register_outputs({p: b.name for p, b in self.buckets.items()})
