"""Input that must not take the tool (or a CI runner) down: every case ends in seconds, within a
memory cap, with exit 2 and a message, never a traceback. Each runs the real CLI in a subprocess."""

from __future__ import annotations

import resource
import subprocess
import sys

import pytest
import yaml

from tests.conftest import EXAMPLES

MEMORY_CAP = 2 << 30  # bytes of address space for the child
SECONDS = 60


def run_cli(*args: str) -> subprocess.CompletedProcess:
    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))

    return subprocess.run(
        [sys.executable, "-m", "ailz.cli.app", *args],
        capture_output=True,
        text=True,
        timeout=SECONDS,
        preexec_fn=cap,
    )


def billion_laughs(levels: int = 9) -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for previous, name in zip("abcdefghij", "bcdefghijk"[: levels - 1], strict=False):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def spec_with(**changes) -> str:
    document = yaml.safe_load((EXAMPLES / "aws-p5-training.yaml").read_text())
    document.update(changes)
    return yaml.safe_dump(document, sort_keys=False)


def hidden_bomb() -> str:
    """A valid spec whose tags hold an alias bomb."""
    text = spec_with()
    bomb = "".join(f"  x{i}: &x{i} [" + ",".join([f"*x{i - 1}"] * 9) + "]\n" for i in range(1, 9))
    return text.replace(
        "tags:\n", 'tags:\n  x0: &x0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + bomb, 1
    )


CASES = {
    "billion-laughs.yaml": (billion_laughs, "expands to more than 200,000 values"),
    "bomb-in-a-spec.yaml": (hidden_bomb, "expands to more than 200,000 values"),
    "deep-sequences.yaml": (lambda: "[" * 5000 + "]" * 5000 + "\n", "nests too deeply"),
    "deep-mappings.yaml": (lambda: "{k: " * 3000 + "1" + "}" * 3000 + "\n", "nests too deeply"),
    "deep-block-mappings.yaml": (
        lambda: "".join(f"{' ' * i}k:\n" for i in range(1000)) + " " * 1000 + "v: 1\n",
        "nests too deeply",
    ),
    "200k-tags.yaml": (
        lambda: spec_with(tags={f"key-{i}": f"value-{i}" for i in range(200_000)}),
        "larger than a landing-zone spec can be",
    ),  # fmt: skip
    "60-tags.yaml": (
        lambda: spec_with(
            tags={"cost-center": "x", "team": "y", "environment": "z", **{f"k{i}": "v" for i in range(60)}}
        ),
        "tags exceed AWS's limit of 50 per resource",
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("command", ["plan", "policy-check"])
def test_hostile_specs_end_fast_with_exit_2(tmp_path, name, command):
    make, message = CASES[name]
    path = tmp_path / name
    path.write_text(make())
    args = ["plan", str(path)] if command == "plan" else ["policy", "check", str(path)]
    done = run_cli(*args)
    assert done.returncode == 2, done.stdout + done.stderr
    assert message in done.stderr + done.stdout
    assert "Traceback" not in done.stderr


def test_deeply_nested_json_to_the_gate_is_an_input_error(tmp_path):
    path = tmp_path / "plan.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    done = run_cli("policy", "check", str(path))
    assert done.returncode == 2 and "nests deeper than any plan" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_state_file_nested_900_levels_deep_is_read_and_gated(tmp_path):
    nested: dict = {"v": 1}
    for _ in range(900):
        nested = {"n": nested}
    document = {"version": 3, "deployment": {"resources": [{"urn": "urn:pulumi:s::p::t::n", "type": "t",
                                                             "outputs": nested}]}}  # fmt: skip
    path = tmp_path / "state.json"
    path.write_text(__import__("json").dumps(document))
    done = run_cli("policy", "check", str(path))
    assert done.returncode == 0 and "1 resources" in done.stdout and "Traceback" not in done.stderr


def test_ctrl_c_during_an_offline_synthesis_ends_the_process_with_130():
    """The guard plan and policy check hold around the synthesis: Pulumi's in-process engine would
    otherwise swallow the interrupt in its event loop."""
    code = (
        "import os, signal, time\n"
        "from ailz.cli.common import offline_work_interruptible\n"
        "with offline_work_interruptible():\n"
        "    os.kill(os.getpid(), signal.SIGINT)\n"
        "    time.sleep(5)\n"
        "print('not reached')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert done.returncode == 130 and "interrupted" in done.stderr and "not reached" not in done.stdout
    assert "Traceback" not in done.stderr
