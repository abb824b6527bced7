"""`ailz diff`: a base/head pair (a pool added, a storage tier resized, a subnet moved) gives the
added, changed and removed resources with their paths, the risks, and masks secrets."""

from __future__ import annotations

import copy
import json

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from ailz.cli.app import app
from ailz.components.kinds import load_text
from ailz.stacks.diff import SECRET, diff_plans, flatten
from ailz.stacks.plan import Plan, PlanResource
from ailz.stacks.synth import synthesize
from tests.conftest import EXAMPLES

runner = CliRunner()
BASE = yaml.safe_load((EXAMPLES / "aws-p5-training.yaml").read_text())


def plan_of(document: dict) -> Plan:
    return synthesize(load_text(yaml.safe_dump(document, sort_keys=False), "zone.yaml"))


@pytest.fixture(scope="module")
def base_plan() -> Plan:
    return plan_of(BASE)


@pytest.fixture(scope="module")
def head_plan() -> Plan:
    head = copy.deepcopy(BASE)
    target = head["targets"][0]
    pool = copy.deepcopy(target["gpu_pools"][0])
    pool.update(name="extra", nodes=2, capacity={"kind": "on-demand"})
    pool.pop("min_nodes", None)
    pool.pop("max_nodes", None)
    target["gpu_pools"].append(pool)
    target["storage"]["warm"]["capacity_gib"] = 9600
    return plan_of(head)


def test_no_changes_between_a_plan_and_itself(base_plan):
    assert diff_plans(base_plan, base_plan).empty


def test_a_pool_added_and_a_tier_resized(base_plan, head_plan):
    result = diff_plans(base_plan, head_plan)
    added = {(r.type, r.name) for r in result.added}
    assert ("aws:eks/nodeGroup:NodeGroup", "aws-train-extra") in added
    assert ("aws:ec2/launchTemplate:LaunchTemplate", "aws-train-extra") in added
    assert not result.removed
    lustre = next(r for r in result.changed if r.type == "aws:fsx/lustreFileSystem:LustreFileSystem")
    assert [(c.path, c.old, c.new) for c in lustre.changes] == [("storageCapacity", 4800.0, 9600.0)]
    assert not lustre.risks, "growing FSx for Lustre is an update in place"
    group = next(r for r in result.added if r.type == "aws:eks/nodeGroup:NodeGroup")
    assert "adds GPU capacity" in group.risks


def test_the_json_contract(base_plan, head_plan):
    document = diff_plans(base_plan, head_plan).to_json()
    assert set(document) == {"added", "removed", "changed"}
    for item in document["added"] + document["changed"]:
        assert {"urn", "type", "name", "target"} <= set(item)
    for item in document["changed"]:
        assert item["changes"] and all(set(c) == {"path", "old", "new"} for c in item["changes"])


def _plan(*resources: PlanResource) -> Plan:
    return Plan(zone="z", spec_file=None, targets=[], resources=list(resources))


def _resource(type_token: str, inputs: dict, **options) -> PlanResource:
    return PlanResource(
        type=type_token,
        name="r",
        urn=f"urn:pulumi:s::p::{type_token}::r",
        parent=None,
        target="t",
        inputs=inputs,
        options=options,
    )


def test_replacements_rolls_capacity_and_protection_are_risks():
    cases = [
        (
            "aws:ec2/vpc:Vpc",
            {"cidrBlock": "10.0.0.0/16"},
            {"cidrBlock": "10.1.0.0/16"},
            "replaces the resource",
        ),
        ("aws:eks/cluster:Cluster", {"name": "a"}, {"name": "b"}, "replaces the resource"),
        ("aws:eks/nodeGroup:NodeGroup", {"subnetIds": ["a"]}, {"subnetIds": ["b"]}, "replaces the resource"),
        ("gcp:kms/keyRing:KeyRing", {"name": "a"}, {"name": "b"}, "replaces the resource"),
        (
            "aws:eks/nodeGroup:NodeGroup",
            {"launchTemplate": {"version": "1"}},
            {"launchTemplate": {"version": "2"}},
            "rolls its nodes",
        ),
        (
            "aws:ec2/launchTemplate:LaunchTemplate",
            {"imageId": "ami-1"},
            {"imageId": "ami-2"},
            "rolls its nodes",
        ),
        (
            "aws:eks/nodeGroup:NodeGroup",
            {"scalingConfig": {"desiredSize": 4}},
            {"scalingConfig": {"desiredSize": 8}},
            "changes GPU capacity",
        ),
        (
            "gcp:container/nodePool:NodePool",
            {"nodeConfig": {"reservationAffinity": {"values": ["a"]}}},
            {"nodeConfig": {"reservationAffinity": {"values": ["b"]}}},
            "replaces the resource",
        ),
    ]
    for type_token, old, new, words in cases:
        (item,) = diff_plans(_plan(_resource(type_token, old)), _plan(_resource(type_token, new))).changed
        assert any(words in risk for risk in item.risks), (type_token, item.risks)
    (item,) = diff_plans(
        _plan(_resource("aws:s3/bucketV2:BucketV2", {"tags": {"a": "1"}}, protect=True)),
        _plan(_resource("aws:s3/bucketV2:BucketV2", {"tags": {"a": "2"}}, protect=True)),
    ).changed
    assert item.risks == ["touches a protected resource"]
    (item,) = diff_plans(
        _plan(_resource("aws:ec2/vpc:Vpc", {"enableDnsHostnames": False})),
        _plan(_resource("aws:ec2/vpc:Vpc", {"enableDnsHostnames": True})),
    ).changed
    assert not item.risks


def test_secrets_are_never_printed():
    old = _resource(
        "kubernetes:core/v1:Secret", {"stringData": {"key": "hunter2"}, "metadata": {"name": "s"}}
    )
    new = _resource(
        "kubernetes:core/v1:Secret", {"stringData": {"key": "swordfish"}, "metadata": {"name": "s"}}
    )
    (item,) = diff_plans(_plan(old), _plan(new)).changed
    assert [(c.path, c.old, c.new) for c in item.changes] == [("stringData.key", SECRET, SECRET)]
    old = _resource("aws:rds/instance:Instance", {"password": "a"})
    new = _resource("aws:rds/instance:Instance", {"password": "b"})
    text = json.dumps(diff_plans(_plan(old), _plan(new)).to_json())
    assert '"a"' not in text and '"b"' not in text and SECRET in text


values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text("abc", min_size=1, max_size=3), inner, max_size=3)
    ),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(values, values)
def test_diff_is_empty_exactly_when_inputs_are_equal(a, b):
    result = diff_plans(_plan(_resource("x:y:Z", {"v": a})), _plan(_resource("x:y:Z", {"v": b})))
    assert result.empty == (flatten({"v": a}) == flatten({"v": b}))


def test_cli_exit_codes_and_formats(tmp_path, base_plan, head_plan):
    base, head = tmp_path / "base.json", tmp_path / "head.json"
    base.write_text(base_plan.to_json())
    head.write_text(head_plan.to_json())
    same = runner.invoke(app, ["diff", str(base), str(base)])
    assert same.exit_code == 0 and "no changes" in same.stdout
    changed = runner.invoke(app, ["diff", str(base), str(head), "-o", "json"])
    assert changed.exit_code == 1
    document = json.loads(changed.stdout)
    assert document["added"] and document["cost"]["head"]["currency"] == "USD"
    markdown = runner.invoke(app, ["diff", str(base), str(head), "-o", "markdown"])
    assert (
        markdown.exit_code == 1
        and "### ailz diff" in markdown.stdout
        and "adds GPU capacity" in markdown.stdout
    )
    missing = runner.invoke(app, ["diff", str(base), str(tmp_path / "nope.json")])
    assert missing.exit_code == 2


def test_pulumi_secret_values_are_masked():
    secret = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "value": "token-a"}
    other = {**secret, "value": "token-b"}
    old = _resource("pulumi:providers:kubernetes", {"kubeconfig": secret})
    new = _resource("pulumi:providers:kubernetes", {"kubeconfig": other})
    (item,) = diff_plans(_plan(old), _plan(new)).changed
    assert [(c.path, c.old, c.new) for c in item.changes] == [("kubeconfig", SECRET, SECRET)]
    assert "token" not in json.dumps(diff_plans(_plan(old), _plan(new)).to_json())
    assert diff_plans(
        _plan(old), _plan(_resource("pulumi:providers:kubernetes", {"kubeconfig": secret}))
    ).empty


def test_ignored_changes_are_not_changes():
    old = _resource(
        "aws:eks/nodeGroup:NodeGroup",
        {"scalingConfig": {"desiredSize": 4}},
        ignore_changes=["scalingConfig.desiredSize"],
    )
    new = _resource(
        "aws:eks/nodeGroup:NodeGroup",
        {"scalingConfig": {"desiredSize": 8}},
        ignore_changes=["scalingConfig.desiredSize"],
    )
    assert diff_plans(_plan(old), _plan(new)).empty


def test_conditional_replacements():
    fsx = "aws:fsx/lustreFileSystem:LustreFileSystem"
    (shrunk,) = diff_plans(
        _plan(_resource(fsx, {"storageCapacity": 4800})), _plan(_resource(fsx, {"storageCapacity": 2400}))
    ).changed
    assert any("storageCapacity (decreased)" in r for r in shrunk.risks)
    (grown,) = diff_plans(
        _plan(_resource(fsx, {"storageCapacity": 4800})), _plan(_resource(fsx, {"storageCapacity": 9600}))
    ).changed
    assert not grown.risks
    subnet = "gcp:compute/subnetwork:Subnetwork"
    (moved,) = diff_plans(
        _plan(_resource(subnet, {"ipCidrRange": "10.40.0.0/20"})),
        _plan(_resource(subnet, {"ipCidrRange": "10.41.0.0/20"})),
    ).changed
    assert any("not an expansion" in r for r in moved.risks)
    (expanded,) = diff_plans(
        _plan(_resource(subnet, {"ipCidrRange": "10.40.0.0/20"})),
        _plan(_resource(subnet, {"ipCidrRange": "10.40.0.0/19"})),
    ).changed
    assert not expanded.risks


def test_what_takes_a_replaced_resources_id_is_named():
    vpc = _resource("aws:ec2/vpc:Vpc", {"cidrBlock": "10.0.0.0/16"})
    group = PlanResource(
        type="aws:eks/nodeGroup:NodeGroup",
        name="g",
        urn="urn:pulumi:s::p::ng::g",
        parent=None,
        target="t",
        inputs={"subnetIds": ["x"]},
        property_dependencies={"subnetIds": [vpc.urn]},
    )
    moved = _resource("aws:ec2/vpc:Vpc", {"cidrBlock": "10.1.0.0/16"})
    result = diff_plans(_plan(vpc, group), _plan(moved, group))
    dependent = next(c for c in result.changed if c.name == "g")
    assert any("may be replaced too" in r for r in dependent.risks) and not dependent.changes
