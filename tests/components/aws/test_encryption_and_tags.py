"""Every encrypted resource names a zone key; every taggable resource carries the zone tags."""

from __future__ import annotations

import importlib
import inspect
import re
from functools import cache

import pytest

from tests.inventory import one

# Resource type -> the input that names its KMS key.
KEY_INPUTS = {
    "aws:eks/cluster:Cluster": "encryptionConfig",
    "aws:cloudwatch/logGroup:LogGroup": "kmsKeyId",
    "aws:fsx/lustreFileSystem:LustreFileSystem": "kmsKeyId",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": "rules",
    "aws:ec2/launchTemplate:LaunchTemplate": "blockDeviceMappings",
}
REQUIRED_TAGS = {"cost-center", "team", "environment", "landing-zone", "target", "managed-by"}


@cache
def taggable(type_token: str) -> bool:
    """Whether the resource type takes `tags`, read from the provider SDK's own signature."""
    provider, module_path, kind = type_token.split(":")
    if provider != "aws":
        return False
    module = importlib.import_module(f"pulumi_aws.{module_path.split('/')[0]}")
    cls = getattr(module, kind)
    return "tags" in inspect.signature(cls._internal_init).parameters


@pytest.mark.parametrize("plan_name", ["aws_plan", "docs_plan"])
def test_every_encrypted_resource_uses_a_zone_key(request, plan_name):
    plan = request.getfixturevalue(plan_name)
    keys = [r.urn for r in plan.of_type("aws:kms/key:Key")]
    external = plan.context["residency"]["key_management"] == "external"
    checked = 0
    for resource in plan.resources:
        field = KEY_INPUTS.get(resource.type)
        if field is None:
            continue
        checked += 1
        if external:
            assert re.search(r"arn:aws:kms:eu-central-1:111122223333:key/", str(resource.inputs[field])), (
                resource.urn
            )
        else:
            assert set(resource.property_dependencies.get(field, [])) & set(keys), resource.urn
    assert checked >= 8
    if external:
        assert keys == []


def test_storage_key_on_node_volumes_and_lustre(aws_plan):
    storage = one(aws_plan, "aws:kms/key:Key", "aws-train-storage").urn
    for lt in aws_plan.of_type("aws:ec2/launchTemplate:LaunchTemplate"):
        assert lt.property_dependencies["blockDeviceMappings"] == [storage]
    fs = one(aws_plan, "aws:fsx/lustreFileSystem:LustreFileSystem")
    assert fs.property_dependencies["kmsKeyId"] == [storage]


def test_keys_rotate_and_have_aliases(aws_plan):
    keys = aws_plan.of_type("aws:kms/key:Key")
    assert len(keys) == 3
    assert all(k.inputs["enableKeyRotation"] is True for k in keys)
    aliases = sorted(a.inputs["name"] for a in aws_plan.of_type("aws:kms/alias:Alias"))
    assert aliases == [f"alias/ailz/acme-ai/aws-train/{c}" for c in ("logs", "secrets", "storage")]


@pytest.mark.parametrize("plan_name", ["aws_plan", "docs_plan"])
def test_every_taggable_resource_is_tagged(request, plan_name):
    plan = request.getfixturevalue(plan_name)
    tagged = 0
    for resource in plan.resources:
        if not resource.custom or not taggable(resource.type):
            continue
        tags = resource.inputs.get("tags") or {}
        missing = REQUIRED_TAGS - set(tags)
        assert not missing, f"{resource.type} {resource.name} lacks {missing}"
        tagged += 1
    assert tagged > 50


def test_pool_resources_carry_pool_tags(aws_plan):
    lt = one(aws_plan, "aws:ec2/launchTemplate:LaunchTemplate", "aws-train-h100")
    for spec in lt.inputs["tagSpecifications"]:
        assert spec["tags"]["pool"] == "h100"
        assert spec["tags"]["gpu-type"] == "H100-SXM5-80GB"
    assert one(aws_plan, "aws:eks/nodeGroup:NodeGroup", "aws-train-h100").inputs["tags"]["pool"] == "h100"
