"""Engine events -> a pure tally of resource steps and diagnostics (cli/deploy_progress.py shows it).

The events are pulumi.automation.events.EngineEvent objects; this module only reads their
attributes, so it never imports pulumi itself.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

STACK_TYPE = "pulumi:pulumi:Stack"


def op_value(op: Any) -> str:
    return getattr(op, "value", op) or ""


def resource_name(urn: str) -> str:
    """urn:pulumi:stack::project::a$b::name -> name."""
    return urn.rsplit("::", 1)[-1] if "::" in urn else urn


@dataclass
class Diagnostic:
    severity: str
    message: str
    urn: str | None = None


@dataclass
class EventTally:
    """Everything the summary needs, built from the event stream; thread-safe appends."""

    ops: dict[str, tuple[str, str]] = field(default_factory=dict)  # urn -> (type, op)
    done: set[str] = field(default_factory=set)
    failed: dict[str, str] = field(default_factory=dict)  # urn -> type
    diagnostics: list[Diagnostic] = field(default_factory=list)
    summary_changes: dict[str, int] | None = None
    duration_seconds: int | None = None
    maybe_corrupt: bool = False
    cancelled: bool = False
    policy_violations: list[str] = field(default_factory=list)

    def record(self, event: Any) -> None:
        if event.resource_pre_event is not None:
            meta = event.resource_pre_event.metadata
            self.ops[meta.urn] = (meta.type, op_value(meta.op))
        elif event.res_outputs_event is not None:
            meta = event.res_outputs_event.metadata
            self.ops.setdefault(meta.urn, (meta.type, op_value(meta.op)))
            self.done.add(meta.urn)
        elif event.res_op_failed_event is not None:
            meta = event.res_op_failed_event.metadata
            self.failed[meta.urn] = meta.type
        elif event.diagnostic_event is not None:
            diag = event.diagnostic_event
            if diag.severity in ("error", "warning") and not diag.ephemeral:
                self.diagnostics.append(Diagnostic(diag.severity, diag.message.strip(), diag.urn))
        elif event.policy_event is not None:
            policy = event.policy_event
            self.policy_violations.append(f"{policy.policy_name}: {policy.message}")
        elif event.summary_event is not None:
            summary = event.summary_event
            self.summary_changes = {op_value(k): int(v) for k, v in summary.resource_changes.items()}
            self.duration_seconds = summary.duration_seconds
            self.maybe_corrupt = bool(summary.maybe_corrupt)
        elif event.cancel_event is not None:
            self.cancelled = True

    def by_type(self, completed_only: bool = False) -> dict[str, Counter]:
        """type -> Counter(op) for every resource that changes (the stack itself left out);
        after an update, only the steps that completed."""
        out: dict[str, Counter] = {}
        for urn, (rtype, op) in self.ops.items():
            if rtype == STACK_TYPE or op == "same":
                continue
            if completed_only and urn not in self.done:
                continue
            out.setdefault(rtype, Counter())[op] += 1
        return dict(sorted(out.items()))

    def totals(self) -> dict[str, int]:
        """Changes by op: the engine's own summary when it sent one, else our tally."""
        if self.summary_changes is not None:
            return {op: n for op, n in self.summary_changes.items() if n}
        counts: Counter = Counter(op for rtype, op in self.ops.values() if rtype != STACK_TYPE)
        return dict(counts)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]
