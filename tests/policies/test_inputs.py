"""Input adapters: ailz plan JSON, `pulumi preview --json` and `pulumi stack export` become Plans."""

from __future__ import annotations

from pathlib import Path

import pytest

from ailz.policies.config import PolicyInputError
from ailz.policies.evaluate import evaluate
from ailz.policies.inputs import load_json_plan, plan_from_json
from ailz.policies.table import RULES
from tests.policies.fixtures import compliant, plan_of

DATA = Path(__file__).parent / "data"
MANDATORY = {rule.id: "mandatory" for rule in RULES}


def test_preview_steps_become_resources():
    plan, kind = load_json_plan(DATA / "preview.json")
    assert kind == "pulumi-preview"
    assert plan.zone == "dev"
    assert [(r.type, r.name) for r in plan.resources] == [
        ("aws:ec2/launchTemplate:LaunchTemplate", "gpu"),
        ("aws:iam/role:Role", "admin"),
    ]  # the stack and the deleted policy are not judged
    assert plan.resources[0].parent.endswith("::app-dev")


def test_preview_unknowns_fail_closed():
    plan, _ = load_json_plan(DATA / "preview.json")
    found = [f for f in evaluate(plan, MANDATORY) if f.rule_id == "AILZ-EXP-004"]
    assert len(found) == 1 and found[0].unknown
    assert "metadataOptions.httpTokens" in found[0].message


def test_stack_export_keeps_the_graph():
    plan, kind = load_json_plan(DATA / "stack-export.json")
    assert kind == "pulumi-stack-export"
    found = {(f.rule_id, f.name) for f in evaluate(plan, MANDATORY)}
    # the access block refers to the bucket only through propertyDependencies
    assert ("AILZ-EXP-002", "data") in found
    assert any("restrictPublicBuckets" in f.message for f in evaluate(plan, MANDATORY))


def test_ailz_plan_round_trip():
    plan = plan_of(compliant())
    again, kind = plan_from_json(plan.to_dict())
    assert kind == "ailz-plan"
    assert evaluate(again, MANDATORY) == []


@pytest.mark.parametrize(
    "document, message",
    [
        ([], "expected a JSON object"),
        ({"hello": 1}, "unknown JSON"),
        ({"format": "ailz-plan"}, "malformed ailz plan"),
        ({"deployment": []}, "no 'deployment' object"),
        ({"steps": [{"op": "create", "newState": {"inputs": {}}}]}, "lacks 'urn' or 'type'"),
    ],
)
def test_bad_documents(document, message):
    with pytest.raises(PolicyInputError, match=message):
        plan_from_json(document, "x.json")


def test_secrets_are_unwrapped_or_unknown():
    from ailz.policies.inputs import SECRET_SIG, SECRET_VALUE, plain_value
    from ailz.policies.props import UNKNOWN

    plaintext = {SECRET_SIG: SECRET_VALUE, "plaintext": '"arn:aws:kms:eu-west-1:1:key/k"'}
    encrypted = {SECRET_SIG: SECRET_VALUE, "ciphertext": "v1:abc"}
    assert plain_value({"kmsKeyId": plaintext, "policy": encrypted, "x": ["[secret]"]}) == {
        "kmsKeyId": "arn:aws:kms:eu-west-1:1:key/k",
        "policy": UNKNOWN,
        "x": [UNKNOWN],
    }
