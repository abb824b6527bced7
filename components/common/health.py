"""The node health contract of the recurring fabric checks: one label, one taint, a few annotations,
the same on every target kind. Pure: the check pods apply it through a table rendered from here.

A node's last results (P pass, F fail, newest last, at most HISTORY of them) decide its state:
- `bad`: a confirmed failure, two failed checks in a row or BAD_FAILURES of the window, and not yet
  two passes in a row since; tainted NoSchedule;
- `suspect`: the last check failed, not (yet) confirmed;
- `flaky`: the last check passed, but FLAKY_FAILURES of the window failed;
- `good`: otherwise.
A bad node is cleared only by passing re-checks (its check pods tolerate the taint): two in a row.
A check that could not run (its tools missing, DCGM not starting) is no result: it changes nothing.
"""

from __future__ import annotations

from itertools import product
from typing import Literal

HealthState = Literal["good", "suspect", "flaky", "bad"]

HEALTH_LABEL = "ailz.io/health"
HEALTH_TAINT = "ailz.io/health-bad"
HISTORY_ANNOTATION = "ailz.io/health-history"
TIME_ANNOTATION = "ailz.io/health-checked-at"
REASON_ANNOTATION = "ailz.io/health-reason"
BUSBW_ANNOTATION = "ailz.io/health-busbw"
# what the checker may change on a node, and nothing else (its admission policy)
HEALTH_KEYS = "ailz.io/health"
HISTORY = 5
FLAKY_FAILURES = 2
BAD_FAILURES = 3


def next_history(history: str, passed: bool) -> str:
    """The window of results after one more check."""
    return (history + ("P" if passed else "F"))[-HISTORY:]


def state_of(history: str, was_bad: bool = False) -> HealthState:
    """was_bad: the node is bad now; it stays bad until two checks in a row pass, even when its
    oldest failures leave the window."""
    confirmed = was_bad or "FF" in history or history.count("F") >= BAD_FAILURES
    if confirmed and not history.endswith("PP"):
        return "bad"
    if history.endswith("F"):
        return "suspect"
    if history.count("F") >= FLAKY_FAILURES:
        return "flaky"
    return "good"


def tainted(state: HealthState) -> bool:
    return state == "bad"


def transition_table() -> dict[tuple[str, str, bool], tuple[str, HealthState]]:
    """(history before, P|F, bad now) -> (history after, state) for every history the window can
    hold: the check script looks its next state up here instead of re-implementing the rules."""
    table = {}
    for length in range(HISTORY + 1):
        for letters in product("PF", repeat=length):
            before = "".join(letters)
            for result in "PF":
                after = next_history(before, result == "P")
                for was_bad in (False, True):
                    table[(before, result, was_bad)] = (after, state_of(after, was_bad))
    return table
