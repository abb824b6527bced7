"""Customer-managed KMS keys, one per data class, or the external keys the zone names."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from ailz.components.aws.iam_policies import KeyScope, key_by_alias, key_by_arn, key_policy
from ailz.components.common.base import AilzComponent
from ailz.components.common.labels import aws_tags

DATA_CLASSES = ("secrets", "storage", "logs")


class EncryptionKeys(AilzComponent):
    """KMS keys for secrets (EKS envelope encryption), storage (EBS, FSx, S3) and logs.

    EKS envelope encryption needs a customer-managed key, so keys are created unless the zone's
    residency says key_management: external; then the existing (XKS or CloudHSM-backed) key
    ARNs from encryption.external_keys are used and nothing is created.
    """

    def __init__(
        self,
        name: str,
        spec_path: str,
        *,
        zone: str,
        target: str,
        region: str,
        external_keys: dict[str, str] | None,
        account: str,
        partition: str,
        tags: dict[str, str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """`external_keys`: the existing key ARN per data class (key_management: external), else None."""
        super().__init__("aws", "EncryptionKeys", name, spec_path, opts, formerly="ZoneKeys")
        self.external = external_keys is not None
        self.arns: dict[str, pulumi.Input[str]] = {}
        # what IAM policies name each key by, known before apply (iam_policies.KeyScope)
        self.scopes: dict[str, KeyScope] = {}
        # IAM policies that name a key by alias authorize through it only once it exists
        self.aliases: list[pulumi.Resource] = []
        for data_class in DATA_CLASSES:
            if external_keys is not None:
                self.arns[data_class] = external_keys[data_class]
                self.scopes[data_class] = key_by_arn(external_keys[data_class])
                continue
            alias = f"alias/ailz/{zone}/{target}/{data_class}"
            self.scopes[data_class] = key_by_alias(alias, account, partition, region)
            key = aws.kms.Key(
                f"{target}-{data_class}",
                description=f"ailz {zone}/{target}: {data_class}",
                enable_key_rotation=True,
                rotation_period_in_days=365,
                deletion_window_in_days=30,
                key_usage="ENCRYPT_DECRYPT",
                customer_master_key_spec="SYMMETRIC_DEFAULT",
                policy=json.dumps(key_policy(data_class, account, partition, region)),
                tags=aws_tags({**tags, "purpose": f"kms-{data_class}"}),
                opts=self.child(),
            )
            alias_resource = aws.kms.Alias(
                f"{target}-{data_class}",
                name=alias,
                target_key_id=key.key_id,
                opts=self.child(),
            )
            self.arns[data_class] = key.arn
            self.aliases.append(alias_resource)
        self.register_outputs({"arns": self.arns})
