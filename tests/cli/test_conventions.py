"""Guard tests for the command-line conventions every command keeps: `-o/--output` is a format,
`--out` where it goes, help without placeholders, completion, and files written whole or not at all."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
import typer
from typer.testing import CliRunner

from ailz.cli.app import app
from tests.conftest import EXAMPLES

runner = CliRunner()
AWS = str(EXAMPLES / "aws-p5-training.yaml")
NCCL_LOG = "tests/validation/fixtures/allreduce_2node_v2_16.log"


def _commands(command=None, path=()):
    command = command or typer.main.get_command(app)
    if hasattr(command, "list_commands"):
        context = command.context_class(command)
        for name in command.list_commands(context):
            yield from _commands(command.get_command(context, name), (*path, name))
    if command.params or not hasattr(command, "list_commands"):
        yield path, command


COMMANDS = list(_commands())


def test_the_walk_finds_every_command():
    names = {" ".join(path) for path, _ in COMMANDS}
    assert {"plan", "policy check", "validate nccl", "validate nccl parse", "catalog show", "schema"} <= names


@pytest.mark.parametrize("path,command", COMMANDS, ids=[" ".join(p) or "ailz" for p, _ in COMMANDS])
def test_output_is_a_format_and_out_a_destination(path, command):
    for param in command.params:
        opts = set(param.opts) | set(param.secondary_opts)
        if "-o" in opts or "--output" in opts:
            assert {"-o", "--output"} <= opts, f"{path}: -o and --output are one option"
            assert param.type_descriptor.is_choice, f"{path}: --output lists its formats"
        if "--out" in opts:
            assert opts == {"--out"}, f"{path}: --out has no short form (-o is the format)"
    names = {opt for param in command.params for opt in param.opts}
    if "--output" in names and path not in (("outputs",),):
        assert "--out" in names, f"{path}: a command with formats can write them to a file (--out)"


@pytest.mark.parametrize("path,command", COMMANDS, ids=[" ".join(p) or "ailz" for p, _ in COMMANDS])
def test_help_has_no_placeholders_and_plain_usage(path, command):
    result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "<bool>" not in result.output
    usage = next(line for line in result.output.splitlines() if "Usage:" in line)
    assert "{" not in usage, usage
    assert not re.search(r"<list\[", result.output), "repeatable options show their item"


def test_profile_and_formats_list_their_choices():
    result = runner.invoke(app, ["policy", "check", "--help"], env={"COLUMNS": "200"})
    assert "<dev|prod>" in result.output
    assert "sarif" in result.output and "junit" in result.output


def test_version_and_completion():
    version = runner.invoke(app, ["--version"])
    assert version.exit_code == 0 and version.output.startswith("ailz ")
    help_text = runner.invoke(app, ["--help"], env={"COLUMNS": "200"}).output
    assert "--install-completion" in help_text and "--show-completion" in help_text
    command = [sys.executable, "-m", "ailz.cli.app", "--show-completion", "bash"]
    # typer detects the parent shell unless told to take the shell as the option's value: CI runners
    # may have no shell above the test process
    env = {**os.environ, "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"}
    shown = subprocess.run(command, capture_output=True, text=True, timeout=60, env=env)
    assert shown.returncode == 0, shown.stderr
    assert "_AILZ_COMPLETE=complete_bash" in shown.stdout and shown.stdout.rstrip().endswith(" ailz")


def test_policy_check_output_is_the_format_and_out_the_file(tmp_path):
    report = tmp_path / "gate.sarif"
    result = runner.invoke(
        app, ["policy", "check", AWS, "-o", "sarif", "--out", str(report), "--profile", "dev"]
    )
    assert result.exit_code in (0, 1), result.output
    assert json.loads(report.read_text())["version"] == "2.1.0"
    old = runner.invoke(app, ["policy", "check", AWS, "--format", "json", "--profile", "dev"])
    assert old.exit_code in (0, 1) and json.loads(old.stdout)["passed"] in (True, False)


def test_a_verdict_is_written_even_when_it_fails(tmp_path):
    report = tmp_path / "verdict.json"
    result = runner.invoke(
        app, ["validate", "nccl", "parse", NCCL_LOG, "--machine", "p5.48xlarge", "--min-fraction", "0.99999",
              "-o", "json", "--out", str(report)],
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    assert json.loads(report.read_text())["verdict"]["passed"] is False


def test_an_input_error_leaves_the_previous_file_alone(tmp_path):
    report = tmp_path / "plan.json"
    report.write_text("previous\n")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed\n")
    result = runner.invoke(app, ["plan", str(bad), "-o", "json", "--out", str(report)])
    assert result.exit_code == 2
    assert report.read_text() == "previous\n"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".ailz-")], "no temporary file left"


@pytest.mark.parametrize(
    "where,fix",
    [
        ("missing/dir/schema.json", "create"),
        (".", "is a directory"),
    ],
)
def test_file_errors_say_what_to_do(tmp_path, where, fix):
    result = runner.invoke(app, ["schema", "--out", str(tmp_path / where)])
    assert result.exit_code == 2
    assert "cannot write" in result.stderr and fix in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_a_read_only_directory_is_named_as_such(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    result = runner.invoke(app, ["schema", "--out", str(locked / "schema.json")])
    assert result.exit_code == 2 and "permissions" in result.stderr


def test_text_files_get_the_mode_the_umask_gives(tmp_path):
    out = tmp_path / "catalog.yaml"
    assert runner.invoke(app, ["catalog", "show", "p5.48xlarge", "--out", str(out)]).exit_code == 0
    assert "gpu:" in out.read_text()
    mode = out.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o666 & ~umask


def test_catalog_list_json(tmp_path):
    result = runner.invoke(app, ["catalog", "list", "-p", "aws", "-o", "json"])
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert rows and {r["provider"] for r in rows} == {"aws"}


@pytest.mark.parametrize("name", ["aws-p5-training", "gcp-a3-ultra", "hybrid-sovereign", "onprem-sovereign"])
def test_plan_text_fits_80_columns_without_cutting_names(example_plan, name):
    import io

    from rich.console import Console

    from ailz.cli.plan_view import render_plan
    from ailz.components.kinds import load_spec

    plan = example_plan(name)
    zone = load_spec(EXAMPLES / f"{name}.yaml").zone
    buffer = io.StringIO()
    render_plan(plan, zone, Console(file=buffer, width=80, highlight=False, soft_wrap=True))
    text = buffer.getvalue()
    assert max(len(line) for line in text.splitlines()) <= 80
    cut = [r.name for r in plan.resources if len(r.name) < 70 and r.name not in text]
    assert not cut, f"names cut across lines: {cut[:5]}"
    summary = io.StringIO()
    render_plan(plan, zone, Console(file=summary, width=80, highlight=False), summary=True)
    assert "resources in" in summary.getvalue() and len(summary.getvalue()) < len(text) / 2
    assert "├──" not in summary.getvalue() and "├──" in text


def test_synthesis_reports_progress_per_target_and_stack():
    from ailz.components.kinds import load_spec
    from ailz.stacks.synth import synthesize

    heard: list[str] = []
    synthesize(load_spec(EXAMPLES / "onprem-sovereign.yaml"), on_progress=heard.append)
    assert heard == [
        "synthesizing fra-dgx (1/1): infrastructure stack",
        "synthesizing fra-dgx (1/1): platform stack",
    ]


def test_plan_progress_shows_on_a_terminal_only(tmp_path):
    import pty

    spec = str(EXAMPLES / "onprem-sovereign.yaml")
    piped = subprocess.run(["ailz", "plan", spec, "--summary"], capture_output=True, text=True, timeout=120)
    assert piped.returncode == 0 and "synthesizing" not in piped.stderr
    main, secondary = pty.openpty()
    try:
        done = subprocess.run(
            ["ailz", "plan", spec, "--summary", "--out", str(tmp_path / "plan.txt")],
            stdin=secondary, stdout=subprocess.DEVNULL, stderr=secondary, timeout=120,
        )  # fmt: skip
        os.close(secondary)
        seen = b""
        while True:
            try:
                chunk = os.read(main, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    finally:
        os.close(main)
    assert done.returncode == 0
    assert b"synthesizing fra-dgx" in seen


def test_a_plan_leaves_at_once_with_its_output_whole_and_its_exit_code(tmp_path):
    """After an offline synthesis the CLI skips the interpreter's teardown: what it wrote must be
    complete (a pipe, a file) and the exit code the command's."""
    spec = str(EXAMPLES / "hybrid-sovereign.yaml")
    command = [sys.executable, "-m", "ailz.cli.app", "plan", spec, "-o", "json"]
    piped = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert piped.returncode == 0, piped.stderr
    assert len(json.loads(piped.stdout)["resources"]) > 300  # far more than a pipe's buffer
    report = tmp_path / "plan.json"
    written = subprocess.run([*command, "--out", str(report)], capture_output=True, text=True, timeout=300)
    assert written.returncode == 0 and json.loads(report.read_text()) == json.loads(piped.stdout)
    broken = tmp_path / "broken.yaml"
    broken.write_text((EXAMPLES / "onprem-sovereign.yaml").read_text().replace("kind: onprem", "kind: nope"))
    failed = subprocess.run([*command[:4], str(broken)], capture_output=True, text=True, timeout=300)
    assert failed.returncode == 2 and "kind" in failed.stderr


def test_a_reader_that_leaves_early_is_not_a_failure():
    """`ailz plan -o json | head`: the plan is streamed; the closed pipe ends it with 0."""
    command = [
        sys.executable,
        "-m",
        "ailz.cli.app",
        "plan",
        str(EXAMPLES / "hybrid-sovereign.yaml"),
        "-o",
        "json",
    ]
    reader = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert reader.stdout is not None and reader.stdout.read(200).startswith(b"{")
    reader.stdout.close()
    assert reader.wait(timeout=300) == 0, reader.stderr.read().decode() if reader.stderr else ""
