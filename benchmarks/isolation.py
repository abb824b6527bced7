"""Bad-node isolation cost: ailz's two-round pairing vs testing every node pair.

Usage: python benchmarks/isolation.py [--gpus 8] [--minutes 5] [--trials 50]
Prints a Markdown table (rounds, 2-node tests, GPU-minutes; mean over random bad-node sets).
"""

from __future__ import annotations

import argparse
import random
import statistics

from ailz.validation.isolation import all_pairs_cost, isolate


def measure(count: int, bad_count: int, trials: int, seed: int) -> tuple[float, float, bool]:
    rng = random.Random(seed)
    rounds, tests, exact = [], [], True
    nodes = [f"n{i}" for i in range(count)]
    for _ in range(trials):
        bad = set(rng.sample(nodes, bad_count))
        report = isolate(nodes, lambda pairs, bad=bad: [a not in bad and b not in bad for a, b in pairs])
        exact &= {n for n, s in report.status.items() if s == "bad"} == bad
        rounds.append(report.rounds)
        tests.append(report.tests)
    return statistics.mean(rounds), statistics.mean(tests), exact


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gpus", type=int, default=8, help="GPUs per node")
    parser.add_argument("--minutes", type=float, default=5.0, help="minutes per 2-node test incl. pod start")
    parser.add_argument("--trials", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    per_test = 2 * args.gpus * args.minutes
    print(
        "| nodes | bad | rounds | tests | GPU-min | all-pairs rounds | all-pairs tests "
        "| all-pairs GPU-min | found all |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|:---:|")
    for count in (8, 16, 32, 64, 128):
        for bad_count in sorted({1, 2, 4, count // 8}):
            rounds, tests, exact = measure(count, bad_count, args.trials, args.seed)
            full_rounds, full_tests = all_pairs_cost(count)
            print(
                f"| {count} | {bad_count} | {rounds:.1f} | {tests:.1f} | {tests * per_test:,.0f} "
                f"| {full_rounds} | {full_tests} | {full_tests * per_test:,.0f} "
                f"| {'yes' if exact else 'NO'} |"
            )


if __name__ == "__main__":
    main()
