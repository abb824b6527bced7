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
def docs_synthesis(tmp_path_factory):
    """(plan, components built: the landing zone, then the cluster layer) for the docs example,
    synthesized once."""
    from ailz.components.kinds import load_spec
    from ailz.stacks import program
    from ailz.stacks.synth import synthesize

    built = []
    original = program._component_class

    def recording(kind, stage="infra"):
        cls = original(kind, stage)

        def build(*args):
            component = cls(*args)
            built.append(component)
            return component

        return build

    path = tmp_path_factory.mktemp("docs") / "gcp-docs-example.yaml"
    path.write_text(docs_example_text())
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(program, "_component_class", recording)
        plan = synthesize(load_spec(path))
    return plan, built


@pytest.fixture(scope="session")
def docs_plan(docs_synthesis):
    return docs_synthesis[0]
