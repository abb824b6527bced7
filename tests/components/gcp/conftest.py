"""GCP fixtures: the docs example, synthesized once per session."""

from __future__ import annotations

import re

import pytest

from tests.conftest import ROOT

DOCS = ROOT / "docs" / "gcp.md"


def docs_example_text() -> str:
    match = re.search(r"```yaml\n(.*?)```", DOCS.read_text(), re.S)
    assert match, "docs/gcp.md has no yaml example"
    return match.group(1)


@pytest.fixture(scope="session")
def docs_plan(tmp_path_factory):
    from ailz.stacks.loader import load_spec
    from ailz.stacks.synth import synthesize

    path = tmp_path_factory.mktemp("docs") / "gcp-docs-example.yaml"
    path.write_text(docs_example_text())
    return synthesize(load_spec(path))
