"""`ailz diagram`: deterministic Mermaid and dot for every example, golden-file tested; a base
colours the pools that change."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from ailz.cli.app import app
from ailz.stacks.diagram import dot, mermaid, topology
from tests.conftest import EXAMPLES
from tests.golden import assert_golden_diff

runner = CliRunner()
GOLDEN = Path(__file__).parent / "golden"
NAMES = sorted(p.stem for p in EXAMPLES.glob("*.yaml"))


@pytest.mark.parametrize("name", NAMES)
def test_mermaid_and_dot_are_golden(name, example_plan):
    top = topology(example_plan(name))
    assert_golden_diff(GOLDEN, f"{name}.mermaid", mermaid(top))
    assert_golden_diff(GOLDEN, f"{name}.dot", dot(top))


def test_the_diagram_shows_pools_fabric_storage_teams_and_residency(example_plan):
    text = mermaid(topology(example_plan("hybrid-sovereign")))
    assert "residency: EU" in text
    assert "pool h100: 4 x p5.48xlarge = 32 GPUs; 32x 100G efa, 32 EFA" in text
    assert "RDMA VPC" in text and "8x 400G roce" in text, "the site's own fabric, not the machine's default"
    assert "warm: lustre 4800 GiB" in text and "team sovereign: namespace + queue, 48 GPUs" in text


def test_a_base_colours_what_changes(tmp_path):
    import yaml

    document = yaml.safe_load((EXAMPLES / "aws-p5-training.yaml").read_text())
    document["targets"][0]["gpu_pools"][0]["nodes"] = 3
    head = tmp_path / "head.yaml"
    head.write_text(yaml.safe_dump(document, sort_keys=False))
    result = runner.invoke(app, ["diagram", str(head), "--base", str(EXAMPLES / "aws-p5-training.yaml")])
    assert result.exit_code == 0, result.output
    pool = document["targets"][0]["gpu_pools"][0]["name"]
    assert f"class p_aws_train_{pool} changed" in result.stdout
    as_dot = runner.invoke(app, ["diagram", str(head), "-o", "dot"])
    assert as_dot.stdout.startswith("digraph ailz {")


def test_a_removed_pool_is_drawn_as_removed(tmp_path):
    import yaml

    document = yaml.safe_load((EXAMPLES / "aws-p5-training.yaml").read_text())
    gone = document["targets"][0]["gpu_pools"].pop()["name"]
    head = tmp_path / "head.yaml"
    head.write_text(yaml.safe_dump(document, sort_keys=False))
    result = runner.invoke(app, ["diagram", str(head), "--base", str(EXAMPLES / "aws-p5-training.yaml")])
    assert result.exit_code == 0, result.output
    assert (
        f"pool {gone}: removed" in result.stdout
        and f"class p_aws_train_{gone.replace('-', '_')} removed" in result.stdout
    )
