"""docs/validation.md stays true: its offline commands run, its thresholds table is the catalog's."""

from __future__ import annotations

import os
import re
import shlex

from typer.testing import CliRunner

from ailz.catalog import load_catalog
from ailz.cli.app import app
from tests.conftest import ROOT

DOC = (ROOT / "docs" / "validation.md").read_text()


def doc_commands() -> list[list[str]]:
    blocks = re.findall(r"```console\n(.*?)```", DOC, flags=re.S)
    text = "\n".join(blocks).replace("\\\n", " ")
    commands = []
    for line in text.splitlines():
        line = line.split(" > ")[0].strip()
        if line.startswith("ailz "):
            commands.append(shlex.split(line)[1:])
    return commands


def test_offline_commands_in_the_doc_run(tmp_path):
    runnable = [c for c in doc_commands() if "--render-only" in c or c[:3] == ["validate", "nccl", "parse"]]
    assert len(runnable) == 2
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        for command in runnable:
            command = [str(tmp_path) if part == "manifests/" else part for part in command]
            result = CliRunner().invoke(app, command)
            assert result.exit_code == 0, (command, result.output)
    finally:
        os.chdir(cwd)
    assert len(list(tmp_path.glob("*.yaml"))) == 2


def test_thresholds_table_is_the_catalog():
    number = r"([\d.]+|-)"
    rows = re.findall(
        rf"^\| (\S+) \| (\S+) \| {number} \| {number} \| {number} \| {number} \| {number} \|$",
        DOC,
        flags=re.M,
    )
    catalog = load_catalog()
    assert {name for name, *_ in rows} == set(catalog.machines)

    def figure(text):
        return None if text == "-" else float(text)

    for name, profile, intra, collective, two, sendrecv, threshold in rows:
        expected = catalog.machine(name).expected
        assert profile == catalog.machine(name).nccl_profile
        assert figure(intra) == expected.intra_node_busbw_gbps
        assert figure(collective) == expected.intra_node_collective_busbw_gbps
        assert figure(two) == expected.two_node_busbw_gbps
        assert figure(sendrecv) == expected.sendrecv_busbw_gbps
        assert float(threshold) == round(expected.two_node_busbw_gbps * 0.9, 1)
