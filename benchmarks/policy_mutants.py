"""Benchmark: inject every realistic single defect of tests/policies/mutants.py into the example
plans (each with a compliant team job) and print how many the gate blocks, per category.

    python benchmarks/policy_mutants.py
"""

from __future__ import annotations

import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ailz.components.kinds import load_spec  # noqa: E402
from ailz.stacks.synth import synthesize  # noqa: E402
from tests.policies.mutants import EXAMPLES, run_mutants  # noqa: E402


def main() -> None:
    plans = {name: synthesize(load_spec(ROOT / "examples" / f"{name}.yaml")) for name in EXAMPLES}
    started = time.perf_counter()
    outcomes = run_mutants(plans)
    seconds = time.perf_counter() - started
    by_category: dict[str, list[bool]] = defaultdict(list)
    for _, category, _, detected in outcomes:
        by_category[category].append(detected)
    print(f"{'category':<12} {'mutants':>8} {'caught':>7} {'rate':>7}")
    for category, results in sorted(by_category.items()):
        print(f"{category:<12} {len(results):>8} {sum(results):>7} {sum(results) / len(results):>7.1%}")
    caught = sum(d for *_, d in outcomes)
    print(f"{'all':<12} {len(outcomes):>8} {caught:>7} {caught / len(outcomes):>7.1%}   ({seconds:.1f} s)")
    for name, category, example, detected in outcomes:
        if not detected:
            print(f"missed: {name} ({category}) in {example}")


if __name__ == "__main__":
    main()
