"""The storage key's policy names the Auto Scaling service-linked role: on a fresh account it is
created first and the key waits for it; where it exists nothing is created."""

from __future__ import annotations

import pytest

from ailz.components.aws.fakes import AWS_FAKES
from ailz.components.common.fakes import InvokeFailure
from ailz.components.kinds import load_spec
from ailz.stacks.synth import synthesize
from tests.conftest import EXAMPLES
from tests.inventory import one

SLR = "aws:iam/serviceLinkedRole:ServiceLinkedRole"


def test_an_account_that_has_the_role_gets_no_new_one(aws_plan):
    assert aws_plan.of_type(SLR) == []


def test_a_fresh_account_gets_the_role_before_the_storage_key(monkeypatch):
    def no_service_roles(args, ctx):
        assert args["pathPrefix"] == "/aws-service-role/autoscaling.amazonaws.com/"
        return {"names": [], "arns": [], "id": ctx.region}

    monkeypatch.setitem(AWS_FAKES.invokes, "aws:iam/getRoles:getRoles", no_service_roles)
    plan = synthesize(load_spec(EXAMPLES / "aws-p5-training.yaml"))
    role = one(plan, SLR)
    assert role.inputs["awsServiceName"] == "autoscaling.amazonaws.com"
    storage_key = one(plan, "aws:kms/key:Key", "aws-train-storage")
    assert role.urn in storage_key.dependencies


def test_other_lookup_failures_are_not_taken_for_a_missing_role(monkeypatch):
    def denied(args, ctx):
        raise InvokeFailure("AccessDenied: not authorized to perform iam:GetRole")

    monkeypatch.setitem(AWS_FAKES.invokes, "aws:iam/getRoles:getRoles", denied)
    with pytest.raises(Exception, match="AccessDenied"):
        synthesize(load_spec(EXAMPLES / "aws-p5-training.yaml"))
