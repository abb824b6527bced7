"""Reporters: golden files for every format, SARIF against the 2.1.0 structure, JUnit and annotations."""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import re
from pathlib import Path
from xml.etree import ElementTree as ET

import jsonschema
import pytest

from ailz.policies.gate import run_gate
from ailz.policies.report import render
from ailz.policies.table import RULES
from tests.golden import updating_golden
from tests.policies.fixtures import compliant, plan_of

HERE = Path(__file__).parent
ROOT = HERE.parent.parent
GOLDEN = HERE / "golden"
FORMATS = {"text": "txt", "json": "json", "sarif": "sarif", "junit": "xml", "markdown": "md", "github": "txt"}
TODAY = dt.date(2026, 6, 1)


@pytest.fixture(scope="module")
def result():
    """One blocking, one advisory, one waived finding and two waiver-file problems."""
    os.chdir(ROOT)
    resources = compliant()
    resources["pg"].inputs["strategy"] = "spread"  # AILZ-FAB-001, mandatory
    resources["role"].inputs.pop("permissionsBoundary")  # AILZ-EXP-005, waived
    resources["pool"].inputs["nodeConfig"].pop("reservationAffinity")  # AILZ-CAP-002, advisory
    gated = run_gate(plan_of(resources), waivers="tests/policies/data/waivers.yaml", today=TODAY)
    gated.seconds = 0.042  # golden reports carry a fixed duration
    return gated


def test_verdict(result):
    assert not result.passed
    assert {f.rule_id for f in result.blocking} == {"AILZ-FAB-001", "AILZ-WVR-001"}
    assert [f.rule_id for f in result.of_status("waived")] == ["AILZ-EXP-005"]
    advisory = [f for f in result.of_status("open") if not f.blocking]
    assert [f.rule_id for f in advisory] == ["AILZ-CAP-002"]
    problems = [f for f in result.findings if f.rule_id == "AILZ-WVR-001"]
    assert sorted(f.line for f in problems) == [7, 12]
    assert any("expired on 2026-01-31" in f.message for f in problems)
    assert any("required key 'resource' is missing" in f.message for f in problems)


@pytest.mark.parametrize("fmt", FORMATS)
def test_golden(result, fmt):
    text = render(result, fmt, input_file="zone.yaml")
    path = GOLDEN / f"report-{fmt}.{FORMATS[fmt]}"
    if updating_golden():  # AILZ_UPDATE_GOLDEN=1, as for every golden file
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def test_sarif_valid(result):
    document = json.loads(render(result, "sarif", input_file="zone.yaml"))
    schema = json.loads((HERE / "sarif-2.1.0-subset.schema.json").read_text())
    jsonschema.validate(document, schema, format_checker=jsonschema.FormatChecker())
    categories = [run["automationDetails"]["id"] for run in document["runs"]]
    assert len(categories) == len(set(categories)), "GitHub needs one category per run"
    fabric = next(r for r in document["runs"] if r["automationDetails"]["id"] == "ailz-policy/fabric/")
    (finding,) = fabric["results"]
    assert finding["ruleId"] == "AILZ-FAB-001" and finding["level"] == "error"
    assert fabric["tool"]["driver"]["rules"][finding["ruleIndex"]]["id"] == "AILZ-FAB-001"
    assert finding["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "zone.yaml", "uriBaseId": "%SRCROOT%"},  # relative to the checkout
        "region": {"startLine": 10},
    }
    exposure = next(r for r in document["runs"] if r["automationDetails"]["id"] == "ailz-policy/exposure/")
    assert exposure["results"][0]["suppressions"][0]["kind"] == "external"


def test_sarif_schema_rejects_what_github_rejects(result):
    schema = json.loads((HERE / "sarif-2.1.0-subset.schema.json").read_text())
    document = json.loads(render(result, "sarif", input_file="zone.yaml"))
    del document["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, schema)


def test_junit_counts(result):
    root = ET.fromstring(render(result, "junit").split("\n", 1)[1])
    assert root.tag == "testsuites"
    assert int(root.get("failures")) == 2
    assert int(root.get("tests")) == len(RULES) + 1  # every rule + the waiver check
    failed = [c.get("name") for c in root.iter("testcase") if c.find("failure") is not None]
    assert [n.split()[0] for n in failed] == ["AILZ-FAB-001", "AILZ-WVR-001"]


def test_github_annotations(result):
    lines = render(result, "github", input_file="zone.yaml").splitlines()
    errors = [line for line in lines if line.startswith("::error ")]
    assert len(errors) == 3
    assert any(
        re.match(r"^::error file=zone\.yaml,line=10,title=AILZ-FAB-001 [^:]+::placement group", e)
        for e in errors
    )
    assert any(line.startswith("::warning file=zone.yaml,line=10,title=AILZ-CAP-002") for line in lines)


def test_text_is_plain_without_colour_and_coloured_on_request(result):
    assert "\033[" not in result.text()
    assert "\033[31m" in render(result, "text", color=True)


def test_markdown_stays_within_a_pr_comment():
    resources = compliant()
    for i in range(120):
        role = copy.deepcopy(resources["role"])
        role.name, role.urn = f"r{i}", role.urn + str(i)
        role.inputs.pop("permissionsBoundary")
        resources[f"r{i}"] = role
    text = render(run_gate(plan_of(resources)), "markdown")
    assert "...and 70 more" in text and len(text) < 65536


def test_absolute_spec_paths_become_repository_relative(result):
    finding = copy.deepcopy(result.blocking[0])
    finding.file = str(ROOT / "examples" / "zone.yaml")
    from ailz.policies.report import _location

    assert _location(finding, None) == ("examples/zone.yaml", 10)


def test_junit_carries_what_common_consumers_read(result):
    from xml.etree import ElementTree as ET

    root = ET.fromstring(render(result, "junit", input_file="zone.yaml"))
    for element in [root, *root.iter("testsuite")]:
        assert {"name", "tests", "failures", "errors", "skipped", "time"} <= set(element.attrib), element.tag
        float(element.get("time"))
    assert sum(int(s.get("tests")) for s in root.iter("testsuite")) == int(root.get("tests"))


def test_sarif_uris_outside_the_checkout_are_file_uris(result, tmp_path):
    from ailz.policies.report import _artifact

    outside = _artifact(str(tmp_path / "preview.json"))
    assert outside["uri"].startswith("file:///") and "uriBaseId" not in outside
    assert _artifact("examples/zone with space.yaml") == {
        "uri": "examples/zone%20with%20space.yaml",
        "uriBaseId": "%SRCROOT%",
    }
    document = json.loads(render(result, "sarif", input_file="zone.yaml"))
    uris = [
        loc["physicalLocation"]["artifactLocation"]["uri"]
        for run in document["runs"] for res in run["results"] for loc in res["locations"]
    ]  # fmt: skip
    assert uris and not any(u.startswith("/") for u in uris)


def test_one_finding_per_rule_and_resource(example_plan):
    # two EFA launch templates share one security group: its finding is reported once
    import copy

    plan = copy.deepcopy(example_plan("aws-p5-training"))
    sg = next(
        r for r in plan.resources if r.type == "aws:ec2/securityGroup:SecurityGroup" and "efa" in r.name
    )
    ingress = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
    rules = [r for r in plan.resources if r.type == ingress]
    clone = copy.deepcopy(
        next(r for r in rules if sg.urn in r.property_dependencies.get("securityGroupId", []))
    )
    clone.urn += "-world"
    clone.inputs.update({"cidrIpv4": "0.0.0.0/0", "ipProtocol": "-1"})
    clone.inputs.pop("referencedSecurityGroupId", None)
    clone.property_dependencies.pop("referencedSecurityGroupId", None)
    plan.resources.append(clone)
    found = [f for f in run_gate(plan, profile="prod").findings if f.rule_id == "AILZ-FAB-004"]
    keys = [f.key() for f in found]
    assert found and len(keys) == len(set(keys))
