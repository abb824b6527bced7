"""Pass/fail from the catalog: measured bus bandwidth at the largest sizes vs what the machine reaches.

Never gates on nccl-tests' "Avg bus bandwidth": that average includes small messages, which are
latency-bound and say nothing about the fabric.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ailz.catalog import Machine
from ailz.validation.parser import NcclResult

# Anomalies that make a measurement meaningless, whatever the numbers say.
FATAL_ANOMALIES = {"ranks-alone", "too-few-ranks", "net-socket", "no-gdrdma"}
LARGEST_ROWS = 3


def parse_bytes(text: str) -> int:
    """'1G' -> 1073741824, the way nccl-tests reads -b/-e."""
    match = re.fullmatch(r"(\d+)([KMG]?)", text.strip())
    if not match:
        raise ValueError(f"not a size: {text!r} (write e.g. 512M or 8G)")
    return int(match.group(1)) * {"": 1, "K": 2**10, "M": 2**20, "G": 2**30}[match.group(2)]


def format_bytes(size: int) -> str:
    """17179869184 -> '16G', the way -b/-e are written."""
    for unit, scale in (("G", 2**30), ("M", 2**20), ("K", 2**10)):
        if size >= scale and size % scale == 0:
            return f"{size // scale}{unit}"
    return f"{size}B"


def expected_busbw(machine: Machine, nodes: int) -> float:
    """One node measures NVLink; two or more measure the network (Ring keeps it per-node bound)."""
    return machine.expected.intra_node_busbw_gbps if nodes <= 1 else machine.expected.two_node_busbw_gbps


def large_rows(result: NcclResult, min_bytes: int) -> list:
    """Rows at or above min_bytes; when the run stopped below it, its largest few rows."""
    rows = [r for r in result.rows if r.size >= min_bytes]
    return rows or sorted(result.rows, key=lambda r: r.size)[-LARGEST_ROWS:]


@dataclass
class Verdict:
    passed: bool
    measured_gbps: float | None
    expected_gbps: float
    min_fraction: float
    at_bytes: int | None
    reasons: list[str]

    @property
    def threshold_gbps(self) -> float:
        return self.expected_gbps * self.min_fraction

    @property
    def fraction(self) -> float | None:
        return None if self.measured_gbps is None else self.measured_gbps / self.expected_gbps

    def to_json(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "measured_busbw_gbps": self.measured_gbps,
            "expected_busbw_gbps": self.expected_gbps,
            "threshold_busbw_gbps": round(self.threshold_gbps, 3),
            "min_fraction": self.min_fraction,
            "fraction": None if self.fraction is None else round(self.fraction, 4),
            "at_bytes": self.at_bytes,
            "reasons": self.reasons,
        }


def judge(result: NcclResult, expected_gbps: float, min_fraction: float, min_bytes: int) -> Verdict:
    """Pass when the best bus bandwidth at the large sizes reaches min_fraction of expected."""
    reasons = [f"{e.kind}: {e.message}" for e in result.errors]
    if result.out_of_bounds_ok is False:
        reasons.append("results were wrong (out-of-bounds values FAILED)")
    reasons += [f"{a.kind}: {a.message}" for a in result.anomalies if a.kind in FATAL_ANOMALIES]
    rows = large_rows(result, min_bytes)
    measured, at = None, None
    if rows:
        best = max(rows, key=lambda r: r.best_bus_bw())
        measured, at = best.best_bus_bw(), best.size
        if measured < expected_gbps * min_fraction:
            reasons.append(
                f"bus bandwidth {measured:.1f} GB/s at {format_bytes(at)} is below {min_fraction:.0%} of the "
                f"expected {expected_gbps:.0f} GB/s ({expected_gbps * min_fraction:.1f} GB/s)"
            )
    elif not result.errors:
        reasons.append("no result rows")
    return Verdict(
        passed=not reasons and result.ok,
        measured_gbps=measured,
        expected_gbps=expected_gbps,
        min_fraction=min_fraction,
        at_bytes=at,
        reasons=reasons,
    )
