"""Deploy progress in the terminal: plain lines for CI logs, a live view for terminals, the summary."""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from ailz.deploy.events import STACK_TYPE, EventTally, op_value, resource_name

# op -> (symbol, style, verb while planning, verb when done)
OPS: dict[str, tuple[str, str, str, str]] = {
    "create": ("+", "green", "create", "created"),
    "update": ("~", "yellow", "update", "updated"),
    "delete": ("-", "red", "delete", "deleted"),
    "replace": ("+-", "magenta", "replace", "replaced"),
    "create-replacement": ("++", "magenta", "create replacement", "created replacement"),
    "delete-replaced": ("--", "magenta", "delete original", "deleted original"),
    "read": (">", "cyan", "read", "read"),
    "read-replacement": (">>", "cyan", "read replacement", "read replacement"),
    "refresh": ("~", "cyan", "refresh", "refreshed"),
    "import": ("=", "cyan", "import", "imported"),
    "import-replacement": ("=>", "cyan", "import replacement", "imported replacement"),
    "discard": ("-", "dim", "discard", "discarded"),
    "discard-replaced": ("-", "dim", "discard replaced", "discarded replaced"),
    "remove-pending-replace": ("-", "dim", "remove pending replace", "removed pending replace"),
    "same": (" ", "dim", "unchanged", "unchanged"),
}
# Order of the summary columns; the engine counts a replace as one of each replacement step.
SUMMARY_OPS = ("create", "update", "replace", "delete", "read", "import", "same")


def _when(event: Any) -> float:
    """When the engine emitted the event (its own clock), else now."""
    return float(event.timestamp) if getattr(event, "timestamp", 0) else time.time()


def _op_text(op: str, done: bool) -> Text:
    symbol, style, planning, finished = OPS.get(op, ("?", "white", op, op))
    return Text(f"{symbol:>2} {finished if done else planning}", style=style)


class PlainProgress:
    """One line per resource step, for CI logs and anything that is not a terminal."""

    def __init__(self, console: Console, operation: str, stack: str) -> None:
        self.console = console
        self.operation = operation
        self.stack = stack
        self.tally = EventTally()
        self._lock = threading.Lock()
        self._started: dict[str, float] = {}  # urn -> engine timestamp (seconds)

    def __enter__(self) -> PlainProgress:
        self.console.print(f"{self.operation} {self.stack}", markup=False)
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def __call__(self, event: Any) -> None:
        with self._lock:
            self.tally.record(event)
            self._line(event)

    def _line(self, event: Any) -> None:
        preview = self.operation == "preview"
        if event.resource_pre_event is not None:
            meta = event.resource_pre_event.metadata
            op = op_value(meta.op)
            self._started[meta.urn] = _when(event)
            if preview and op != "same" and meta.type != STACK_TYPE:
                self._print(op, False, meta.type, meta.urn)
        elif event.res_outputs_event is not None and not preview:
            meta = event.res_outputs_event.metadata
            op = op_value(meta.op)
            if op != "same" and meta.type != STACK_TYPE:
                took = _when(event) - self._started.get(meta.urn, _when(event))
                self._print(op, True, meta.type, meta.urn, f" ({took:.0f}s)")
        elif event.res_op_failed_event is not None:
            meta = event.res_op_failed_event.metadata
            self.console.print(f" ✗ failed {meta.type} {resource_name(meta.urn)}", markup=False)
        elif event.diagnostic_event is not None:
            diag = event.diagnostic_event
            if diag.severity in ("error", "warning") and not diag.ephemeral:
                where = f" {resource_name(diag.urn)}" if diag.urn else ""
                self.console.print(f"   {diag.severity}{where}: {diag.message.strip()}", markup=False)

    def _print(self, op: str, done: bool, rtype: str, urn: str, suffix: str = "") -> None:
        line = _op_text(op, done)
        line.append(f"  {rtype}  {resource_name(urn)}{suffix}", style="default")
        self.console.print(line)


class LiveProgress(PlainProgress):
    """A live view on a terminal: counts so far and the steps still in flight."""

    def __init__(self, console: Console, operation: str, stack: str) -> None:
        super().__init__(console, operation, stack)
        from rich.live import Live

        self._live = Live(console=console, refresh_per_second=8, transient=True)

    def __enter__(self) -> LiveProgress:
        self._live.start()
        self._live.update(self._render())
        return self

    def __exit__(self, *exc: object) -> None:
        self._live.stop()
        for diag in self.tally.diagnostics:
            where = f" {resource_name(diag.urn)}" if diag.urn else ""
            self.console.print(f"   {diag.severity}{where}: {diag.message}", markup=False)

    def __call__(self, event: Any) -> None:
        with self._lock:
            self.tally.record(event)
            if event.resource_pre_event is not None:
                self._started[event.resource_pre_event.metadata.urn] = time.time()
            self._live.update(self._render())

    def _render(self) -> Group:
        tally = self.tally
        counts = Counter(op for rtype, op in tally.ops.values() if rtype != STACK_TYPE and op != "same")
        head = Text(f"{self.operation} {self.stack}  ", style="bold")
        for op, n in sorted(counts.items()):
            head.append_text(_op_text(op, False))
            head.append(f" {n}  ")
        head.append(f"done {len(tally.done)}  failed {len(tally.failed)}", style="dim")
        in_flight = Table.grid(padding=(0, 2))
        now = time.time()
        pending = [u for u in tally.ops if u not in tally.done and u not in tally.failed]
        if self.operation != "preview":
            for urn in pending[-10:]:
                rtype, op = tally.ops[urn]
                if rtype == STACK_TYPE or op == "same":
                    continue
                took = now - self._started.get(urn, now)
                in_flight.add_row(_op_text(op, False), rtype, resource_name(urn), f"{took:.0f}s")
        return Group(head, in_flight)


def make_progress(console: Console, operation: str, stack: str, live: bool) -> PlainProgress:
    return (LiveProgress if live else PlainProgress)(console, operation, stack)


def render_summary(tally: EventTally, console: Console, operation: str, stack: str) -> None:
    """Changes by type, then totals by op (the engine's count), then failures."""
    done = operation != "preview"
    by_type = tally.by_type(completed_only=done)
    if by_type:
        ops = [op for op in SUMMARY_OPS if any(op in c for c in by_type.values())]
        ops += sorted({op for c in by_type.values() for op in c} - set(ops))
        table = Table(title=f"{stack}: changes by type", title_justify="left", show_edge=False)
        table.add_column("type")
        for op in ops:
            table.add_column(OPS.get(op, ("", "", op, op))[3 if done else 2], justify="right")
        for rtype, counts in by_type.items():
            table.add_row(Text(rtype), *[str(counts.get(op, "")) for op in ops])
        console.print(table)
    totals = tally.totals()
    parts = [f"{n} {OPS.get(op, ('', '', op, op))[3 if done else 2]}" for op, n in sorted(totals.items())]
    line = f"{stack}: " + (", ".join(parts) if parts else "no changes")
    if tally.duration_seconds is not None and done:
        line += f" in {tally.duration_seconds}s"
    console.print(line, markup=False)
    if tally.failed:
        console.print(f"{len(tally.failed)} resource operation(s) failed:", markup=False)
        for urn, rtype in tally.failed.items():
            console.print(f"  {rtype} {resource_name(urn)}", markup=False)
    if tally.maybe_corrupt:
        console.print(
            "the engine reports the stack may be in an inconsistent state; run `pulumi refresh`",
            markup=False,
        )
