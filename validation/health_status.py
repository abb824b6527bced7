"""`ailz validate health status`: each node's last recurring check, read from the node itself (the
contract in components/common/health.py), as a table, JSON or Prometheus text exposition."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from ailz.components.common import health
from ailz.validation.cluster import NodeInfo


@dataclass
class NodeHealth:
    node: str
    pool: str
    state: str  # good | suspect | flaky | bad | unchecked
    tainted: bool
    checked_at: str | None
    reason: str | None
    busbw_gbps: float | None
    history: str

    def to_json(self) -> dict[str, Any]:
        return {
            "node": self.node,
            "pool": self.pool,
            "state": self.state,
            "tainted": self.tainted,
            "checked_at": self.checked_at,
            "reason": self.reason,
            "nvlink_busbw_gbps": self.busbw_gbps,
            "history": self.history,
        }


def node_health(node: NodeInfo, pool: str) -> NodeHealth:
    annotations = node.annotations
    busbw = annotations.get(health.BUSBW_ANNOTATION) or ""
    try:
        value = float(busbw) if busbw else None
    except ValueError:
        value = None
    return NodeHealth(
        node=node.name,
        pool=pool,
        state=node.labels.get(health.HEALTH_LABEL, "unchecked"),
        tainted=health.HEALTH_TAINT in node.taints,
        checked_at=annotations.get(health.TIME_ANNOTATION),
        reason=annotations.get(health.REASON_ANNOTATION),
        busbw_gbps=value,
        history=annotations.get(health.HISTORY_ANNOTATION, ""),
    )


def text(rows: list[NodeHealth]) -> str:
    lines = [f"{'pool':<12} {'node':<40} {'state':<9} {'checked (UTC)':<21} {'NVLink GB/s':>11}  reason"]
    for row in rows:
        busbw = "-" if row.busbw_gbps is None else f"{row.busbw_gbps:.1f}"
        state = row.state + (" T" if row.tainted else "")
        checked = row.checked_at or "-"
        lines.append(
            f"{row.pool:<12} {row.node:<40} {state:<9} {checked:<21} {busbw:>11}  {row.reason or ''}"
        )
    return "\n".join(lines) + "\n"


STATES = ("good", "suspect", "flaky", "bad", "unchecked")


def prometheus(rows: list[NodeHealth]) -> str:
    """Prometheus text exposition format: one gauge per node and state, last check time, NVLink busbw."""
    out = [
        "# HELP ailz_node_health_state Health state of a GPU node from ailz's recurring check (1 = current).",
        "# TYPE ailz_node_health_state gauge",
    ]
    for row in rows:
        for state in STATES:
            out.append(f'ailz_node_health_state{{node="{row.node}",pool="{row.pool}",state="{state}"}} '
                       f"{1 if row.state == state else 0}")  # fmt: skip
    out += [
        "# HELP ailz_node_health_last_check_timestamp_seconds When the node was last checked.",
        "# TYPE ailz_node_health_last_check_timestamp_seconds gauge",
    ]
    for row in rows:
        if row.checked_at:
            try:
                stamp = dt.datetime.strptime(row.checked_at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
            except ValueError:
                continue
            labels = f'node="{row.node}",pool="{row.pool}"'
            out.append(f"ailz_node_health_last_check_timestamp_seconds{{{labels}}} {int(stamp.timestamp())}")
    out += [
        "# HELP ailz_node_health_nvlink_busbw_gbps Worst NVLink all_reduce bus bandwidth of the last check.",
        "# TYPE ailz_node_health_nvlink_busbw_gbps gauge",
    ]
    for row in rows:
        if row.busbw_gbps is not None:
            out.append(
                f'ailz_node_health_nvlink_busbw_gbps{{node="{row.node}",pool="{row.pool}"}} {row.busbw_gbps}'
            )
    out += [
        "# HELP ailz_node_health_recent_failures Failed checks among the last five.",
        "# TYPE ailz_node_health_recent_failures gauge",
    ]
    for row in rows:
        labels = f'node="{row.node}",pool="{row.pool}"'
        out.append(f"ailz_node_health_recent_failures{{{labels}}} {row.history.count('F')}")
    return "\n".join(out) + "\n"
