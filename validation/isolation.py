"""Finds bad nodes with 2-node NCCL tests run in parallel rounds (pure planner, no cluster).

Model: a 2-node test passes only when both nodes are healthy. Round 1 pairs every node; a pair
that passes proves both good, a pair that fails makes both suspects. Later rounds pair each suspect
with a known-good node (a failure then convicts the suspect). Without any known-good node, suspects
are re-paired with partners they have not met yet. A node is in at most one test per round.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

Status = Literal["good", "bad", "suspect"]
Pair = tuple[str, str]


@dataclass
class Isolation:
    nodes: list[str]
    status: dict[str, Status | None] = field(default_factory=dict)
    tried: set[frozenset[str]] = field(default_factory=set)
    rounds: list[list[tuple[Pair, bool]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if len(set(self.nodes)) != len(self.nodes):
            raise ValueError("node names must be unique")
        self.status = {node: None for node in self.nodes}

    def _unknown(self) -> list[str]:
        return [n for n in self.nodes if self.status[n] in (None, "suspect")]

    def next_round(self) -> list[Pair]:
        """The tests to run in parallel now; empty when nothing more can be learned."""
        unknown = self._unknown()
        good = [n for n in self.nodes if self.status[n] == "good"]
        busy: set[str] = set()
        pairs: list[Pair] = []
        for node in unknown:  # a known-good partner settles a node in one test
            if not good:
                break
            partner = good.pop(0)
            pairs.append((partner, node))
            busy |= {partner, node}
        free = [n for n in unknown if n not in busy]
        for i, node in enumerate(free):  # the rest meet partners they have not met yet
            if node in busy:
                continue
            for other in free[i + 1 :]:
                if other not in busy and frozenset((node, other)) not in self.tried:
                    pairs.append((node, other))
                    busy |= {node, other}
                    break
        return pairs

    def record(self, results: Iterable[tuple[Pair, bool]]) -> None:
        """Fold one round's outcomes into node status."""
        results = list(results)
        self.rounds.append(results)
        for (a, b), passed in results:
            self.tried.add(frozenset((a, b)))
            if passed:
                self.status[a] = self.status[b] = "good"
                continue
            for node, partner in ((a, b), (b, a)):
                if self.status[node] in ("good", "bad"):
                    continue
                if self.status[partner] == "good":
                    self.status[node] = "bad"
                else:
                    self.status[node] = "suspect"
        self._convict_past_partners()

    def _convict_past_partners(self) -> None:
        """A node newly proven good convicts everyone it failed with earlier."""
        for round_results in self.rounds:
            for (a, b), passed in round_results:
                if passed:
                    continue
                for node, partner in ((a, b), (b, a)):
                    if self.status[partner] == "good" and self.status[node] != "bad":
                        self.status[node] = "bad"

    def report(self) -> dict[str, Status]:
        return {n: (s or "suspect") for n, s in self.status.items()}


@dataclass
class IsolationReport:
    status: dict[str, Status]
    rounds: int
    tests: int

    def gpu_minutes(self, gpus_per_node: int, minutes_per_test: float) -> float:
        return self.tests * 2 * gpus_per_node * minutes_per_test


def isolate(nodes: list[str], run_round: Callable[[list[Pair]], list[bool]]) -> IsolationReport:
    """Drive rounds until settled; run_round runs the pairs in parallel and returns pass/fail each."""
    planner = Isolation(list(nodes))
    while pairs := planner.next_round():
        outcomes = run_round(pairs)
        planner.record(zip(pairs, outcomes, strict=True))
    return IsolationReport(
        status=planner.report(),
        rounds=len(planner.rounds),
        tests=sum(len(r) for r in planner.rounds),
    )


def all_pairs_cost(node_count: int) -> tuple[int, int]:
    """(rounds, tests) for testing every pair: a round-robin tournament."""
    tests = node_count * (node_count - 1) // 2
    rounds = node_count - 1 if node_count % 2 == 0 else node_count
    return (rounds if node_count > 1 else 0), tests
