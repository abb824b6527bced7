"""A bandwidth that is not a finite number (nan, inf, text) fails the run; no report carries it."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ailz.cli.app import app
from ailz.validation.parser import parse

runner = CliRunner()
LOG = Path(__file__).parent / "fixtures" / "allreduce_2node_v2_16.log"


@pytest.mark.parametrize("bad", ["nan", "inf", "-inf"])
def test_text_logs_with_non_finite_busbw_fail(bad, tmp_path):
    lines = LOG.read_text().splitlines()
    last = max(i for i, line in enumerate(lines) if line.strip()[:1].isdigit() and "float" in line)
    tokens = lines[last].split()
    tokens[-2] = bad  # in-place busbw (the column before #wrong)
    lines[last] = "  ".join(tokens)
    result = parse("\n".join(lines))
    assert not result.ok and any(e.kind == "bad-value" for e in result.errors)
    path = tmp_path / "run.log"
    path.write_text("\n".join(lines))
    judged = runner.invoke(
        app, ["validate", "nccl", "parse", str(path), "--machine", "p5.48xlarge", "-o", "json"]
    )
    assert judged.exit_code == 1
    document = json.loads(judged.stdout)  # strict: no NaN or Infinity tokens
    assert document["verdict"]["passed"] is False


@pytest.mark.parametrize("bad", [math.nan, math.inf, "fast", True])
def test_json_results_with_bad_values_fail(bad):
    row = {"size": 1 << 33, "count": 1, "type": "float", "redop": "sum", "root": -1,
           "out_of_place": {"time": 1.0, "alg_bw": 100.0, "bus_bw": bad, "nwrong": 0},
           "in_place": {"time": 1.0, "alg_bw": 100.0, "bus_bw": 175.0, "nwrong": 0}}  # fmt: skip
    result = parse(json.dumps({"results": [row]}))
    assert any(e.kind == "bad-value" for e in result.errors)
    assert result.rows[0].out_of_place.bus_bw is None
    json.dumps(result.to_json(), allow_nan=False)


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100000 + "]" * 100000,
        '{"results": [{"size": 1' + "0" * 5000 + "}]}",
        '{"results": [{"sizes": 1}]}',
    ],
)
def test_json_that_is_not_nccl_output_is_an_input_error(text, tmp_path):
    path = tmp_path / "log.json"
    path.write_text(text)
    result = runner.invoke(app, ["validate", "nccl", "parse", str(path), "--machine", "p5.48xlarge"])
    assert result.exit_code == 2, result.output
    assert "does not look like nccl-tests output" in result.stderr
