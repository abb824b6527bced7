"""Plans of the AWS example and the docs example, synthesized once per session."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import ROOT

DOCS = ROOT / "docs" / "aws.md"


def docs_example() -> str:
    """The first yaml block of docs/aws.md."""
    match = re.search(r"```yaml\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S)
    assert match, "docs/aws.md has no yaml example"
    return match.group(1)


@pytest.fixture(scope="session")
def aws_plan(example_plan):
    return example_plan("aws-p5-training")


@pytest.fixture(scope="session")
def docs_plan():
    from ailz.components.kinds import load_text
    from ailz.stacks.synth import synthesize

    return synthesize(load_text(docs_example(), str(Path("docs/aws.md"))))
