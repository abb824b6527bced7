"""Docs stay true: every spec in a ```yaml block of docs/ validates and plans offline."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from ailz.components.kinds import load_text
from ailz.stacks.synth import synthesize

DOCS = Path(__file__).resolve().parent.parent / "docs"
BLOCK = re.compile(r"```yaml\n(.*?)```", re.DOTALL)


def spec_blocks():
    for doc in sorted(DOCS.glob("*.md")):
        for index, block in enumerate(BLOCK.findall(doc.read_text())):
            data = yaml.safe_load(block)
            if isinstance(data, dict) and "targets" in data and "name" in data:
                yield pytest.param(block, id=f"{doc.name}#{index}")


BLOCKS = list(spec_blocks())


def test_docs_contain_specs():
    assert BLOCKS


@pytest.mark.parametrize("block", BLOCKS)
def test_doc_spec_plans(block):
    plan = synthesize(load_text(block, "doc.yaml"))
    assert plan.resources
