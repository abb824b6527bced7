"""Programs ailz did not write: provider configuration as JSON strings, tagsAll, resources named by
literal ids, update previews without unchanged resources, local-backend state files, and a spec
that gives a preview its zone."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from ailz.cli.app import app
from ailz.policies.gate import run_gate
from ailz.policies.inputs import plan_from_json
from tests.conftest import EXAMPLES

COST = {"cost-center": "cc-1", "team": "ml", "environment": "prod", "landing-zone": "lz"}
STACK = "urn:pulumi:prod::train"


def _state(type_token: str, name: str, inputs: dict, **extra) -> dict:
    return {
        "urn": f"{STACK}::{type_token}::{name}",
        "type": type_token,
        "custom": True,
        "inputs": inputs,
        **extra,
    }


def _provider(**inputs) -> dict:
    return _state("pulumi:providers:aws", "default", {"region": "eu-west-1", **inputs}, id="p-1")


def _findings(document: dict, rule: str) -> list:
    plan, _ = plan_from_json(document)
    return [f for f in run_gate(plan, profile="prod").findings if f.rule_id == rule]


def _preview(*states, op="create") -> dict:
    return {"steps": [{"op": op, "urn": s["urn"], "newState": s} for s in states]}


def test_default_tags_in_provider_configuration_given_as_a_json_string():
    provider = _provider(defaultTags=json.dumps({"tags": COST}))
    vpc = _state("aws:ec2/vpc:Vpc", "vpc", {"cidrBlock": "10.0.0.0/16"}, provider=f"{provider['urn']}::p-1")
    assert _findings(_preview(provider, vpc), "AILZ-CAP-003") == []
    bare = _state(
        "aws:ec2/vpc:Vpc", "vpc", {"cidrBlock": "10.0.0.0/16"}, provider=f"{_provider()['urn']}::p-1"
    )
    assert _findings(_preview(_provider(), bare), "AILZ-CAP-003")


def test_tags_all_of_a_state_file_counts():
    vpc = _state("aws:ec2/vpc:Vpc", "vpc", {"cidrBlock": "10.0.0.0/16"}, outputs={"tagsAll": COST})
    export = {"deployment": {"resources": [vpc]}}
    assert _findings(export, "AILZ-CAP-003") == []


def test_a_resource_named_by_its_literal_id_is_that_resource():
    sg = _state(
        "aws:ec2/securityGroup:SecurityGroup", "efa",
        {"ingress": [{"self": True, "protocol": "-1", "fromPort": 0, "toPort": 0}],
         "egress": [{"self": True, "protocol": "-1", "fromPort": 0, "toPort": 0}], "tags": COST},
        id="sg-0abc",
    )  # fmt: skip
    nics = [
        {"networkCardIndex": i, "deviceIndex": min(i, 1), "interfaceType": "efa" if i == 0 else "efa-only",
         "securityGroups": ["sg-0abc"]}
        for i in range(32)
    ]  # fmt: skip
    lt = _state(
        "aws:ec2/launchTemplate:LaunchTemplate", "lt",
        {"instanceType": "p5.48xlarge", "networkInterfaces": nics, "tags": COST}, id="lt-1",
    )  # fmt: skip
    export = {"deployment": {"resources": [sg, lt]}}
    messages = [f.message for f in _findings(export, "AILZ-FAB-004")]
    assert not any("no security group from the plan" in m for m in messages), messages


def test_an_update_preview_without_unchanged_resources_says_so():
    vpc = _state("aws:ec2/vpc:Vpc", "vpc", {"cidrBlock": "10.0.0.0/16", "tags": COST})
    plan, _ = plan_from_json(_preview(vpc, op="update"))
    assert plan.notes and "--show-sames" in plan.notes[0]
    result = run_gate(plan, profile="prod")
    assert "--show-sames" in result.text()
    with_sames = _preview(vpc, op="update")
    with_sames["steps"].append(
        {"op": "same", "urn": vpc["urn"] + "2", "newState": {**vpc, "urn": vpc["urn"] + "2"}}
    )
    assert plan_from_json(with_sames)[0].notes == []


def test_the_local_backend_state_file_ailz_up_writes(tmp_path):
    vpc = _state("aws:ec2/vpc:Vpc", "vpc", {"cidrBlock": "10.0.0.0/16", "tags": {"team": "ml"}})
    checkpoint = {
        "version": 3,
        "checkpoint": {"stack": "prod", "latest": {"manifest": {}, "resources": [vpc]}},
    }
    path = tmp_path / "prod.json"
    path.write_text(json.dumps(checkpoint))
    result = CliRunner().invoke(app, ["policy", "check", str(path), "--profile", "prod"])
    assert result.exit_code == 1 and "AILZ-CAP-003" in result.output


def test_a_spec_gives_a_preview_its_zone(tmp_path):
    container = {"name": "x", "image": "docker.io/library/nginx@sha256:" + "a" * 64}
    deploy = _state(
        "kubernetes:apps/v1:Deployment", "serve",
        {"metadata": {"name": "serve", "namespace": "research"},
         "spec": {"template": {"spec": {"containers": [container]}}}},
    )  # fmt: skip
    path = tmp_path / "preview.json"
    path.write_text(json.dumps(_preview(deploy)))
    spec = str(EXAMPLES / "onprem-sovereign.yaml")
    bare = CliRunner().invoke(app, ["policy", "check", str(path), "--profile", "prod", "-f", "json"])
    zoned = CliRunner().invoke(
        app, ["policy", "check", str(path), "--profile", "prod", "-f", "json", "--zone", spec]
    )
    rules = lambda r: {f["rule_id"] for f in json.loads(r.stdout)["findings"]}  # noqa: E731
    assert "AILZ-RES-004" not in rules(bare)  # no registry policy known without the zone
    assert "AILZ-RES-004" in rules(zoned)  # the sovereign target's mirror is the only registry
    wrong = CliRunner().invoke(app, ["policy", "check", str(path), "--zone", spec, "--target", "nope"])
    assert wrong.exit_code == 2 and "no target named 'nope'" in wrong.output


def test_findings_in_a_json_input_point_at_the_line_of_their_resource(tmp_path):
    vpc = _state("aws:ec2/vpc:Vpc", "vpc", {"cidrBlock": "10.0.0.0/16", "tags": {"team": "ml"}})
    path = tmp_path / "preview.json"
    path.write_text(json.dumps(_preview(_provider(), vpc), indent=2))
    result = CliRunner().invoke(app, ["policy", "check", str(path), "--profile", "prod", "-f", "json"])
    finding = next(f for f in json.loads(result.stdout)["findings"] if f["rule_id"] == "AILZ-CAP-003")
    lines = path.read_text().splitlines()
    assert finding["file"] == str(path) and finding["line"] > 1
    assert '"urn": "urn:pulumi:prod::train::aws:ec2/vpc:Vpc::vpc"' in lines[finding["line"] - 1]


def test_resources_the_program_only_reads_are_not_gated():
    vpc = _state("aws:ec2/vpc:Vpc", "shared", {"cidrBlock": "10.0.0.0/16"})  # no cost tags: not ours
    assert _findings(_preview(vpc, op="read"), "AILZ-CAP-003") == []
    export = {"deployment": {"resources": [{**vpc, "external": True}]}}
    assert _findings(export, "AILZ-CAP-003") == []


def test_a_failed_preview_is_an_input_error(tmp_path):
    path = tmp_path / "preview.json"
    path.write_text(
        json.dumps({"steps": [], "diagnostics": [{"severity": "error", "message": "boom\nmore"}]})
    )
    result = CliRunner().invoke(app, ["policy", "check", str(path)])
    assert result.exit_code == 2 and "the preview failed (boom)" in result.output


def test_a_gzipped_local_backend_state_file(tmp_path):
    import gzip

    vpc = _state("aws:ec2/vpc:Vpc", "vpc", {"cidrBlock": "10.0.0.0/16", "tags": COST})
    path = tmp_path / "prod.json.gz"
    path.write_bytes(gzip.compress(json.dumps({"checkpoint": {"latest": {"resources": [vpc]}}}).encode()))
    assert CliRunner().invoke(app, ["policy", "check", str(path), "--profile", "prod"]).exit_code == 0
    path.write_bytes(b"\x1f\x8bnot gzip")
    broken = CliRunner().invoke(app, ["policy", "check", str(path)])
    assert broken.exit_code == 2 and "Traceback" not in broken.output


def test_attaching_a_policy_the_program_creates_is_judged_by_its_document():
    from ailz.policies.props import UNKNOWN

    read = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}
    policy = _state(
        "aws:iam/policy:Policy", "read", {"policy": json.dumps({"Statement": [read]}), "tags": COST}
    )
    attachment = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
    refs = {"policyArn": [policy["urn"]]}
    attach = _state(attachment, "use", {"role": "r", "policyArn": UNKNOWN}, propertyDependencies=refs)
    for rule in ("AILZ-EXP-007", "AILZ-IAM-003"):
        assert _findings(_preview(policy, attach), rule) == [], rule
