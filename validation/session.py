"""One `ailz validate nccl` session: plan, render, run, parse, judge; pairwise isolation on request."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ailz.catalog import load_catalog
from ailz.components.common import names as naming
from ailz.validation.cluster import ClusterApi, RunError
from ailz.validation.isolation import Pair, isolate
from ailz.validation.job_plan import BAD_NODE_LABEL, BAD_NODE_TAINT, JobPlan, RenderError, plan_job
from ailz.validation.parser import NcclResult
from ailz.validation.render import render
from ailz.validation.runner import RunOutcome, check_pool, run_jobs
from ailz.validation.thresholds import Verdict, judge_log, parse_bytes, threshold


@dataclass
class RunReport:
    name: str
    nodes: list[str]
    state: str
    message: str
    result: NcclResult
    verdict: Verdict
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "nodes": self.nodes,
            "state": self.state,
            "message": self.message,
            "seconds": round(self.seconds, 1),
            "verdict": self.verdict.to_json(),
            "result": self.result.to_json(),
        }


@dataclass
class ValidationReport:
    zone: str
    target: str
    pool: str
    machine: str
    collective: str
    expected_gbps: float | None  # None: no catalog figure for this collective and scale, not judged
    min_fraction: float
    runs: list[RunReport] = field(default_factory=list)
    node_status: dict[str, str] = field(default_factory=dict)
    node_reasons: dict[str, str] = field(default_factory=dict)
    racks: dict[str, str] = field(default_factory=dict)
    failing_links: list[tuple[str, str, int, int]] = field(default_factory=list)
    uncrossed: list[tuple[str, str]] = field(default_factory=list)  # --all-rack-pairs: never crossed
    rounds: int = 0
    gpu_minutes: float = 0.0

    @property
    def judged(self) -> bool:
        """False when the catalog has no figure for the collective at this scale: correctness only."""
        return all(r.verdict.judged for r in self.runs)

    @property
    def passed(self) -> bool:
        if self.failing_links or self.uncrossed or not self.runs:
            return False
        if self.node_status and set(self.node_status.values()) != {"good"}:
            return False  # pairwise: every node proven good (bad, flaky, suspect, untested fail it)
        return self.rounds > 1 or all(r.verdict.passed for r in self.runs)

    def to_json(self) -> dict[str, Any]:
        return {
            "zone": self.zone,
            "target": self.target,
            "pool": self.pool,
            "machine": self.machine,
            "collective": self.collective,
            "expected_busbw_gbps": self.expected_gbps,
            "min_fraction": self.min_fraction,
            "passed": self.passed,
            "bandwidth_judged": self.judged,
            "rounds": self.rounds,
            "gpu_minutes": round(self.gpu_minutes, 1),
            "nodes": self.node_status,
            "node_reasons": self.node_reasons,
            "racks": self.racks,
            "failing_links": [
                {"racks": [a, b], "failed": failed, "tested": tested}
                for a, b, failed, tested in self.failing_links
            ],
            "uncrossed_rack_pairs": [list(pair) for pair in self.uncrossed],
            "runs": [r.to_json() for r in self.runs],
        }


def judge_outcome(plan: JobPlan, outcome: RunOutcome) -> RunReport:
    """Parse the launcher log and compare with the catalog; a non-succeeded job never passes."""
    result, verdict, _ = judge_log(
        outcome.log,
        plan.machine,
        plan.nodes,
        plan.collective,
        plan.settings.min_fraction,
        parse_bytes(plan.settings.min_bytes),
        expect_gdr=bool(plan.pod["expect_gdr"]),
    )
    if outcome.state != "succeeded":
        verdict.passed = False
        verdict.reasons.insert(
            0, f"job {outcome.state}" + (f": {outcome.message}" if outcome.message else "")
        )
    nodes = outcome.nodes or plan.pin_nodes
    return RunReport(plan.name, nodes, outcome.state, outcome.message, result, verdict, outcome.seconds)


def fabric_outcome(outcome: RunOutcome, run: RunReport) -> str:
    """pass / fail / untested for isolation: a test the fabric never got to run (unscheduled, or the
    launcher gave up waiting for a worker's DNS record or sshd) is no evidence against its nodes."""
    if not outcome.tested:
        return "untested"
    errors = run.result.errors
    if errors and all(e.kind == "launcher" and "ailz-launcher:" in e.message for e in errors):
        return "untested"
    return "pass" if run.verdict.passed else "fail"


def isolation_collective(plan: JobPlan) -> None:
    """Finding nodes needs a collective judged against the node's network figure: one that crosses
    every rail (sendrecv meets two GPUs' links only; alltoall has no figure)."""
    line = threshold(plan.machine, plan.collective, 2)
    if line.figure != "two_node_busbw_gbps":
        usable = [
            c for c, f in load_catalog().nccl_thresholds.multi_node.items() if f == "two_node_busbw_gbps"
        ]
        raise RenderError(
            f"{plan.collective} cannot tell good nodes from bad ones: across nodes it is "
            + ("not judged" if line.gbps is None else "judged per GPU pair, not over every rail")
            + f"; use one of {', '.join(usable)}"
        )


def rack_of(labels: dict[str, str], rack_label: str | None = None) -> str | None:
    """The node's rack from its labels: the spec's label, else the catalog's (GKE sub-block, the
    closest EC2 network-node layer)."""
    if rack_label:
        return labels.get(rack_label)
    topology = load_catalog().node_topology
    for key in topology.rack_labels:
        if labels.get(key):
            return labels[key]
    for prefix in topology.layered_prefixes:
        layers = [
            (int(k[len(prefix) :]), v)
            for k, v in labels.items()
            if k.startswith(prefix) and k[len(prefix) :].isdigit()
        ]
        if layers:
            return max(layers)[1]
    return None


def validate(
    spec: Any,
    target: str,
    pool: str,
    api: ClusterApi,
    nodes: int | None = None,
    all_nodes: bool = False,
    collective: str | None = None,
    pairwise: bool = False,
    label_bad_nodes: bool = False,
    on_progress: Callable[[str], None] = lambda text: None,
    run_id: str | None = None,
    image: str | None = None,
    pairing: str | None = None,
    seed: int | None = None,
    all_rack_pairs: bool = False,
    **run_options: Any,
) -> ValidationReport:
    base = plan_job(spec, target, pool, nodes=1, collective=collective, name="probe")
    if pairwise:
        isolation_collective(base)
    run_id = run_id or secrets.token_hex(3)
    wanted = 2 if pairwise else (nodes or (base.pool.nodes if all_nodes else min(base.pool.nodes, 2)))
    ready = check_pool(api, pool, wanted, exclude_taint=BAD_NODE_TAINT)
    chosen = [n.name for n in ready] if all_nodes or pairwise else [n.name for n in ready[:wanted]]
    if pairwise and nodes:
        chosen = chosen[:nodes]
    timeout = base.settings.timeout_minutes * 60
    run_options.setdefault("schedule_timeout_seconds", base.settings.schedule_timeout_minutes * 60)
    report = ValidationReport(
        zone=spec.name,
        target=target,
        pool=pool,
        machine=base.machine.name,
        collective=base.collective,
        expected_gbps=threshold(
            base.machine, base.collective, 1 if len(chosen) == 1 and not pairwise else 2
        ).gbps,
        min_fraction=base.settings.min_fraction,
    )
    gpus = base.machine.gpus

    def plan_for(name: str, count: int, pin: list[str] | None = None) -> JobPlan:
        return plan_job(
            spec, target, pool, nodes=count, collective=collective, name=name, pin_nodes=pin, image=image,
            within_pool=not all_nodes,
        )  # fmt: skip

    if not pairwise:
        plan = plan_for(f"nccl-{pool}-{run_id}", len(chosen))
        outcome = run_jobs(api, [render(plan)], timeout, on_progress=on_progress, **run_options)[0]
        run = judge_outcome(plan, outcome)
        report.runs.append(run)
        report.rounds = 1
        report.gpu_minutes = outcome.seconds / 60 * gpus * len(chosen)
        state = fabric_outcome(outcome, run)
        if state != "pass" or run.verdict.judged:  # unjudged bandwidth proves no node good
            status = {"pass": "good", "fail": "suspect", "untested": "untested"}[state]
            report.node_status = {node: status for node in (run.nodes or chosen)}
    else:
        racks = {n.name: rack for n in ready if (rack := rack_of(n.labels, base.settings.rack_label))}
        report.racks = racks

        def run_round(pairs: list[Pair]) -> list[str]:
            index = report.rounds
            report.rounds += 1
            tainted = {
                n.name for n in api.list_nodes(f"{naming.POOL_LABEL}={pool}") if BAD_NODE_TAINT in n.taints
            }
            plans = [
                plan_for(f"nccl-{pool}-{run_id}-r{index}p{i}", 2, list(pair)) for i, pair in enumerate(pairs)
            ]
            runnable = [p for p in plans if not set(p.pin_nodes) & tainted]
            on_progress(f"round {index + 1}: {len(runnable)} node pairs in parallel")
            outcomes = run_jobs(
                api, [render(p) for p in runnable], timeout, on_progress=on_progress, **run_options
            )
            by_name = {o.name: o for o in outcomes}
            results = []
            for plan in plans:
                outcome = by_name.get(plan.name) or RunOutcome(
                    plan.name,
                    "unscheduled",
                    message=f"not run: {', '.join(sorted(set(plan.pin_nodes) & tainted))} carries "
                    f"{BAD_NODE_TAINT}",
                )
                run = judge_outcome(plan, outcome)
                run.nodes = list(plan.pin_nodes)
                report.runs.append(run)
                report.gpu_minutes += outcome.seconds / 60 * gpus * 2
                results.append(fabric_outcome(outcome, run))
            return results

        isolation = isolate(
            chosen, run_round, racks=racks, mode=pairing, seed=seed,
            confirmations=base.settings.confirmations, all_rack_pairs=all_rack_pairs,
        )  # fmt: skip
        report.uncrossed = list(isolation.uncrossed)
        report.node_status = dict(isolation.status)
        report.node_reasons = dict(isolation.reasons)
        report.failing_links = list(isolation.failing_links)

    if label_bad_nodes:
        for node, status in report.node_status.items():
            if status in ("bad", "flaky", "suspect"):
                api.label_node(node, {BAD_NODE_LABEL: status})
            if status == "bad":  # only a node that never passed is kept from work; flaky is a warning
                api.taint_node(node, BAD_NODE_TAINT, "true", "NoSchedule")
    return report


@dataclass
class ClearReport:
    """`ailz validate nccl clear`: which repaired nodes passed their re-test and were cleared."""

    cleared: list[str] = field(default_factory=list)
    kept: dict[str, str] = field(default_factory=dict)  # node -> why its label and taint stay
    runs: list[RunReport] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return bool(self.cleared) and not self.kept

    def to_json(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "cleared": self.cleared,
            "kept": self.kept,
            "runs": [r.to_json() for r in self.runs],
        }


def clear(
    spec: Any,
    target: str,
    pool: str,
    api: ClusterApi,
    nodes: list[str],
    on_progress: Callable[[str], None] = lambda text: None,
    run_id: str | None = None,
    image: str | None = None,
    **run_options: Any,
) -> ClearReport:
    """Re-test each repaired node against a known-good partner (a ready node without ailz's marks);
    only a node that passes loses ailz's label and taint."""
    base = plan_job(spec, target, pool, nodes=1, name="probe")
    isolation_collective(base)
    run_id = run_id or secrets.token_hex(3)
    listed = {n.name: n for n in api.list_nodes(f"{naming.POOL_LABEL}={pool}")}
    unknown = [n for n in nodes if n not in listed]
    if unknown:
        raise RunError(
            f"not nodes of pool {pool}: {', '.join(unknown)} (pool nodes carry {naming.POOL_LABEL}={pool})"
        )
    marked = {n.name for n in listed.values() if BAD_NODE_TAINT in n.taints or BAD_NODE_LABEL in n.labels}
    partners = [n.name for n in listed.values() if n.ready and n.name not in nodes and n.name not in marked]
    if not partners:
        raise RunError(f"no known-good node in pool {pool} to re-test against (every ready node is marked)")
    report = ClearReport()
    timeout = base.settings.timeout_minutes * 60
    run_options.setdefault("schedule_timeout_seconds", base.settings.schedule_timeout_minutes * 60)
    pairs = list(zip(nodes, partners * len(nodes), strict=False))
    for start in range(0, len(pairs), len(partners)):  # a partner in one test at a time
        batch = pairs[start : start + len(partners)]
        plans = [
            plan_job(spec, target, pool, nodes=2, name=f"nccl-{pool}-{run_id}-c{start + i}",
                     pin_nodes=[node, partner], image=image, tolerate_bad_nodes=True)
            for i, (node, partner) in enumerate(batch)
        ]  # fmt: skip
        outcomes = run_jobs(api, [render(p) for p in plans], timeout, on_progress=on_progress, **run_options)
        for (node, partner), plan, outcome in zip(batch, plans, outcomes, strict=True):
            run = judge_outcome(plan, outcome)
            run.nodes = [node, partner]
            report.runs.append(run)
            if run.verdict.passed:
                api.label_node(node, {BAD_NODE_LABEL: None})
                api.untaint_node(node, BAD_NODE_TAINT)
                report.cleared.append(node)
            else:
                why = (
                    "not tested: " + outcome.message if not outcome.tested else "; ".join(run.verdict.reasons)
                )
                report.kept[node] = f"re-test with {partner} did not pass ({why})"
    return report
