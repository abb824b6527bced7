"""Customer-managed KMS keys, one per data class, or the external keys the zone names."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from ailz.components.aws.iam_policies import key_policy
from ailz.components.common.base import AilzComponent
from ailz.components.common.context import TargetContext
from ailz.components.common.labels import aws_tags

DATA_CLASSES = ("secrets", "storage", "logs")


class ZoneKeys(AilzComponent):
    """KMS keys for secrets (EKS envelope encryption), storage (EBS, FSx, S3) and logs.

    EKS envelope encryption needs a customer-managed key, so keys are created unless the zone's
    residency says key_management: external; then the existing (XKS or CloudHSM-backed) key
    ARNs from encryption.external_keys are used and nothing is created.
    """

    def __init__(
        self,
        ctx: TargetContext,
        account: str,
        partition: str,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        target = ctx.target
        super().__init__("aws", "ZoneKeys", f"{target.name}-keys", ctx.path("encryption"), opts)
        self.external = ctx.zone.residency.key_management == "external"
        self.arns: dict[str, pulumi.Input[str]] = {}
        for data_class in DATA_CLASSES:
            if self.external:
                self.arns[data_class] = target.encryption.external_keys[data_class]
                continue
            key = aws.kms.Key(
                f"{target.name}-{data_class}",
                description=f"ailz {ctx.zone.name}/{target.name}: {data_class}",
                enable_key_rotation=True,
                rotation_period_in_days=365,
                deletion_window_in_days=30,
                key_usage="ENCRYPT_DECRYPT",
                customer_master_key_spec="SYMMETRIC_DEFAULT",
                policy=json.dumps(key_policy(data_class, account, partition, target.region)),
                tags=aws_tags(ctx.tags(purpose=f"kms-{data_class}")),
                opts=self.child(),
            )
            aws.kms.Alias(
                f"{target.name}-{data_class}",
                name=f"alias/ailz/{ctx.zone.name}/{target.name}/{data_class}",
                target_key_id=key.key_id,
                opts=self.child(),
            )
            self.arns[data_class] = key.arn
        self.register_outputs({"arns": self.arns})
