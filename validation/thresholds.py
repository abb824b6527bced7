"""Pass/fail from the catalog: measured bus bandwidth at the largest sizes vs what the machine reaches.

Never gates on nccl-tests' "Avg bus bandwidth": that average includes small messages, which are
latency-bound and say nothing about the fabric.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from typing import Any

from ailz.catalog import Machine, load_catalog
from ailz.validation.parser import NcclResult

# Anomalies that make a measurement meaningless, whatever the numbers say.
FATAL_ANOMALIES = {"ranks-alone", "too-few-ranks", "net-socket", "no-gdrdma", "mixed-collectives"}
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


@dataclass(frozen=True)
class Threshold:
    """The catalog figure a run is judged against; `gbps` None: no sourced figure, not judged."""

    collective: str
    nodes: int
    gbps: float | None
    figure: str | None  # the `expected` field it comes from

    @property
    def scale(self) -> str:
        return "intra_node" if self.nodes <= 1 else "multi_node"

    def describe(self) -> str:
        where = "in one node" if self.nodes <= 1 else f"on {self.nodes} nodes"
        return f"{self.collective} {where}"


def threshold(machine: Machine, collective: str, nodes: int) -> Threshold:
    """One node measures NVLink; two or more measure the network (Ring keeps all_reduce per-node
    bound). Which figure applies to which collective is data: catalog `nccl_thresholds`."""
    table = load_catalog().nccl_thresholds
    figures = table.intra_node if nodes <= 1 else table.multi_node
    figure = figures.get(collective)
    value = getattr(machine.expected, figure) if figure else None
    return Threshold(collective, nodes, value, figure if value is not None else None)


def expected_busbw(machine: Machine, nodes: int, collective: str = "all_reduce") -> float | None:
    return threshold(machine, collective, nodes).gbps


def large_rows(result: NcclResult, min_bytes: int) -> list:
    """Rows at or above min_bytes; when the run stopped below it, its largest few rows."""
    rows = [r for r in result.rows if r.size >= min_bytes]
    return rows or sorted(result.rows, key=lambda r: r.size)[-LARGEST_ROWS:]


@dataclass
class Verdict:
    """Every measurement (out-of-place and in-place) of every large row must reach the pass line;
    the worst of them is the measured figure, the median says how the run went overall."""

    passed: bool
    measured_gbps: float | None  # the worst large-message measurement
    expected_gbps: float | None
    min_fraction: float
    at_bytes: int | None
    reasons: list[str]
    median_gbps: float | None = None
    placement: str | None = None  # out-of-place / in-place of the worst measurement
    judged: bool = True  # False: no catalog figure for this collective and scale
    measurements: int = 0
    below: int = 0

    @property
    def threshold_gbps(self) -> float | None:
        return None if self.expected_gbps is None else self.expected_gbps * self.min_fraction

    @property
    def fraction(self) -> float | None:
        if self.measured_gbps is None or not self.expected_gbps:
            return None
        return self.measured_gbps / self.expected_gbps

    def to_json(self) -> dict[str, Any]:
        threshold = self.threshold_gbps
        return {
            "passed": self.passed,
            "judged": self.judged,
            "measured_busbw_gbps": self.measured_gbps,
            "worst_busbw_gbps": self.measured_gbps,
            "median_busbw_gbps": self.median_gbps,
            "worst_at_bytes": self.at_bytes,
            "worst_placement": self.placement,
            "expected_busbw_gbps": self.expected_gbps,
            "threshold_busbw_gbps": None if threshold is None else round(threshold, 3),
            "min_fraction": self.min_fraction,
            "fraction": None if self.fraction is None else round(self.fraction, 4),
            "at_bytes": self.at_bytes,
            "measurements": self.measurements,
            "below_threshold": self.below,
            "reasons": self.reasons,
        }


def correctness_reasons(result: NcclResult) -> list[str]:
    """Why the log shows a broken run, whatever the bandwidth: errors, wrong results, classic mistakes."""
    reasons = [f"{e.kind}: {e.message}" for e in result.errors]
    if result.out_of_bounds_ok is False:
        reasons.append("results were wrong (out-of-bounds values FAILED)")
    wrong = [
        (row, name)
        for row in result.rows
        for name, m in (("out-of-place", row.out_of_place), ("in-place", row.in_place))
        if m is not None and m.nwrong not in (None, 0)
    ]
    if wrong and result.out_of_bounds_ok is not False:
        row, name = wrong[0]
        first = f"{format_bytes(row.size)} {name}"
        reasons.append(f"results were wrong in {len(wrong)} measurement(s), first at {first}")
    reasons += [f"{a.kind}: {a.message}" for a in result.anomalies if a.kind in FATAL_ANOMALIES]
    return reasons


def judge(
    result: NcclResult,
    expected_gbps: float | None,
    min_fraction: float,
    min_bytes: int,
) -> Verdict:
    """Pass when every measurement at the large sizes reaches min_fraction of expected and the run was
    correct; expected None judges correctness only (the bandwidth is reported)."""
    reasons = correctness_reasons(result)
    rows = large_rows(result, min_bytes)
    measured = [(value, row.size, placement) for row in rows for placement, value in row.bus_bws()]
    worst = min(measured, default=None)
    verdict = Verdict(
        passed=False,
        measured_gbps=worst[0] if worst else None,
        expected_gbps=expected_gbps,
        min_fraction=min_fraction,
        at_bytes=worst[1] if worst else None,
        reasons=reasons,
        median_gbps=statistics.median(v for v, _, _ in measured) if measured else None,
        placement=worst[2] if worst else None,
        judged=expected_gbps is not None,
        measurements=len(measured),
    )
    if not measured and not result.errors:
        reasons.append("no bus bandwidth at the large message sizes")
    if measured and expected_gbps is not None:
        line = expected_gbps * min_fraction
        below = [m for m in measured if m[0] < line]
        verdict.below = len(below)
        if below:
            value, size, placement = worst
            smallest = format_bytes(min(r.size for r in rows))
            reasons.append(
                f"bus bandwidth below the pass line in {len(below)} of {len(measured)} measurements at "
                f">= {smallest}: worst {value:.1f} GB/s at {format_bytes(size)} {placement}, "
                f"median {verdict.median_gbps:.1f} GB/s; the line is {min_fraction:.0%} of the "
                f"expected {expected_gbps:.0f} GB/s ({line:.1f} GB/s)"
            )
    verdict.passed = not reasons
    return verdict


def judge_log(
    log: str,
    machine: Machine,
    nodes: int,
    collective: str,
    min_fraction: float,
    min_bytes: int,
    expect_gdr: bool,
) -> tuple[NcclResult, Verdict, Threshold]:
    """Parse a launcher log and judge it against the catalog: the same path for a run of ailz's own
    jobs and for a log from anywhere (`ailz validate nccl parse --machine`)."""
    from ailz.validation.parser import parse

    result = parse(log, expected_ranks=nodes * machine.gpus, expect_gdr=expect_gdr and nodes > 1)
    line = threshold(machine, collective, nodes)
    verdict = judge(result, line.gbps, min_fraction, min_bytes)
    if result.collective and result.collective != collective:
        verdict.passed = False
        verdict.reasons.insert(0, f"the log is a {result.collective} run, judged as {collective}")
    return result, verdict, line
