"""`ailz policy check|list`: formats, exit codes, clear input errors, and no provider SDK for JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ailz.cli.app import app
from ailz.policies.table import RULES
from tests.policies.fixtures import compliant, plan_of

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


@pytest.fixture()
def plan_files(tmp_path):
    good = tmp_path / "good.json"
    good.write_text(plan_of(compliant()).to_json(), encoding="utf-8")
    resources = compliant()
    resources["pg"].inputs["strategy"] = "spread"
    bad = tmp_path / "bad.json"
    bad.write_text(plan_of(resources).to_json(), encoding="utf-8")
    return good, bad


def invoke(*args):
    return runner.invoke(app, ["policy", *map(str, args)])


def test_exit_codes(plan_files):
    good, bad = plan_files
    assert invoke("check", good).exit_code == 0
    result = invoke("check", bad)
    assert result.exit_code == 1
    assert "AILZ-FAB-001" in result.output and "FAILED" in result.output
    assert invoke("check", bad, "--profile", "dev").exit_code == 0


@pytest.mark.parametrize("fmt", ["json", "sarif", "junit", "markdown", "github"])
def test_formats_to_file(plan_files, tmp_path, fmt):
    _, bad = plan_files
    out = tmp_path / f"report.{fmt}"
    result = invoke("check", bad, "--format", fmt, "--out", out)
    assert result.exit_code == 1
    text = out.read_text()
    assert "AILZ-FAB-001" in text
    if fmt in ("json", "sarif"):
        json.loads(text)


def test_preview_and_stack_export_inputs():
    assert invoke("check", DATA / "preview.json").exit_code == 1  # unknown httpTokens fails closed
    result = invoke("check", DATA / "stack-export.json", "--format", "github")
    assert result.exit_code == 1
    assert (
        "::error file=" in result.output and "stack-export.json,line=8" in result.output
    )  # the line naming the bucket's URN


@pytest.mark.parametrize(
    "content, message",
    [
        ("{not json", "not valid JSON"),
        ('{"kind": "something"}', "unknown JSON"),
    ],
)
def test_bad_json_input_exits_2(tmp_path, content, message):
    path = tmp_path / "in.json"
    path.write_text(content)
    result = invoke("check", path)
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output


def test_missing_file_and_bad_config_exit_2(plan_files, tmp_path):
    good, _ = plan_files
    assert invoke("check", tmp_path / "nope.json").exit_code == 2
    config = tmp_path / "c.yaml"
    config.write_text("rules:\n  AILZ-XXX-001: {}\n")
    result = invoke("check", good, "--config", config)
    assert result.exit_code == 2 and "unknown rule id" in result.output
    waivers = tmp_path / "w.yaml"
    waivers.write_text("waivers: [")
    assert invoke("check", good, "--waivers", waivers).exit_code == 2


def test_bad_spec_exits_2(tmp_path):
    spec = tmp_path / "zone.yaml"
    spec.write_text("name: Bad Name\n")
    result = invoke("check", spec)
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_list_shows_every_rule():
    result = invoke("list", "--format", "json")
    rows = json.loads(result.output)
    assert len(rows) == len(RULES)
    assert {"id", "severity", "enforcement", "controls"} <= set(rows[0])
    text = runner.invoke(app, ["policy", "list"], terminal_width=250).output
    assert "AILZ-RES-001" in text and "mandatory" in text


def test_json_input_imports_no_provider_sdk(plan_files):
    _, bad = plan_files
    code = f"""
import sys, json
from ailz.cli.app import app
try:
    app(["policy", "check", {str(bad)!r}, "--format", "sarif", "--out", {str(bad) + ".sarif"!r}])
except SystemExit as exit:
    code = exit.code
sdks = sorted(m for m in sys.modules if m.split(".")[0] in ("pulumi_aws", "pulumi_gcp", "pulumi_kubernetes"))
print(json.dumps({{"code": code, "sdks": sdks}}))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False)
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    assert outcome == {"code": 1, "sdks": []}


@pytest.mark.parametrize("fmt", ["sarif", "junit", "markdown", "github", "json"])
def test_an_invalid_spec_still_writes_the_report_with_its_problems(tmp_path, fmt):
    import json
    import xml.etree.ElementTree as ET

    import jsonschema

    text = (ROOT / "examples" / "aws-p5-training.yaml").read_text()
    spec = tmp_path / "zone.yaml"
    spec.write_text(text.replace("machine: p5.48xlarge", "machine: p5.48xlarg", 1))
    rows = spec.read_text().splitlines()
    line = next(i for i, row in enumerate(rows, 1) if "p5.48xlarg" in row and "p5.48xlarge" not in row)
    report = tmp_path / f"report.{fmt}"
    result = CliRunner().invoke(app, ["policy", "check", str(spec), "--format", fmt, "--out", str(report)])
    assert result.exit_code == 2 and "problem" in result.output
    body = report.read_text()
    assert "AILZ-SPEC-001" in body and "p5.48xlarg" in body
    if fmt == "sarif":
        document = json.loads(body)
        schema = json.loads((Path(__file__).parent / "sarif-2.1.0-subset.schema.json").read_text())
        jsonschema.validate(document, schema)
        hits = [
            r for run in document["runs"] for r in run["results"] if "p5.48xlarg'" in r["message"]["text"]
        ]
        assert hits[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == line
    elif fmt == "junit":
        assert ET.fromstring(body).get("failures") == "1"
    elif fmt == "github":
        assert f"line={line}," in body and body.startswith("::error ")  # an annotation at the unknown machine


def test_dash_reads_the_spec_or_the_plan_from_standard_input():
    import ailz.cli.common as common

    spec = (ROOT / "examples" / "aws-p5-training.yaml").read_text()
    common._STDIN.clear()
    planned = CliRunner().invoke(app, ["plan", "-", "-o", "json"], input=spec)
    assert planned.exit_code == 0 and json.loads(planned.stdout)["spec_file"] == "<stdin>"
    common._STDIN.clear()
    gated = CliRunner().invoke(app, ["policy", "check", "-", "--format", "json"], input=planned.stdout)
    assert gated.exit_code == 0 and json.loads(gated.stdout)["summary"]["blocking"] == 0
    common._STDIN.clear()
    broken = CliRunner().invoke(app, ["plan", "-"], input="nope: [\n")
    assert broken.exit_code == 2 and "<stdin>:2" in broken.output
    common._STDIN.clear()


def test_the_plan_text_says_what_it_counts():
    import re

    text = CliRunner().invoke(app, ["plan", str(ROOT / "examples" / "aws-p5-training.yaml")]).stdout
    document = json.loads(
        CliRunner()
        .invoke(app, ["plan", str(ROOT / "examples" / "aws-p5-training.yaml"), "-o", "json"])
        .stdout
    )
    pattern = r"(\d+) resources \(providers included\) .* plus (\d+) components .*\((\d+) entries"
    resources, components, entries = map(int, re.search(pattern, " ".join(text.split())).groups())
    assert entries == len(document["resources"]) == resources + components
    assert resources == sum(1 for r in document["resources"] if r["custom"])
