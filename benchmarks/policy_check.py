"""Benchmark: check a generated plan of N resources (default 10,000) and print the rule-evaluation time.

The plan repeats the policy harness's compliant zone (AWS EFA pools, buckets, IAM, GKE RDMA pools,
Kubernetes training jobs, Helm releases) with renamed URNs; every tenth copy carries violations.

    python benchmarks/policy_check.py [--resources 10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ailz.policies.evaluate import evaluate  # noqa: E402
from ailz.policies.inputs import load_json_plan  # noqa: E402
from ailz.policies.table import RULES  # noqa: E402
from ailz.stacks.plan import PlanResource  # noqa: E402
from tests.policies.fixtures import compliant, plan_of  # noqa: E402


def _copy(resources: dict[str, PlanResource], suffix: str, broken: bool) -> list[PlanResource]:
    renamed = {r.urn: f"{r.urn}-{suffix}" for r in resources.values()}
    out = []
    for key, r in resources.items():
        inputs = json.loads(json.dumps(r.inputs))
        if broken and key == "pg":
            inputs["strategy"] = "spread"
        if broken and key == "lt":
            inputs["metadataOptions"]["httpTokens"] = "optional"
        out.append(
            PlanResource(
                type=r.type,
                name=f"{r.name}-{suffix}",
                urn=renamed[r.urn],
                parent=None,
                target=r.target,
                inputs=inputs,
                dependencies=[renamed.get(u, u) for u in r.dependencies],
                property_dependencies={
                    k: [renamed.get(u, u) for u in v] for k, v in r.property_dependencies.items()
                },
                source=r.source,
            )
        )
    return out


def generate(count: int):
    template = compliant()
    resources: list[PlanResource] = []
    copy = 0
    while len(resources) < count:
        resources.extend(_copy(template, str(copy), broken=copy % 10 == 0))
        copy += 1
    plan = plan_of({str(i): r for i, r in enumerate(resources[:count])})
    return plan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "plan.json"
        path.write_text(generate(args.resources).to_json(indent=None), encoding="utf-8")
        size_mb = path.stat().st_size / 1e6
        started = time.perf_counter()
        plan, _ = load_json_plan(path)
        load_s = time.perf_counter() - started

    levels = {rule.id: "mandatory" for rule in RULES}
    evaluate(plan, levels)  # warm-up: imports, catalog load
    timings, findings = [], []
    for _ in range(args.repeat):
        started = time.perf_counter()
        findings = evaluate(plan, levels)
        timings.append(time.perf_counter() - started)
    best, median = min(timings), sorted(timings)[len(timings) // 2]
    print(f"plan: {len(plan.resources)} resources, {size_mb:.1f} MB JSON, loaded in {load_s * 1000:.0f} ms")
    print(f"rules: {len(RULES)}; findings: {len(findings)}")
    print(
        f"rule evaluation: best {best * 1000:.0f} ms, median {median * 1000:.0f} ms "
        f"over {args.repeat} runs ({best / len(plan.resources) * 1e6:.1f} us per resource)"
    )


if __name__ == "__main__":
    main()
