"""One S3 bucket with the controls every ailz bucket carries."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pulumi
import pulumi_aws as aws

from ailz.components.aws.iam_policies import s3_bucket_arn, tls_only_bucket_policy
from ailz.components.common.base import AilzComponent
from ailz.components.common.labels import aws_tags

ARCHIVE_CLASS = "GLACIER_IR"
DEEP_ARCHIVE_CLASS = "DEEP_ARCHIVE"
DEEP_ARCHIVE_AFTER_ARCHIVE_DAYS = 180
ABORT_UPLOADS_AFTER_DAYS = 7


class EncryptedBucket(AilzComponent):
    """SSE-KMS with the given key (bucket keys on), versioning, public access blocked, TLS only,
    lifecycle to archive tiers, and optional object lock (GOVERNANCE) with default retention.

    deep_archive=False keeps objects in Glacier Instant Retrieval at most: FSx for Lustre cannot
    import objects from the asynchronous archive classes, so a bucket linked to Lustre stops there.
    """

    def __init__(
        self,
        name: str,
        spec_path: str,
        *,
        bucket_name: str,
        partition: str,
        key_arn: pulumi.Input[str],
        tags: dict[str, str],
        archive_after_days: int,
        retention_days: int | None = None,
        deep_archive: bool = True,
        extra_policy: Callable[[str], list[dict[str, Any]]] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("aws", "EncryptedBucket", name, spec_path, opts)
        self.bucket = aws.s3.Bucket(
            name,
            bucket=bucket_name,
            object_lock_enabled=retention_days is not None,
            force_destroy=False,
            tags=aws_tags(tags),
            opts=self.child(),
        )
        bucket_id = self.bucket.id
        versioning = aws.s3.BucketVersioning(
            name,
            bucket=bucket_id,
            versioning_configuration={"status": "Enabled"},
            opts=self.child(),
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            name,
            bucket=bucket_id,
            rules=[
                {
                    "apply_server_side_encryption_by_default": {
                        "sse_algorithm": "aws:kms",
                        "kms_master_key_id": key_arn,
                    },
                    "bucket_key_enabled": True,
                }
            ],
            opts=self.child(),
        )
        block = aws.s3.BucketPublicAccessBlock(
            name,
            bucket=bucket_id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=self.child(),
        )
        aws.s3.BucketOwnershipControls(
            name,
            bucket=bucket_id,
            rule={"object_ownership": "BucketOwnerEnforced"},
            opts=self.child(),
        )
        # built from the name, so the policy is known at preview, where the gate reads it
        self.known_arn = s3_bucket_arn(partition, bucket_name)
        arn = self.known_arn
        policy = json.dumps(tls_only_bucket_policy(arn, extra_policy(arn) if extra_policy else None))
        aws.s3.BucketPolicy(name, bucket=bucket_id, policy=policy, opts=self.child(depends_on=[block]))
        noncurrent_days = retention_days or archive_after_days
        transitions = [{"days": archive_after_days, "storage_class": ARCHIVE_CLASS}]
        if deep_archive:
            transitions.append(
                {
                    "days": archive_after_days + DEEP_ARCHIVE_AFTER_ARCHIVE_DAYS,
                    "storage_class": DEEP_ARCHIVE_CLASS,
                }
            )
        aws.s3.BucketLifecycleConfiguration(
            name,
            bucket=bucket_id,
            rules=[
                {
                    "id": "archive",
                    "status": "Enabled",
                    "filter": {"prefix": ""},
                    "transitions": transitions,
                    "noncurrent_version_expiration": {"noncurrent_days": noncurrent_days},
                    "abort_incomplete_multipart_upload": {"days_after_initiation": ABORT_UPLOADS_AFTER_DAYS},
                }
            ],
            opts=self.child(depends_on=[versioning]),
        )
        if retention_days is not None:
            aws.s3.BucketObjectLockConfiguration(
                name,
                bucket=bucket_id,
                rule={"default_retention": {"mode": "GOVERNANCE", "days": retention_days}},
                opts=self.child(depends_on=[versioning]),
            )
        self.name = self.bucket.bucket
        self.arn = self.bucket.arn
        self.register_outputs({"bucket": self.bucket.bucket, "arn": self.bucket.arn})
