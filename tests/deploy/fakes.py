"""A fake StackEngine that replays recorded engine events, and a fake policy gate."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pulumi.automation import errors as auto_errors
from pulumi.automation._cmd import CommandResult
from pulumi.automation.events import EngineEvent

from ailz.deploy.engine import StackOutput, StackRequest

FIXTURES = Path(__file__).parent / "fixtures"


def recorded_events(name: str) -> list[EngineEvent]:
    """Engine events as the Pulumi CLI writes them to its event log (one JSON object a line)."""
    lines = (FIXTURES / name).read_text().splitlines()
    return [EngineEvent.from_json(json.loads(line)) for line in lines if line.strip()]


def command_error(stderr: str, stdout: str = "", code: int = 255) -> auto_errors.CommandError:
    """The exception the Automation API raises when the CLI exits non-zero."""
    return auto_errors.create_command_error(CommandResult(stdout=stdout, stderr=stderr, code=code))


@dataclass
class FakeEngine:
    name: str
    events: dict[str, str] = field(default_factory=dict)  # operation -> fixture file
    fail: dict[str, Exception] = field(default_factory=dict)  # operation -> raised after events
    stack_outputs: dict[str, StackOutput] = field(default_factory=dict)
    calls: list[tuple] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)
    refuse_tags: bool = False
    during: dict[str, Any] = field(default_factory=dict)  # operation -> callable run mid-stream
    resources: list[str] = field(default_factory=list)  # what resource_types() reports

    def _replay(self, operation: str, on_event) -> None:
        replay = recorded_events(self.events[operation]) if operation in self.events else []
        for index, event in enumerate(replay):
            if index == len(replay) // 2 and operation in self.during:
                self.during[operation]()
            on_event(event)
        if operation in self.fail:
            raise self.fail[operation]

    def preview(self, on_event) -> None:
        self.calls.append(("preview",))
        self._replay("preview", on_event)

    def up(self, on_event, message=None) -> None:
        self.calls.append(("up", message))
        self._replay("up", on_event)

    def destroy(self, on_event, message=None) -> None:
        self.calls.append(("destroy", message))
        self._replay("destroy", on_event)

    def outputs(self) -> dict[str, StackOutput]:
        self.calls.append(("outputs",))
        if "outputs" in self.fail:
            raise self.fail["outputs"]
        return dict(self.stack_outputs)

    def cancel(self) -> None:
        self.calls.append(("cancel",))

    def resource_types(self) -> list[str]:  # reads state only: not recorded among the calls
        return list(self.resources)

    def set_tag(self, key: str, value: str) -> None:
        self.calls.append(("set_tag", key, value))
        if self.refuse_tags:
            raise command_error("error: the current backend does not support stack tags")
        self.tags[key] = value


@dataclass
class FakeOpener:
    """open_stack replacement: records the requests; hands out `engine` for the infrastructure
    stack and `platform` (made alike on first use) for the platform stack."""

    engine: FakeEngine
    requests: list[StackRequest] = field(default_factory=list)
    log: list[str] | None = None
    platform: FakeEngine | None = None

    def __call__(self, request: StackRequest) -> FakeEngine:
        self.requests.append(request)
        if self.log is not None:
            self.log.append(f"open {request.stack}")
        if not request.stack.endswith("-platform"):
            return self.engine
        if self.platform is None:
            self.platform = FakeEngine(request.stack, events=dict(self.engine.events))
        return self.platform


@dataclass
class Finding:
    policy: str
    message: str


@dataclass
class FakeGateResult:
    blocking: list = field(default_factory=list)
    findings: list = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.blocking

    def text(self) -> str:
        if not self.blocking:
            return f"policy gate: passed ({len(self.findings)} advisory findings)"
        lines = [f"policy gate: {len(self.blocking)} mandatory violation(s)"]
        lines += [f"  {f.policy}: {f.message}" for f in self.blocking]
        return "\n".join(lines)


@dataclass
class FakeGate:
    blocking: list = field(default_factory=list)
    seen: list = field(default_factory=list)
    log: list[str] | None = None

    def __call__(self, plan, profile=None, config=None, waivers=None) -> FakeGateResult:
        self.seen.append({"plan": plan, "profile": profile, "config": config, "waivers": waivers})
        if self.log is not None:
            self.log.append("gate")
        return FakeGateResult(blocking=list(self.blocking), findings=list(self.blocking))
