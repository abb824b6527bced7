"""The CLI: plan in text and JSON, schema, catalog, exit codes, and a fast --help."""

from __future__ import annotations

import json
import subprocess
import sys

import jsonschema
import yaml
from typer.testing import CliRunner

from ailz.cli.app import app
from tests.conftest import EXAMPLES

runner = CliRunner()
AWS = str(EXAMPLES / "aws-p5-training.yaml")
HYBRID = str(EXAMPLES / "hybrid-sovereign.yaml")


def test_plan_text_shows_tree_counts_and_pools():
    result = runner.invoke(app, ["plan", AWS])
    assert result.exit_code == 0, result.output
    assert "aws-train" in result.output
    assert "resources in aws-train" in result.output
    assert "p5.48xlarge" in result.output and "capacity-block cr-0123456789abcdef0" in result.output


def test_plan_json_for_one_target(tmp_path):
    out = tmp_path / "plan.json"
    result = runner.invoke(
        app, ["plan", HYBRID, "--target", "fra-dgx", "--output", "json", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert [t["name"] for t in data["targets"]] == ["fra-dgx"]
    assert {r["target"] for r in data["resources"]} == {"fra-dgx"}


def test_plan_unknown_target_is_usage_error():
    result = runner.invoke(app, ["plan", AWS, "--target", "nope"])
    assert result.exit_code == 2
    assert "no target named 'nope'" in result.output


def test_plan_bad_spec_exits_2_without_traceback(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text((EXAMPLES / "aws-p5-training.yaml").read_text().replace("p5.48xlarge", "p9.huge"))
    result = runner.invoke(app, ["plan", str(bad)])
    assert result.exit_code == 2
    assert "unknown machine 'p9.huge'" in result.output
    assert "Traceback" not in result.output
    assert f"{bad}:" in result.output


def test_plan_missing_file():
    result = runner.invoke(app, ["plan", "nowhere.yaml"])
    assert result.exit_code == 2 and "file not found" in result.output


def test_schema_is_valid_json_schema_and_accepts_examples():
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.output)
    jsonschema.Draft202012Validator.check_schema(schema)
    for path in EXAMPLES.glob("*.yaml"):
        jsonschema.validate(yaml.safe_load(path.read_text()), schema)
    assert "cost-center" in schema["$defs"]["Tags"]["properties"]


def test_catalog_list_and_show():
    listed = runner.invoke(app, ["catalog", "list", "--provider", "gcp"])
    assert listed.exit_code == 0 and "a3-ultragpu-8g" in listed.output and "p5.48xlarge" not in listed.output
    shown = runner.invoke(app, ["catalog", "show", "p5.48xlarge", "--output", "json"])
    assert shown.exit_code == 0
    data = json.loads(shown.output)
    assert data["efa"]["max_efa_interfaces"] == 32 and data["nccl"]["fabric"] == "efa"
    unknown = runner.invoke(app, ["catalog", "show", "p5.48xl"])
    assert unknown.exit_code == 2 and "did you mean 'p5.48xlarge'" in unknown.output


def test_help_imports_no_provider_sdk():
    code = (
        "import sys\n"
        "from ailz.cli.app import app\n"
        "from typer.testing import CliRunner\n"
        "CliRunner().invoke(app, ['--help'])\n"
        "heavy = [m for m in sys.modules if m.startswith(('pulumi_aws', 'pulumi_gcp', 'pulumi_kubernetes',"
        " 'pulumi.automation', 'kubernetes'))]\n"
        "print(','.join(heavy))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""
