"""Reads nccl-tests output (text tables or -J JSON) from any launcher into plain numbers.

Pure: text in, NcclResult out. Columns are found by splitting on whitespace, never by position,
because wide numbers overflow their printf width and launchers prefix or interleave lines.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

COLLECTIVES = ("all_reduce", "all_gather", "reduce_scatter", "alltoall", "sendrecv", "broadcast", "reduce")
DATA_TYPES = {
    "int8", "uint8", "int32", "uint32", "int64", "uint64", "half", "float", "double", "bfloat16",
    "fp8_e4m3", "fp8_e5m2", "f8e4m3", "f8e5m2", "char", "int", "bf16",
}  # fmt: skip
REDOPS = {"sum", "prod", "max", "min", "avg", "none", "all", "mulsum", "premulsum"}

# Launchers prefix lines: Open MPI --tag-output "[1,0]<stdout>:", srun --label "0: ",
# PyTorch/pdsh style "[0] " -- and interleaving can drop one of these mid-line.
_PREFIX = re.compile(r"\[\d+(?:,\d+)*\](?:<std(?:out|err)>)?:?\s?|^\s*\d+:\s(?=\s*\S)")
_VERSION = re.compile(r"nccl-tests version (\S+)")
_START = re.compile(r"Collective test starting:\s*(\w+?)(?:_perf)?\s*$")
_BINARY = re.compile(r"\b(\w+?)_perf(?:_mpi)?\b")
_RANK = re.compile(r"#\s*Rank\s+(\d+)\s+(?:Group\s+\d+\s+)?Pid\s+(\d+)\s+on\s+(\S+)\s+device\s+(\d+)")
_NTHREAD = re.compile(r"#\s*nThread\s+(\d+)\s+nGpus\s+(\d+)")
_OOB = re.compile(r"Out of bounds values\s*:\s*(\d+)\s+(OK|FAILED)")
_AVG = re.compile(r"Avg bus bandwidth\s*:\s*([-+0-9.eE]+|nan|inf)")
# network names may hold spaces (aws-ofi-nccl: "NET/AWS Libfabric/0/GDRDMA"): read to the line's end
_CHANNEL = re.compile(r"NCCL INFO Channel .* via (NET/.+?|P2P/\S+|SHM/\S+)(?:\s+comm\s.*)?\s*$")
_NETWORK = re.compile(r"NCCL INFO Using network (.+?)\s*$")
_LAST_ERROR = re.compile(r"^#\s*error:\s*(.+)$")  # nccl-tests prints ncclGetLastError() after a run
_ERRORS = (
    ("nccl", re.compile(r"NCCL failure|Test NCCL failure|ncclSystemError|ncclInternalError|ncclRemoteError")),
    ("cuda", re.compile(r"CUDA failure|Cuda failure|CUDA error")),
    ("timeout", re.compile(r"[Tt]imed? ?out|Watchdog caught|DeadlineExceeded")),
    ("test", re.compile(r"Test failure|Test CUDA failure")),
    (
        "launcher",
        re.compile(
            r"mpirun noticed that process|process returned a non-zero exit code|"
            r"mpirun detected that one or more processes exited|srun: error:|exited on signal|"
            r"ailz-launcher: "  # the launcher gave up waiting for a worker's DNS record or sshd
        ),
    ),
)


@dataclass
class Measurement:
    time: float | None
    alg_bw: float | None
    bus_bw: float | None
    nwrong: int | None

    def to_json(self) -> dict[str, Any]:
        return {"time": self.time, "alg_bw": self.alg_bw, "bus_bw": self.bus_bw, "nwrong": self.nwrong}


@dataclass
class Row:
    size: int
    count: int | None
    type: str | None
    redop: str | None
    root: int | None
    out_of_place: Measurement
    in_place: Measurement | None
    run: int = 0  # which run of the log (several runs can be concatenated in one file)

    def best_bus_bw(self) -> float:
        return max((value for _, value in self.bus_bws()), default=0.0)

    def bus_bws(self) -> list[tuple[str, float]]:
        """(placement, busbw) of every measurement the row holds: out-of-place, in-place."""
        placed = (("out-of-place", self.out_of_place), ("in-place", self.in_place))
        return [(name, m.bus_bw) for name, m in placed if m is not None and m.bus_bw is not None]

    def to_json(self) -> dict[str, Any]:
        return {
            "size": self.size,
            "count": self.count,
            "type": self.type,
            "redop": self.redop,
            "root": self.root,
            "out_of_place": self.out_of_place.to_json(),
            "in_place": self.in_place.to_json() if self.in_place else None,
            "run": self.run,
        }


@dataclass
class Finding:
    """An error (the run failed) or an anomaly (the run finished but measured the wrong thing)."""

    kind: str
    message: str
    line: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "message": self.message, "line": self.line}


@dataclass
class NcclResult:
    collective: str | None = None
    version: str | None = None
    ranks: int | None = None
    hosts: list[str] = field(default_factory=list)
    network: str | None = None
    runs: int = 1
    run_collectives: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    average_bus_bandwidth: float | None = None
    out_of_bounds_ok: bool | None = None
    errors: list[Finding] = field(default_factory=list)
    anomalies: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """The log shows a completed, correct run (bandwidth is judged elsewhere)."""
        wrong = any(
            m is not None and m.nwrong not in (None, 0)
            for r in self.rows
            for m in (r.out_of_place, r.in_place)
        )
        return bool(self.rows) and not self.errors and self.out_of_bounds_ok is not False and not wrong

    def to_json(self) -> dict[str, Any]:
        return {
            "collective": self.collective,
            "version": self.version,
            "ranks": self.ranks,
            "hosts": self.hosts,
            "network": self.network,
            "runs": self.runs,
            "rows": [r.to_json() for r in self.rows],
            "average_bus_bandwidth": self.average_bus_bandwidth,
            "out_of_bounds_ok": self.out_of_bounds_ok,
            "errors": [e.to_json() for e in self.errors],
            "anomalies": [a.to_json() for a in self.anomalies],
            "ok": self.ok,
        }


def strip_prefixes(line: str) -> str:
    return _PREFIX.sub("", line).rstrip()


def _number(token: str) -> float | None:
    """A column's value; N/A (no in-place run) is None, nan and inf stay (and fail the run)."""
    if token in ("N/A", "n/a", "-"):
        return None
    try:
        return float(token)
    except ValueError:
        return None


def _int(token: str) -> int | None:
    value = _number(token)
    return int(value) if value is not None else None


def _is_int(token: str) -> bool:
    return re.fullmatch(r"-?\d+", token) is not None


def _measure(values: dict[str, str], legacy_error: bool) -> Measurement:
    wrong = values.get("#wrong")
    nwrong = None if legacy_error or wrong is None else _int(wrong)
    if legacy_error and "error" in values:
        error = _number(values["error"])
        # Before 2.13 the column held the max relative error; nccl-tests treats > 1e-2 as wrong.
        nwrong = None if error is None or error <= 1e-2 else 1
    return Measurement(
        time=_number(values.get("time", "N/A")),
        alg_bw=_number(values.get("algbw", "N/A")),
        bus_bw=_number(values.get("busbw", "N/A")),
        nwrong=nwrong,
    )


def _header_columns(tokens: list[str]) -> list[str] | None:
    """The column-name line: '#  size  count  type  redop  root  time algbw busbw #wrong ...'."""
    names = [t for t in tokens if t != "#"]
    if len(names) >= 5 and names[0] == "size" and "count" in names and "busbw" in names:
        return names
    return None


def _infer_columns(tokens: list[str]) -> list[str] | None:
    """Column names for a data row when no header was seen (cut logs)."""
    if len(tokens) < 6 or not _is_int(tokens[0]) or not _is_int(tokens[1]):
        return None
    if tokens[2] not in DATA_TYPES:
        return None
    names = ["size", "count", "type"]
    rest = tokens[3:]
    if rest and rest[0] in REDOPS:
        names.append("redop")
        rest = rest[1:]
        if rest and _is_int(rest[0]) and len(rest) % 4 == 1:
            names.append("root")
            rest = rest[1:]
    legacy = len(rest) >= 4 and re.search(r"[eE][-+]", rest[3]) is not None
    block = ["time", "algbw", "busbw", "error" if legacy else "#wrong"]
    if len(rest) == 8:
        return names + block + block
    if len(rest) == 4:
        return names + block
    return None


def _row(tokens: list[str], columns: list[str]) -> Row | None:
    if columns[-1] == "timestamp" and len(tokens) > len(columns):  # -S: "2025-01-31 12:00:00"
        tokens = tokens[: len(columns) - 1] + [" ".join(tokens[len(columns) - 1 :])]
    if len(tokens) != len(columns) or not _is_int(tokens[0]):
        return None
    first: dict[str, str] = {}
    second: dict[str, str] = {}
    common: dict[str, str] = {}
    for name, value in zip(columns, tokens, strict=True):
        name = "time" if name == "cputime" else name  # -C reports CPU time in the time column
        if name in ("time", "algbw", "busbw", "#wrong", "error"):
            (second if name in first else first)[name] = value
        else:
            common[name] = value
    if "busbw" not in first:
        return None
    legacy = "error" in columns
    root = common.get("root")
    return Row(
        size=int(common["size"]),
        count=_int(common["count"]) if "count" in common else None,
        type=common.get("type"),
        redop=common.get("redop"),
        root=_int(root) if root is not None else None,
        out_of_place=_measure(first, legacy),
        in_place=_measure(second, legacy) if second else None,
    )


def parse(text: str, expected_ranks: int | None = None, expect_gdr: bool | None = None) -> NcclResult:
    """Parse one nccl-tests run. expected_ranks = nodes x GPUs; expect_gdr for RDMA fabrics."""
    stripped = text.lstrip()
    if stripped.startswith("{"):
        try:
            document = json.loads(stripped)
        except (ValueError, RecursionError):  # not JSON, a number too long to read, nesting too deep
            document = None
        if isinstance(document, dict):
            try:
                result = parse_json(document)
            except (KeyError, TypeError, ValueError, AttributeError):  # JSON, but not nccl-tests'
                result = None
            if result is not None:
                _check(result, expected_ranks, expect_gdr, channels=[], tables=1)
                return result

    result = NcclResult()
    columns: list[str] | None = None
    table_ranks: list[set[int]] = []  # the rank ids each "# nThread" table lists
    table_rows: list[list[Row]] = [[]]
    table_collectives: list[str | None] = []
    channels: list[tuple[int, str]] = []
    starts: list[str] = []
    seen_hosts: set[str] = set()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = strip_prefixes(raw)
        if not line.strip():
            continue
        if match := _LAST_ERROR.search(line.strip()):
            result.errors.append(Finding("nccl", match.group(1)[:300], number))
        for kind, pattern in _ERRORS:
            if line.lstrip().startswith("#") or "NCCL INFO" in line:
                break
            if pattern.search(line):
                result.errors.append(Finding(kind, line.strip()[:300], number))
                break
        if "NCCL INFO" in line:
            if match := _CHANNEL.search(line):
                channels.append((number, match.group(1)))
            if (match := _NETWORK.search(line)) and result.network is None:
                result.network = match.group(1)
            continue
        if match := _VERSION.search(line):
            result.version = result.version or match.group(1)
        if match := _START.search(line):
            result.collective = result.collective or match.group(1)
            starts.append(match.group(1))
        if _NTHREAD.search(line):
            table_ranks.append(set())
            if table_ranks[:-1] or table_rows[-1]:
                table_rows.append([])
            table_collectives.append(starts[-1] if starts else None)
        if match := _RANK.search(line):
            if not table_ranks:
                table_ranks.append(set())
            table_ranks[-1].add(int(match.group(1)))
            if match.group(3) not in seen_hosts:  # a set: logs of thousands of ranks stay linear
                seen_hosts.add(match.group(3))
                result.hosts.append(match.group(3))
        if match := _OOB.search(line):
            result.out_of_bounds_ok = match.group(2) == "OK" and (result.out_of_bounds_ok is not False)
        if match := _AVG.search(line):
            result.average_bus_bandwidth = _number(match.group(1))
        tokens = line.split()
        if tokens[0].startswith("#"):
            columns = _header_columns(tokens) or columns
            continue
        if result.collective is None and (match := _BINARY.search(line)) and match.group(1) in COLLECTIVES:
            result.collective = match.group(1)
        if not _is_int(tokens[0]):
            continue
        row = _row(tokens, columns) if columns else None
        if row is None and (inferred := _infer_columns(tokens)):
            row = _row(tokens, inferred)
        if row is not None:
            table_rows[-1].append(row)
    # several tables, each listing one rank only: processes that never met (ranks alone); several
    # tables each listing all ranks: runs concatenated in one file, every one of them is judged
    alone = len(table_ranks) > 1 and all(len(ranks) <= 1 for ranks in table_ranks)
    kept = [rows for rows in table_rows if rows]
    if alone:
        kept = kept[:1]
    for run, rows in enumerate(kept):
        for row in rows:
            row.run = run
            result.rows.append(row)
    result.runs = max(1, len(kept))
    if any(table_ranks):
        result.ranks = max(len(ranks) for ranks in table_ranks)
    named = [c for c in (table_collectives or starts) if c]
    result.run_collectives = list(dict.fromkeys(named))
    _check(result, expected_ranks, expect_gdr, channels, len(table_ranks) if alone else 1)
    return result


def parse_json(document: dict[str, Any]) -> NcclResult:
    """The nccl-tests -J document (file version 3: results, out_of_bounds, average_bus_bandwidth,
    devices, args, errors); ailz's own JSON (same row keys) reads back too."""

    def measurement(raw: dict[str, Any] | None) -> Measurement | None:
        if not raw:
            return None
        nwrong = raw.get("nwrong")
        return Measurement(
            time=raw.get("time", raw.get("cpu_time")),
            alg_bw=raw.get("alg_bw"),
            bus_bw=raw.get("bus_bw"),
            nwrong=None if nwrong is None else int(nwrong),
        )

    rows = []
    for raw in document.get("results") or document.get("rows") or []:
        root = raw.get("root")
        rows.append(
            Row(
                size=int(raw["size"]),
                count=raw.get("count"),
                type=raw.get("type"),
                redop=raw.get("redop"),
                root=int(root) if isinstance(root, str) and _is_int(root.strip()) else root,
                out_of_place=measurement(raw.get("out_of_place")) or Measurement(None, None, None, None),
                in_place=measurement(raw.get("in_place")),
            )
        )
    collective = document.get("collective")
    args = document.get("args") or []
    if collective is None and args and (match := _BINARY.search(str(args[0]))):
        collective = match.group(1)
    devices = document.get("devices") or (document.get("config") or {}).get("devices") or []
    bounds = document.get("out_of_bounds")
    average = document.get("average_bus_bandwidth")
    errors = []
    for error in document.get("errors") or []:
        if isinstance(error, dict):
            errors.append(Finding(error.get("kind", "nccl"), error.get("message", "")))
        elif error:
            errors.append(Finding("nccl", str(error)))
    return NcclResult(
        collective=collective.removesuffix("_perf") if isinstance(collective, str) else None,
        version=document.get("version") if isinstance(document.get("version"), str) else None,
        ranks=document.get("ranks", len(devices) or None),
        hosts=list(
            document.get("hosts") or dict.fromkeys(d.get("hostname") for d in devices if d.get("hostname"))
        ),
        network=document.get("network"),
        rows=rows,
        average_bus_bandwidth=average.get("bandwidth") if isinstance(average, dict) else average,
        out_of_bounds_ok=bounds.get("okay") if isinstance(bounds, dict) else document.get("out_of_bounds_ok"),
        errors=errors,
    )


def _check(
    result: NcclResult,
    expected_ranks: int | None,
    expect_gdr: bool | None,
    channels: list[tuple[int, str]],
    tables: int,
) -> None:
    """Classic mistakes: ranks running alone, too few ranks, GPUDirect RDMA not in use; values that
    are not finite numbers (nan, inf, text) fail the run and are dropped, so no report carries them."""
    _drop_bad_values(result)
    if not result.rows and not result.errors:
        result.errors.append(Finding("no-results", "the log holds no nccl-tests result rows"))
    # busbw is algbw x (n-1)/n for most collectives: 0 with data moving means n = 1, in any log
    measured = [r for r in result.rows if r.bus_bws()]
    zero_busbw = bool(measured) and all(r.best_bus_bw() == 0 for r in measured)
    moved = any((r.out_of_place.alg_bw or 0) > 0 for r in result.rows)
    if tables > 1 or (zero_busbw and moved):
        result.anomalies.append(
            Finding(
                "ranks-alone",
                "every process ran as its own 1-rank job (busbw 0 with data moving, or one table per "
                "process): launch through mpirun/srun with an MPI-enabled nccl-tests build",
            )
        )
    if len(result.run_collectives) > 1:
        result.anomalies.append(
            Finding(
                "mixed-collectives",
                f"the log holds runs of {', '.join(result.run_collectives)}: each collective has its own "
                "expected bandwidth, so judge one log per collective",
            )
        )
    if expected_ranks and result.ranks is not None and result.ranks < expected_ranks:
        result.anomalies.append(
            Finding(
                "too-few-ranks",
                f"{result.ranks} ranks took part, expected {expected_ranks} (nodes x GPUs): "
                "check -np / slots per host and -g",
            )
        )
    socket = [(n, c) for n, c in channels if c.startswith("NET/Socket")]
    if socket:
        result.anomalies.append(
            Finding("net-socket", f"NCCL fell back to TCP sockets ({socket[0][1]})", socket[0][0])
        )
    if expect_gdr:
        net = [(n, c) for n, c in channels if c.startswith("NET/")]
        without = [(n, c) for n, c in net if "GDRDMA" not in c]
        if without:  # every network channel: one rail without GPUDirect RDMA is a broken rail
            result.anomalies.append(
                Finding(
                    "no-gdrdma",
                    f"{len(without)} of {len(net)} network channels do not use GPUDirect RDMA "
                    f"({without[0][1]}); check the peer-memory / dmabuf driver and NCCL_NET_GDR_LEVEL",
                    without[0][0],
                )
            )
        if not channels:
            result.anomalies.append(
                Finding(
                    "no-debug",
                    "no NCCL_DEBUG=INFO channel lines in the log, so GPUDirect RDMA cannot be confirmed",
                )
            )


def _drop_bad_values(result: NcclResult) -> None:
    """Values that are not finite numbers (nan, inf, text) fail the run and are dropped, so no report
    (JSON above all) carries them."""
    for row in result.rows:
        for placement, measured in (("out-of-place", row.out_of_place), ("in-place", row.in_place)):
            for name in ("time", "alg_bw", "bus_bw"):
                value = getattr(measured, name, None) if measured is not None else None
                if value is None:
                    continue
                if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                    result.errors.append(
                        Finding(
                            "bad-value", f"{row.size} B {placement}: {name} is {value!r}, not a finite number"
                        )
                    )
                    setattr(measured, name, None)
