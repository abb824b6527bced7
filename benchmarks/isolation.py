"""Bad-node isolation: cost against testing every pair, and robustness against flaky nodes.

Usage: python benchmarks/isolation.py [--gpus 8] [--minutes 5] [--trials 50] [--runs 4000]
Prints two Markdown tables:
1. cost: rounds, 2-node tests and GPU-minutes (mean over random bad-node sets) vs all pairs;
2. robustness: one flaky node (fails each test with probability p) among healthy ones, with and
   without bad nodes; false convictions (a healthy node reported bad or flaky), how often the flaky
   node was caught, bad nodes found, rounds.
"""

from __future__ import annotations

import argparse
import random
import statistics

from ailz.validation.isolation import all_pairs_cost, isolate


def run_once(
    nodes: list[str],
    bad: set[str],
    flaky: dict[str, float],
    rng: random.Random,
    noise: float = 0.0,
    confirmations: int = 2,
):
    """noise: the chance that any test fails for no reason of either node (a transient error)."""

    def works(node: str) -> bool:
        return node not in bad and not (node in flaky and rng.random() < flaky[node])

    def run_round(pairs):
        return [works(a) & works(b) and rng.random() >= noise for a, b in pairs]

    return isolate(nodes, run_round, seed=rng.randrange(2**31), confirmations=confirmations)


def cost(count: int, bad_count: int, trials: int, seed: int) -> tuple[float, float, bool]:
    rng = random.Random(seed)
    rounds, tests, exact = [], [], True
    nodes = [f"n{i}" for i in range(count)]
    for _ in range(trials):
        bad = set(rng.sample(nodes, bad_count))
        report = run_once(nodes, bad, {}, rng)
        exact &= {n for n, s in report.status.items() if s == "bad"} == bad
        rounds.append(report.rounds)
        tests.append(report.tests)
    return statistics.mean(rounds), statistics.mean(tests), exact


def robustness(count: int, bad_count: int, probability: float, runs: int, seed: int) -> dict[str, float]:
    rng = random.Random(seed)
    nodes = [f"n{i}" for i in range(count)]
    false, caught, found, rounds = 0, 0, 0, []
    for _ in range(runs):
        picked = rng.sample(nodes, bad_count + 1)
        bad, flaky = set(picked[:-1]), picked[-1]
        report = run_once(nodes, bad, {flaky: probability}, rng)
        healthy = set(nodes) - bad - {flaky}
        false += any(report.status[n] in ("bad", "flaky") for n in healthy)
        caught += report.status[flaky] in ("bad", "flaky")
        if all(report.status[n] == "bad" for n in bad):
            found += 1
        rounds.append(report.rounds)
    return {
        "false": false / runs,
        "caught": caught / runs,
        "found": found / runs,
        "rounds": statistics.mean(rounds),
        "max_rounds": max(rounds),
    }


def noisy(count: int, bad_count: int, noise: float, runs: int, seed: int, confirmations: int) -> dict:
    """Healthy nodes under transient test failures: how often one is convicted (bad or flaky) and
    how often one is tainted (bad), and whether the bad nodes are still found."""
    rng = random.Random(seed)
    nodes = [f"n{i}" for i in range(count)]
    convicted, tainted, found, rounds = 0, 0, 0, 0
    for _ in range(runs):
        bad = set(rng.sample(nodes, bad_count))
        report = run_once(nodes, bad, {}, rng, noise, confirmations)
        rounds = max(rounds, report.rounds)
        healthy = set(nodes) - bad
        convicted += any(report.status[n] in ("bad", "flaky") for n in healthy)
        tainted += any(report.status[n] == "bad" for n in healthy)
        found += all(report.status[n] == "bad" for n in bad)
    return {"convicted": convicted / runs, "tainted": tainted / runs, "found": found / runs, "rounds": rounds}


def broken_links(runs: int, seed: int, all_rack_pairs: bool) -> dict[str, float]:
    """Random zones of 3-8 racks of 2-16 nodes with one or two broken links between racks and at
    most one bad node: healthy nodes convicted, bad nodes missed, runs that pass over a broken link."""
    rng = random.Random(seed)
    convicted, missed, passed_over = 0, 0, 0
    for _ in range(runs):
        racks = {f"r{r}n{i}": f"r{r}" for r in range(rng.randint(3, 8)) for i in range(rng.randint(2, 16))}
        nodes = list(racks)
        names = sorted(set(racks.values()))
        broken = {frozenset(rng.sample(names, 2)) for _ in range(rng.choice((1, 2)))}
        bad = set(rng.sample(nodes, rng.choice((0, 1))))

        def run_round(pairs, bad=bad, broken=broken, racks=racks):
            return [
                a not in bad and b not in bad and frozenset((racks[a], racks[b])) not in broken
                for a, b in pairs
            ]

        report = isolate(
            nodes, run_round, racks=racks, seed=rng.randrange(2**31), all_rack_pairs=all_rack_pairs
        )
        convicted += any(report.status[n] in ("bad", "flaky") for n in nodes if n not in bad)
        missed += any(report.status[n] != "bad" for n in bad)
        clean = set(report.status.values()) == {"good"} and not report.uncrossed
        passed_over += clean and not report.failing_links
    return {"convicted": convicted / runs, "missed": missed / runs, "passed_over": passed_over / runs}


def bad_rounds(count: int, bad_count: int, runs: int, seed: int) -> tuple[float, int]:
    """Share of runs in which every bad node was found, and the most rounds it took."""
    rng = random.Random(seed)
    nodes = [f"n{i}" for i in range(count)]
    found, most = 0, 0
    for _ in range(runs):
        bad = set(rng.sample(nodes, bad_count))
        report = run_once(nodes, bad, {}, rng)
        found += {n for n, s in report.status.items() if s == "bad"} == bad
        most = max(most, report.rounds)
    return found / runs, most


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gpus", type=int, default=8, help="GPUs per node")
    parser.add_argument("--minutes", type=float, default=5.0, help="minutes per 2-node test incl. pod start")
    parser.add_argument("--trials", type=int, default=50, help="bad-node sets per cost row")
    parser.add_argument("--runs", type=int, default=4000, help="simulated isolations per robustness row")
    parser.add_argument("--nodes", type=int, default=128, help="pool size for the robustness rows")
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
            rounds, tests, exact = cost(count, bad_count, args.trials, args.seed)
            full_rounds, full_tests = all_pairs_cost(count)
            print(
                f"| {count} | {bad_count} | {rounds:.1f} | {tests:.1f} | {tests * per_test:,.0f} "
                f"| {full_rounds} | {full_tests} | {full_tests * per_test:,.0f} "
                f"| {'yes' if exact else 'NO'} |"
            )
    print()
    columns = ["nodes", "bad", "flaky p", "runs", "false convictions", "flaky caught", "bad all found"]
    print("| " + " | ".join([*columns, "rounds (mean / max)"]) + " |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for bad_count in (0, 8):
        for probability in (0.1, 0.2, 0.3, 0.4, 0.5):
            row = robustness(args.nodes, bad_count, probability, args.runs, args.seed)
            print(
                f"| {args.nodes} | {bad_count} | {probability} | {args.runs} | {row['false']:.2%} "
                f"| {row['caught']:.1%} | {row['found']:.1%} | {row['rounds']:.2f} / {row['max_rounds']} |"
            )
    print()
    header = ["nodes", "bad", "transient failures per test", "confirmations", "runs"]
    header += ["a healthy node convicted", "a healthy node tainted (bad)", "bad all found", "most rounds"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---:|" * len(header))
    for confirmations in (2, 3):
        for bad_count in (0, 8):
            for noise in (0.01, 0.02, 0.05):
                row = noisy(args.nodes, bad_count, noise, args.runs // 4, args.seed, confirmations)
                print(
                    f"| {args.nodes} | {bad_count} | {noise:.0%} | {confirmations} | {args.runs // 4} "
                    f"| {row['convicted']:.1%} | {row['tainted']:.1%} | {row['found']:.1%} "
                    f"| {row['rounds']} |"
                )
    print()
    header = ["broken links", "--all-rack-pairs", "zones", "a healthy node convicted", "a bad node missed"]
    print("| " + " | ".join([*header, "passed over a broken link"]) + " |")
    print("|---|---|---:|---:|---:|---:|")
    for all_rack_pairs in (False, True):
        row = broken_links(args.runs // 8, args.seed, all_rack_pairs)
        print(
            f"| 1-2 among 3-8 racks of 2-16 nodes | {'yes' if all_rack_pairs else 'no'} | {args.runs // 8} "
            f"| {row['convicted']:.1%} | {row['missed']:.1%} | {row['passed_over']:.1%} |"
        )
    print()
    print("| nodes | bad | runs | every bad node found | most rounds |")
    print("|---:|---:|---:|---:|---:|")
    for bad_count in (1, 2, 4, 8):
        share, most = bad_rounds(args.nodes, bad_count, args.runs // 4, args.seed)
        print(f"| {args.nodes} | {bad_count} | {args.runs // 4} | {share:.1%} | {most} |")


if __name__ == "__main__":
    main()
