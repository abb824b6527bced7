"""A stand-in for the `pulumi` executable, speaking the command line the Automation API uses.

It lets the real pulumi.automation code run end to end without the Pulumi CLI: it keeps stacks,
config, tags and outputs in a JSON file, writes recorded engine events to the --event-log file,
and fails the way the real CLI does when a scenario asks for it. Every call is logged.

Scenario (JSON at $FAKE_PULUMI_STATE): {"stacks": {name: {...}}, "events": {op: fixture},
"fail": {op: {"stderr": ..., "code": ...}}, "outputs": {...}, "secret_outputs": [...],
"delay": seconds between events}.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
VERSION = "v3.200.0"  # below 3.205: the Automation API tails a file for engine events
WATCHED_ENV = (
    "PULUMI_BACKEND_URL",
    "PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER",
    "PULUMI_SKIP_UPDATE_CHECK",
    "PULUMI_AUTOMATION_API",
)


def _option(args: list[str], name: str) -> str | None:
    for index, arg in enumerate(args):
        if arg == name and index + 1 < len(args):
            return args[index + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


def main(argv: list[str]) -> int:
    state_file = Path(os.environ["FAKE_PULUMI_STATE"])
    state = json.loads(state_file.read_text())
    args = [a for a in argv if a != "--non-interactive"]
    with open(state_file.with_suffix(".calls.jsonl"), "a", encoding="utf-8") as log:
        env = {k: os.environ.get(k) for k in WATCHED_ENV}
        env["passphrase_set"] = "PULUMI_CONFIG_PASSPHRASE" in os.environ
        log.write(json.dumps({"args": args, "cwd": os.getcwd(), "env": env}) + "\n")

    def save() -> None:
        state_file.write_text(json.dumps(state))

    def fail(stderr: str, code: int = 255) -> int:
        sys.stderr.write(stderr + "\n")
        return code

    if args[:1] == ["version"]:
        print(os.environ.get("FAKE_PULUMI_VERSION", VERSION))
        return 0
    stack = _option(args, "--stack")
    stacks = state.setdefault("stacks", {})
    head = args[:2]
    if head == ["stack", "select"]:
        if stack not in stacks:
            return fail(f"error: no stack named '{stack}' found")
        return 0
    if head == ["stack", "init"]:
        stacks[args[2]] = {"secrets_provider": _option(args, "--secrets-provider"), "config": {}, "tags": {}}
        save()
        return 0
    if head == ["config", "set"]:
        key, value = args[2], args[args.index("--") + 1]
        stacks[stack]["config"][key] = value
        save()
        return 0
    if head == ["stack", "tag"] and args[2] == "set":
        stacks[stack]["tags"][args[3]] = args[4]
        save()
        return 0
    if head == ["stack", "export"]:
        resources = [{"type": t} for t in (state.get("resources") or {}).get(stack, [])]
        print(json.dumps({"version": 3, "deployment": {"resources": resources}}))
        return 0
    if head == ["stack", "output"]:
        show = "--show-secrets" in args
        secret = set(state.get("secret_outputs", []))
        outputs = {
            k: (v if show or k not in secret else "[secret]") for k, v in state.get("outputs", {}).items()
        }
        print(json.dumps(outputs))
        return 0
    if head == ["stack", "history"]:
        print(json.dumps([_history(state)]))
        return 0
    if args[:1] == ["cancel"]:
        return fail("error: the current backend does not support cancelling updates")
    operation = args[0]
    if operation in ("preview", "up", "destroy"):
        if stack not in stacks:
            return fail(f"error: no stack named '{stack}' found")
        event_log = _option(args, "--event-log")
        fixture = state.get("events", {}).get(operation)
        if event_log and fixture:
            with open(event_log, "a", encoding="utf-8") as out:
                for line in (FIXTURES / fixture).read_text().splitlines():
                    out.write(line + "\n")
                    out.flush()
                    time.sleep(state.get("delay", 0.001))
        failure = state.get("fail", {}).get(operation)
        if failure:
            return fail(failure["stderr"], failure.get("code", 255))
        print(f"{operation} of {stack} done")
        return 0
    return fail(f"error: fake pulumi does not know `{' '.join(args)}`")


def _history(state: dict) -> dict:
    return {
        "kind": "update",
        "startTime": "2026-11-22T11:00:00.000000Z",
        "endTime": "2026-11-22T11:14:02.000000Z",
        "message": "",
        "environment": {},
        "config": {},
        "result": "succeeded",
        "version": 1,
        "resourceChanges": {"create": 10},
    }


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
