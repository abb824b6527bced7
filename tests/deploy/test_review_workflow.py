"""The pull-request review workflow example: every ailz line is a real command with real options,
and the comment carries every section, updated in place."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.deploy.test_ci_workflow import _ailz_lines, _args, _resolve

WORKFLOW = Path(__file__).resolve().parents[2] / "examples" / "ci" / "review-comment.yml"


def test_every_ailz_line_parses():
    workflow = yaml.safe_load(WORKFLOW.read_text())
    lines = _ailz_lines(workflow)
    commands = set()
    for _, line in lines:
        args = _args(line)
        command, rest = _resolve(args)
        command.make_context(args[0], list(rest))
        commands.add(args[0])
    assert {"plan", "diff", "cost", "policy", "diagram"} <= commands


def test_one_comment_updated_in_place_with_every_section():
    text = WORKFLOW.read_text()
    assert text.count("<!-- ailz-review -->") == 2  # written, then searched for
    assert "--method PATCH" in text and "--method POST" in text
    for section in ("summary.txt", "diff.md", "cost.md", "gate.md", "```mermaid"):
        assert section in text
