"""docs/deploy.md: its commands are real CLI commands and its spec snippet is valid."""

from __future__ import annotations

import re

import yaml

from ailz.spec.zone import Deploy
from tests.conftest import ROOT
from tests.deploy.test_ci_workflow import _args, _resolve

DOC = (ROOT / "docs" / "deploy.md").read_text()


def _blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", DOC, flags=re.S)


def test_every_command_in_the_doc_parses():
    lines = [line for block in _blocks("sh") for line in block.splitlines() if line.startswith("ailz ")]
    assert len(lines) >= 5
    for line in lines:
        args = _args(line)
        command, rest = _resolve(args)
        command.make_context(args[0], list(rest))


def test_deploy_snippet_is_a_valid_deploy_section():
    (block,) = _blocks("yaml")
    section = yaml.safe_load(block)["deploy"]
    deploy = Deploy.model_validate(section)
    assert deploy.backend_url.startswith("s3://")
