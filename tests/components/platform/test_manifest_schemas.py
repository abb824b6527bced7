"""Every Kubernetes object ailz declares is one the API server (or the CRD) accepts."""

from __future__ import annotations

import pytest

from tests.components.platform.helpers import manifests
from tests.k8s_schema import validate_manifest

EXAMPLE_TARGETS = [
    ("onprem-sovereign", "fra-dgx", "1.32"),
    ("onprem-sriov-roce", "ams-hgx", "1.32"),
    ("hybrid-sovereign", "fra-dgx", "1.32"),
]
CLOUD_TARGETS = [("aws-p5-training", "aws-train", "1.35"), ("gcp-a3-ultra", "gcp-train", "1.35")]


def _validate_all(objects, version):
    assert objects
    problems = []
    for obj in objects:
        try:
            validate_manifest(obj, version)
        except AssertionError as err:
            problems.append(str(err))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("example", "target", "version"), EXAMPLE_TARGETS)
def test_onprem_objects_validate(example_plan, example, target, version):
    _validate_all(manifests(example_plan(example), target), version)


@pytest.mark.parametrize(("example", "target", "version"), CLOUD_TARGETS)
def test_cloud_platform_objects_validate(cloud_plan, example, target, version):
    plan = cloud_plan(example)
    target = next(t.name for t in plan.targets)
    _validate_all(manifests(plan, target), version)


def test_schema_check_can_fail():
    """The validator rejects what a cluster would: a Kueue queue with a wrong field, a bad Role."""
    with pytest.raises(AssertionError):
        validate_manifest(
            {
                "apiVersion": "kueue.x-k8s.io/v1beta1",
                "kind": "LocalQueue",
                "metadata": {"name": "q", "namespace": "t"},
                "spec": {"clusterQueu": "typo"},
            }
        )
    with pytest.raises(AssertionError):
        validate_manifest(
            {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "Role",
                "metadata": {"name": "r", "namespace": "t"},
                "rules": [{"apiGroups": [""], "resources": ["pods"], "verb": ["get"]}],
            }
        )
