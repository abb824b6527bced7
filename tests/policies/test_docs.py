"""docs/policy.md stays true: rule table in sync, YAML blocks valid, commands and Python example run."""

from __future__ import annotations

import datetime as dt
import re
import shlex
import shutil
from pathlib import Path

import yaml
from typer.testing import CliRunner

from ailz.cli.app import app
from ailz.policies.config import load_config
from ailz.policies.table import RULES, rules_markdown
from ailz.policies.waivers import load_waivers
from tests.conftest import ROOT
from tests.policies.fixtures import compliant, plan_of

DOC = (ROOT / "docs" / "policy.md").read_text(encoding="utf-8")
DATA = Path(__file__).parent / "data"


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC, flags=re.S)


def test_rule_table_is_current():
    assert rules_markdown() in DOC
    for rule in RULES:
        assert rule.description in DOC and rule.remediation in DOC


def test_yaml_blocks(tmp_path):
    unknowns, config, waivers, workflow = blocks("yaml")
    for text in (unknowns, config):
        (tmp_path / "config.yaml").write_text(text)
        load_config(tmp_path / "config.yaml")
    (tmp_path / "waivers.yaml").write_text(waivers)
    loaded = load_waivers(tmp_path / "waivers.yaml", today=dt.date(2027, 1, 1))
    assert loaded.problems == [] and len(loaded.waivers) == 1
    steps = yaml.safe_load(workflow)["jobs"]["policy"]["steps"]
    script = next(s["run"] for s in steps if s.get("name") == "Policy gate")
    assert "--output sarif --out ailz.sarif" in script and "--output markdown --out summary.md" in script
    assert script.count("--profile prod") == 2  # CI pins the profile: the tag is part of the change
    assert any(s.get("uses", "").startswith("github/codeql-action/upload-sarif") for s in steps)


def test_config_block_matches_the_example_file():
    example = load_config(ROOT / "examples" / "policy" / "config.yaml")
    assert example.rules["AILZ-CAP-002"].params == {"large_pool_nodes": 4}


def test_console_commands_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "plan.json").write_text(plan_of(compliant()).to_json())
    shutil.copy(DATA / "preview.json", tmp_path / "preview.json")
    shutil.copy(DATA / "stack-export.json", tmp_path / "state.json")
    runner = CliRunner()
    ran = 0
    for block in blocks("console"):
        for line in block.splitlines():
            command = line.split("#", 1)[0].strip()
            if not command.startswith("ailz policy") or ".yaml" in command:
                continue
            result = runner.invoke(app, shlex.split(command)[1:])
            assert result.exit_code in (0, 1), (command, result.output)
            ran += 1
    assert ran >= 6
    assert (tmp_path / "policy-baseline.json").exists()


def test_python_example_runs(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "plan.json").write_text(plan_of(compliant()).to_json())
    (code,) = blocks("python")
    exec(compile(code, "docs/policy.md", "exec"), {})
    assert "0 blocking of 0 findings" in capsys.readouterr().out
