"""Encryption rules: customer-managed keys on stores, filesystems, volumes and secrets; rotation."""

from __future__ import annotations

from ailz.policies import props as P
from ailz.policies.index import PlanIndex
from ailz.policies.registry import Messages, Params, resource_rule, stack_rule
from ailz.stacks.plan import PlanResource

S3_BUCKETS = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
S3_SSE = (
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
)
GCS_BUCKET = "gcp:storage/bucket:Bucket"
KMS_ALGORITHMS = ("aws:kms", "aws:kms:dsse")
EXTERNAL_LEVELS = ("EXTERNAL", "EXTERNAL_VPC")
HSM_LEVELS = (*EXTERNAL_LEVELS, "HSM")


def _sse_rules_ok(rules: list) -> str | None:
    """None when every rule is SSE-KMS with a key, else what is wrong."""
    if not rules:
        return "has no server-side encryption rules"
    for rule in rules:
        default = P.get(rule, "applyServerSideEncryptionByDefault") or {}
        algorithm = P.get(default, "sseAlgorithm")
        if algorithm not in KMS_ALGORITHMS:
            return f"uses sseAlgorithm '{algorithm}', not a KMS key"
        if not P.customer_key(default, "kmsMasterKeyId"):
            return "uses aws:kms without a customer-managed kmsMasterKeyId (the AWS-managed key)"
    return None


@stack_rule("AILZ-ENC-001", *S3_BUCKETS, GCS_BUCKET)
def buckets_use_cmk(bucket: PlanResource, ix: PlanIndex, params: Params) -> Messages:
    if bucket.type == GCS_BUCKET:
        if not P.present(bucket.inputs, "encryption", "defaultKmsKeyName"):
            yield "GCS bucket has no encryption.defaultKmsKeyName"
        return
    configs = [c for t in S3_SSE for c in ix.referrers_via(bucket, "bucket", t)]
    inline = P.known_list(bucket.inputs, "serverSideEncryptionConfiguration", "rules")
    if not configs and not inline:
        yield "bucket has no SSE-KMS configuration with a customer-managed key"
    for config in configs:
        problem = _sse_rules_ok(P.known_list(config.inputs, "rules"))
        if problem:
            yield f"encryption configuration {config.name} {problem}"
    problem = _sse_rules_ok(inline) if inline else None
    if problem:
        yield f"inline encryption {problem}"


FS_KEY_INPUT = {
    "aws:fsx/lustreFileSystem:LustreFileSystem": "kmsKeyId",
    "aws:fsx/openZfsFileSystem:OpenZfsFileSystem": "kmsKeyId",
    "gcp:lustre/instance:Instance": "kmsKey",
    "gcp:filestore/instance:Instance": "kmsKeyName",
}


@resource_rule("AILZ-ENC-002", *FS_KEY_INPUT)
def filesystems_use_cmk(resource: PlanResource, ix: PlanIndex, params: Params) -> Messages:
    key = FS_KEY_INPUT[resource.type]
    if not P.customer_key(resource.inputs, key):
        yield f"parallel filesystem has no customer-managed {key} (provider-managed key)"


@resource_rule(
    "AILZ-ENC-003",
    "aws:ec2/launchTemplate:LaunchTemplate",
    "aws:ec2/instance:Instance",
    "aws:ebs/volume:Volume",
    "gcp:container/nodePool:NodePool",
    "gcp:compute/disk:Disk",
)
def volumes_use_cmk(resource: PlanResource, ix: PlanIndex, params: Params) -> Messages:
    inputs = resource.inputs
    if resource.type == "aws:ec2/launchTemplate:LaunchTemplate":
        mappings = [m for m in P.known_list(inputs, "blockDeviceMappings") if isinstance(m, dict)]
        if not mappings:
            yield "no blockDeviceMappings: the root volume falls back to the AMI's encryption"
        for mapping in mappings:
            ebs = P.get(mapping, "ebs") or {}
            device = P.get(mapping, "deviceName")
            if not P.truthy(P.get(ebs, "encrypted")) or not P.customer_key(ebs, "kmsKeyId"):
                yield f"volume {device} is not encrypted with a customer-managed kmsKeyId"
    elif resource.type == "aws:ec2/instance:Instance":
        root = P.get(inputs, "rootBlockDevice") or {}
        if not P.truthy(P.get(root, "encrypted")) or not P.customer_key(root, "kmsKeyId"):
            yield "root volume is not encrypted with a customer-managed kmsKeyId"
        for device in P.known_list(inputs, "ebsBlockDevices"):
            if isinstance(device, dict) and not (
                P.truthy(P.get(device, "encrypted")) and P.customer_key(device, "kmsKeyId")
            ):
                name = P.get(device, "deviceName")
                yield f"volume {name} is not encrypted with a customer-managed kmsKeyId"
    elif resource.type == "aws:ebs/volume:Volume":
        if not P.truthy(P.get(inputs, "encrypted")) or not P.customer_key(inputs, "kmsKeyId"):
            yield "volume is not encrypted with a customer-managed kmsKeyId"
    elif resource.type == "gcp:container/nodePool:NodePool":
        if not P.present(inputs, "nodeConfig", "bootDiskKmsKey"):
            yield "node pool has no nodeConfig.bootDiskKmsKey"
    elif not P.present(inputs, "diskEncryptionKey", "kmsKeySelfLink"):
        yield "disk has no diskEncryptionKey.kmsKeySelfLink"


@resource_rule(
    "AILZ-ENC-004",
    "aws:eks/cluster:Cluster",
    "gcp:container/cluster:Cluster",
    "aws:secretsmanager/secret:Secret",
)
def cluster_secrets_encrypted(resource: PlanResource, ix: PlanIndex, params: Params) -> Messages:
    inputs = resource.inputs
    if resource.type == "aws:eks/cluster:Cluster":
        config = P.get(inputs, "encryptionConfig") or {}
        if isinstance(config, list):
            config = config[0] if config else {}
        if "secrets" not in (P.get(config, "resources") or []) or not P.present(config, "provider", "keyArn"):
            yield "cluster has no encryptionConfig for 'secrets' with a KMS keyArn"
    elif resource.type == "gcp:container/cluster:Cluster":
        db = P.get(inputs, "databaseEncryption") or {}
        if P.get(db, "state") != "ENCRYPTED" or not P.present(db, "keyName"):
            yield "cluster has no databaseEncryption {state: ENCRYPTED, keyName}"
    elif not P.present(inputs, "kmsKeyId"):
        yield "secret is encrypted with the AWS-managed key, not a kmsKeyId"


@resource_rule("AILZ-ENC-005", "aws:kms/key:Key", "gcp:kms/cryptoKey:CryptoKey")
def keys_rotate(resource: PlanResource, ix: PlanIndex, params: Params) -> Messages:
    inputs = resource.inputs
    if resource.type == "aws:kms/key:Key":
        if P.present(inputs, "customKeyStoreId"):
            return
        if not P.truthy(P.get(inputs, "enableKeyRotation")):
            yield "KMS key has enableKeyRotation off"
    else:
        if P.get(inputs, "versionTemplate", "protectionLevel") in EXTERNAL_LEVELS:
            return
        if not P.present(inputs, "rotationPeriod"):
            yield "crypto key has no rotationPeriod"


@resource_rule("AILZ-ENC-006", "aws:kms/key:Key", "gcp:kms/cryptoKey:CryptoKey")
def external_keys(resource: PlanResource, ix: PlanIndex, params: Params) -> Messages:
    if ix.residency.get("key_management") != "external":
        return
    if resource.type == "aws:kms/key:Key":
        if not P.present(resource.inputs, "customKeyStoreId"):
            yield "key_management is external but the key lives in AWS KMS's own store (no customKeyStoreId)"
    else:
        level = P.get(resource.inputs, "versionTemplate", "protectionLevel") or "SOFTWARE"
        if level not in HSM_LEVELS:
            yield f"key_management is external but the key's protectionLevel is {level}"
