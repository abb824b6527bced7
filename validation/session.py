"""One `ailz validate nccl` session: plan, render, run, parse, judge; pairwise isolation on request."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ailz.validation.cluster import ClusterApi
from ailz.validation.isolation import Pair, isolate
from ailz.validation.job_plan import JobPlan, plan_job
from ailz.validation.parser import NcclResult
from ailz.validation.render import render
from ailz.validation.runner import RunOutcome, check_pool, run_jobs
from ailz.validation.thresholds import Verdict, judge_log, parse_bytes, threshold

BAD_NODE_LABEL = "ailz.io/nccl"
BAD_NODE_TAINT = "ailz.io/nccl-bad"


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
    rounds: int = 0
    gpu_minutes: float = 0.0

    @property
    def passed(self) -> bool:
        return (
            bool(self.runs)
            and all(r.verdict.passed for r in self.runs)
            and "bad" not in self.node_status.values()
        )

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
            "rounds": self.rounds,
            "gpu_minutes": round(self.gpu_minutes, 1),
            "nodes": self.node_status,
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
    **run_options: Any,
) -> ValidationReport:
    base = plan_job(spec, target, pool, nodes=1, collective=collective, name="probe")
    run_id = run_id or secrets.token_hex(3)
    wanted = 2 if pairwise else (nodes or (base.pool.nodes if all_nodes else min(base.pool.nodes, 2)))
    ready = check_pool(api, pool, wanted)
    chosen = [n.name for n in ready] if all_nodes or pairwise else [n.name for n in ready[:wanted]]
    if pairwise and nodes:
        chosen = chosen[:nodes]
    timeout = base.settings.timeout_minutes * 60
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

    if not pairwise:
        plan = plan_job(
            spec,
            target,
            pool,
            nodes=len(chosen),
            collective=collective,
            name=f"nccl-{pool}-{run_id}",
            image=image,
        )
        outcome = run_jobs(api, [render(plan)], timeout, on_progress=on_progress, **run_options)[0]
        run = judge_outcome(plan, outcome)
        report.runs.append(run)
        report.rounds = 1
        report.gpu_minutes = outcome.seconds / 60 * gpus * len(chosen)
        status = "good" if run.verdict.passed else "suspect"
        report.node_status = {node: status for node in (run.nodes or chosen)}
    else:

        def run_round(pairs: list[Pair]) -> list[bool]:
            index = report.rounds
            report.rounds += 1
            plans = [
                plan_job(
                    spec,
                    target,
                    pool,
                    nodes=2,
                    collective=collective,
                    name=f"nccl-{pool}-{run_id}-r{index}p{i}",
                    pin_nodes=list(pair),
                )  # fmt: skip
                for i, pair in enumerate(pairs)
            ]
            on_progress(f"round {index + 1}: {len(pairs)} node pairs in parallel")
            outcomes = run_jobs(
                api, [render(p) for p in plans], timeout, on_progress=on_progress, **run_options
            )
            passed = []
            for plan, outcome in zip(plans, outcomes, strict=True):
                run = judge_outcome(plan, outcome)
                run.nodes = list(plan.pin_nodes)
                report.runs.append(run)
                report.gpu_minutes += outcome.seconds / 60 * gpus * 2
                passed.append(run.verdict.passed)
            return passed

        isolation = isolate(chosen, run_round)
        report.node_status = dict(isolation.status)

    if label_bad_nodes:
        for node, status in report.node_status.items():
            if status == "bad":
                api.label_node(node, {BAD_NODE_LABEL: "bad"})
                api.taint_node(node, BAD_NODE_TAINT, "true", "NoSchedule")
    return report
