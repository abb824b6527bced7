"""Finds bad nodes with 2-node NCCL tests run in parallel rounds (pure planner, no cluster).

Model: a test passes only when both nodes work at that moment. A bad node fails every test, a flaky
one some of them, a healthy one none. So a pass is weak evidence (a flaky node passes sometimes) and
a failure blames one of the two nodes, not both. A node is convicted only when it failed with
`confirmations` distinct partners that each passed a test with some third node: with at most one
flaky node in the pool, a healthy node can never meet that bar, because its failing partners would
all have to be faulty and pass elsewhere. Every status is a function of the set of results, never
of their order.

Rounds: round 1 pairs every node (shuffled; across racks, within racks or at random where nodes
carry topology labels). Later rounds pair every unsettled node with a reference (a node that passed
and never failed), preferring one it has not met and one in its own rack, so a node fault is told
apart from a fault between racks. Nodes whose evidence contradicts itself (passed, but also failed
with a partner that passes elsewhere) are retested against references, `max_tests_per_node` tests in all.
A test that did not run (unschedulable, timed out waiting for GPUs, landed on a tainted node) is no
evidence: its nodes are tried again, `max_untested` times at most.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

Status = Literal["good", "bad", "flaky", "suspect", "untested"]
Outcome = Literal["pass", "fail", "untested"]
PairingMode = Literal["inter-rack", "intra-rack", "random"]
PAIRING_MODES: tuple[PairingMode, ...] = ("inter-rack", "intra-rack", "random")
Pair = tuple[str, str]


@dataclass
class Evidence:
    """Every node's status and the fabric links that look broken, from a set of test results."""

    status: dict[str, Status]
    failing_links: list[tuple[str, str, int, int]]  # (rack, rack, failed, tested) between two racks
    reasons: dict[str, str]
    # suspects that passed and only failed across a pair of racks no test has crossed: the link
    # round decides them, re-testing the node itself proves nothing more
    on_link: set[str] = field(default_factory=set)


def _outcome(value: Outcome | bool) -> Outcome:
    if value is True:
        return "pass"
    if value is False:
        return "fail"
    return value


def classify(
    nodes: list[str],
    tests: Iterable[tuple[Pair, Outcome | bool]],
    racks: dict[str, str] | None = None,
    confirmations: int = 2,
) -> Evidence:
    """Order-independent verdict per node from every test result so far (see the module doc)."""
    racks = racks or {}
    results = [((a, b), _outcome(o)) for (a, b), o in tests if _outcome(o) != "untested"]
    # failures between two racks, spread over several nodes of each side that pass inside their own
    # rack: the links between the racks, not the nodes (a spine or cabling fault)
    failing_links = _failing_links(results, racks)
    broken = {frozenset((a, b)) for a, b, _, _ in failing_links}

    def fabric_explains(a: str, b: str) -> bool:
        return a in racks and b in racks and frozenset((racks[a], racks[b])) in broken

    def across(a: str, b: str) -> frozenset[str] | None:
        return frozenset((racks[a], racks[b])) if a in racks and b in racks and racks[a] != racks[b] else None

    # a failure across two racks that no test has ever crossed successfully may be the link's: it
    # keeps both nodes suspect but convicts neither (small racks cannot name a link by themselves)
    crossed = {across(a, b) for (a, b), outcome in results if outcome == "pass"} - {None}
    passed_with: dict[str, set[str]] = defaultdict(set)
    failed_with: dict[str, list[str]] = defaultdict(list)
    unproven: dict[str, list[str]] = defaultdict(list)
    for (a, b), outcome in results:
        if outcome == "pass":
            passed_with[a].add(b)
            passed_with[b].add(a)
        elif fabric_explains(a, b):
            continue
        elif (link := across(a, b)) is not None and link not in crossed:
            unproven[a].append(b)
            unproven[b].append(a)
        else:
            failed_with[a].append(b)
            failed_with[b].append(a)

    def witnesses(node: str) -> set[str]:
        """Partners the node failed with that passed a test with some third node."""
        return {p for p in failed_with[node] if passed_with[p] - {node}}

    # flaky needs as many (unexplained by links) failures as passes: one or two chance failures of a
    # healthy node among several passes stay `suspect`, which is labelled but never tainted
    convicted = {
        n for n in nodes if len(witnesses(n)) >= confirmations and len(failed_with[n]) >= len(passed_with[n])
    }
    status: dict[str, Status] = {}
    reasons: dict[str, str] = {}
    for node in nodes:
        passes, fails = passed_with[node], failed_with[node]
        if node in convicted:
            status[node] = "flaky" if passes else "bad"
            partners = ", ".join(sorted(witnesses(node)))
            reasons[node] = f"failed with {partners}, which pass with other nodes" + (
                f"; passed with {', '.join(sorted(passes))}" if passes else ""
            )
        elif not passes and not fails and not unproven[node]:
            if any(node in pair for pair, _ in results):
                status[node] = "suspect"
                reasons[node] = "only tested across failing links between racks: needs a test inside its rack"
            else:
                status[node] = "untested"
                reasons[node] = "no test ran on the node"
        elif passes and all(p in convicted for p in fails) and not unproven[node]:
            status[node] = "good"
        else:
            status[node] = "suspect"
            why = []
            if unexplained := sorted({p for p in fails if p not in convicted}):
                why.append(f"failed with {', '.join(unexplained)}")
            if unproven[node]:
                why.append(
                    f"failed across racks with {', '.join(sorted(set(unproven[node])))}, a link no test has "
                    "crossed successfully"
                )
            reasons[node] = "; ".join(why) + (
                f"; passed with {', '.join(sorted(passes))}: not enough evidence either way"
                if passes
                else ": needs a test with a known-good partner"
            )
    on_link = {
        n
        for n in nodes
        if status[n] == "suspect"
        and passed_with[n]
        and unproven[n]
        and all(p in convicted for p in failed_with[n])
    }
    return Evidence(status, failing_links, reasons, on_link)


def _failing_links(
    results: list[tuple[Pair, Outcome]], racks: dict[str, str]
) -> list[tuple[str, str, int, int]]:
    if not racks:
        return []
    passed_with: dict[str, set[str]] = defaultdict(set)  # node -> racks of the partners it passed with
    between: dict[frozenset[str], list[tuple[Pair, Outcome]]] = defaultdict(list)
    for (a, b), outcome in results:
        if a not in racks or b not in racks:
            continue
        if outcome == "pass":
            passed_with[a].add(racks[b])
            passed_with[b].add(racks[a])
        if racks[a] != racks[b]:
            between[frozenset((racks[a], racks[b]))].append(((a, b), outcome))
    links = []
    for key, tests in between.items():
        failed = [pair for pair, outcome in tests if outcome == "fail"]
        if len(failed) < 2 or len(failed) * 2 < len(tests):
            continue
        sides = sorted(key)
        # the failing nodes of each side work where it counts: they pass with nodes outside the other
        # rack of the link (inside their own rack, or in a third one)
        healthy = {
            rack: {
                n
                for pair in failed
                for n in pair
                if racks[n] == rack and passed_with[n] - {next(r for r in sides if r != rack)}
            }
            for rack in sides
        }
        if all(len(nodes) >= 2 for nodes in healthy.values()):
            links.append((sides[0], sides[1], len(failed), len(tests)))
    return sorted(links)


@dataclass
class Isolation:
    nodes: list[str]
    racks: dict[str, str] = field(default_factory=dict)  # node -> rack; empty: no topology labels
    mode: PairingMode | None = None  # None: inter-rack where racks are known, else random
    seed: int | None = None
    confirmations: int = 2
    max_tests_per_node: int = 5
    max_untested: int = 2
    max_rounds: int = 8
    all_rack_pairs: bool = False  # also cross every pair of racks no test crossed (costs rounds)
    rounds: list[list[tuple[Pair, Outcome]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if len(set(self.nodes)) != len(self.nodes):
            raise ValueError("node names must be unique")
        if self.mode is not None and self.mode not in PAIRING_MODES:
            raise ValueError(f"pairing mode {self.mode!r}: one of {', '.join(PAIRING_MODES)}")
        self._random = random.Random(self.seed)

    @property
    def tests(self) -> list[tuple[Pair, Outcome]]:
        return [result for round_results in self.rounds for result in round_results]

    def evidence(self) -> Evidence:
        return classify(self.nodes, self.tests, self.racks, self.confirmations)

    def _pairing_mode(self) -> PairingMode:
        if self.mode is not None:
            return self.mode
        return "inter-rack" if len(set(self.racks.values())) > 1 else "random"

    def next_round(self) -> list[Pair]:
        """The tests to run in parallel now; empty when nothing more can be learned."""
        if len(self.rounds) >= self.max_rounds:
            return []
        evidence = self.evidence()
        tests = self.tests
        met = {frozenset(pair) for pair, outcome in tests if outcome != "untested"}
        tested = Counter(n for pair, outcome in tests if outcome != "untested" for n in pair)
        not_run = Counter(n for pair, outcome in tests if outcome == "untested" for n in pair)
        if not self.rounds:
            return self._pair(list(self.nodes), self._pairing_mode())
        failed = {n for pair, outcome in tests if outcome == "fail" for n in pair}
        passed = {n for pair, outcome in tests if outcome == "pass" for n in pair}
        needing = []
        for node in self.nodes:
            state = evidence.status[node]
            if state == "untested" and not_run[node] < self.max_untested:
                needing.append(node)
            elif node in evidence.on_link:
                continue
            elif state == "suspect" and (node not in passed or tested[node] < self.max_tests_per_node):
                needing.append(node)  # contradictory evidence: retested a few times, no more
        # references: good nodes, those that never failed first, then the most tested
        references = sorted(
            (n for n in self.nodes if evidence.status[n] == "good"),
            key=lambda n: (n in failed, -tested[n], n),
        )
        busy: set[str] = set()
        pairs: list[Pair] = []
        self._random.shuffle(needing)
        # a node that only ever failed across racks first meets a node of its own rack (a reference,
        # else another such node): a fault between racks is then told apart from a node fault
        cross_only = [
            n
            for n in needing
            if n in self.racks
            and n not in passed
            and all(
                self.racks.get(b if a == n else a) != self.racks[n]
                for (a, b), outcome in tests
                if outcome == "fail" and n in (a, b)
            )
            and any(outcome == "fail" and n in pair for pair, outcome in tests)
        ]
        for node in cross_only:
            if node in busy:
                continue
            rack = self.racks[node]
            local = [r for r in references if r not in busy and self.racks.get(r) == rack]
            local += [o for o in cross_only if o not in busy and o != node and self.racks.get(o) == rack]
            local = [o for o in local if frozenset((node, o)) not in met]
            if local:
                pairs.append((local[0], node))
                busy |= {local[0], node}
        failed_racks: dict[str, set[str]] = defaultdict(set)  # racks a node failed across
        for (a, b), outcome in tests:
            if outcome == "fail" and a in self.racks and b in self.racks and self.racks[a] != self.racks[b]:
                failed_racks[a].add(self.racks[b])
                failed_racks[b].add(self.racks[a])
        for node in needing:
            if node in busy:
                continue
            allowed = [r for r in references if self.racks.get(r) not in failed_racks[node]]
            partner = self._reference_for(node, allowed, busy, met)
            if partner is not None:
                pairs.append((partner, node))
                busy |= {partner, node}
        rest = [n for n in needing if n not in busy]
        for i, node in enumerate(rest):  # no reference left: meet a partner not met yet
            if node in busy:
                continue
            for other in rest[i + 1 :]:
                if other not in busy and frozenset((node, other)) not in met:
                    pairs.append((node, other))
                    busy |= {node, other}
                    break
        return pairs + self._link_round(evidence, tests, busy)

    def _crossings(self, tests: list[tuple[Pair, Outcome]]) -> tuple[Counter, set]:
        """Per pair of racks: how much it was tested (a pass counts two), and which pairs only failed."""
        crossed: Counter[frozenset[str]] = Counter()
        passed: set[frozenset[str]] = set()
        for (a, b), outcome in tests:
            if (
                outcome != "untested"
                and a in self.racks
                and b in self.racks
                and self.racks[a] != self.racks[b]
            ):
                link = frozenset((self.racks[a], self.racks[b]))
                crossed[link] += 2 if outcome == "pass" else 1
                if outcome == "pass":
                    passed.add(link)
        return crossed, {link for link in crossed if link not in passed}

    def uncrossed(self) -> list[tuple[str, str]]:
        """With all_rack_pairs: pairs of racks no test crossed successfully and no failing link
        explains (the round cap came first); the run cannot vouch for them."""
        if not self.all_rack_pairs or self._pairing_mode() != "inter-rack":
            return []
        crossed, only_failed = self._crossings(self.tests)
        explained = {frozenset(link[:2]) for link in self.evidence().failing_links}
        names = sorted(set(self.racks.values()))
        return [
            (a, b)
            for i, a in enumerate(names)
            for b in names[i + 1 :]
            if (frozenset((a, b)) not in crossed or frozenset((a, b)) in only_failed)
            and frozenset((a, b)) not in explained
        ]

    def _link_round(
        self, evidence: Evidence, tests: list[tuple[Pair, Outcome]], busy: set[str]
    ) -> list[Pair]:
        """Across racks, between good nodes the round leaves free: a second test for every pair
        of racks that only ever failed (and with all_rack_pairs, one for every pair no test crossed), so
        a broken link cannot hide behind the round-1 pairing; two failures on one link, from nodes
        that pass elsewhere, name the link."""
        if self._pairing_mode() != "inter-rack":
            return []
        crossed, only_failed = self._crossings(tests)
        free: dict[str, list[str]] = defaultdict(list)
        for node in self.nodes:
            if evidence.status[node] == "good" and node in self.racks and node not in busy:
                free[self.racks[node]].append(node)
        for members in free.values():
            self._random.shuffle(members)
        pairs: list[Pair] = []
        names = sorted(free)
        for i, rack in enumerate(names):
            for other in names[i + 1 :]:
                link = frozenset((rack, other))
                if not self.all_rack_pairs and link not in only_failed:
                    continue
                # a pair never crossed: one test (a pass settles it); one that failed: a second one
                for _ in range(1 if crossed[link] == 0 else max(0, 2 - crossed[link])):
                    if free[rack] and free[other]:
                        pairs.append((free[rack].pop(), free[other].pop()))
        return pairs

    def _reference_for(self, node: str, references: list[str], busy: set[str], met: set) -> str | None:
        """A free reference, preferably one the node has not met and one in its own rack."""
        free = [r for r in references if r not in busy and r != node]
        if not free:
            return None
        rack = self.racks.get(node)

        def rank(partner: str) -> tuple[int, int]:
            return (frozenset((node, partner)) in met, rack is None or self.racks.get(partner) != rack)

        return min(free, key=rank)

    def _pair(self, nodes: list[str], mode: PairingMode) -> list[Pair]:
        """Round 1: every node once, shuffled, by the pairing mode."""
        self._random.shuffle(nodes)
        if mode == "random" or not self.racks:
            return [(nodes[i], nodes[i + 1]) for i in range(0, len(nodes) - 1, 2)]
        by_rack: dict[str, list[str]] = defaultdict(list)
        for node in nodes:
            by_rack[self.racks.get(node, "")].append(node)
        if mode == "intra-rack":
            pairs: list[Pair] = []
            leftovers: list[str] = []
            for rack in sorted(by_rack):
                members = by_rack[rack]
                pairs += [(members[i], members[i + 1]) for i in range(0, len(members) - 1, 2)]
                if len(members) % 2:
                    leftovers.append(members[-1])
            return pairs + [(leftovers[i], leftovers[i + 1]) for i in range(0, len(leftovers) - 1, 2)]
        # inter-rack: always take the next node from the two fullest racks, so every pair crosses
        pairs = []
        queues = {rack: list(members) for rack, members in by_rack.items()}
        order = {rack: self._random.random() for rack in queues}  # ties between racks: shuffled
        while True:
            full = sorted((r for r in queues if queues[r]), key=lambda r: (-len(queues[r]), order[r]))
            if len(full) < 2:
                break
            pairs.append((queues[full[0]].pop(), queues[full[1]].pop()))
        remaining = [n for members in queues.values() for n in members]
        return pairs + [(remaining[i], remaining[i + 1]) for i in range(0, len(remaining) - 1, 2)]

    def record(self, results: Iterable[tuple[Pair, Outcome | bool]]) -> None:
        """Fold one round's outcomes in; statuses are recomputed from all results (evidence())."""
        self.rounds.append([(pair, _outcome(outcome)) for pair, outcome in results])

    def report(self) -> dict[str, Status]:
        return dict(self.evidence().status)


@dataclass
class IsolationReport:
    status: dict[str, Status]
    rounds: int
    tests: int
    failing_links: list[tuple[str, str, int, int]] = field(default_factory=list)
    reasons: dict[str, str] = field(default_factory=dict)
    uncrossed: list[tuple[str, str]] = field(default_factory=list)  # all_rack_pairs: never crossed

    def gpu_minutes(self, gpus_per_node: int, minutes_per_test: float) -> float:
        return self.tests * 2 * gpus_per_node * minutes_per_test


def isolate(
    nodes: list[str],
    run_round: Callable[[list[Pair]], list[Outcome | bool]],
    racks: dict[str, str] | None = None,
    mode: PairingMode | None = None,
    seed: int | None = None,
    confirmations: int = 2,
    all_rack_pairs: bool = False,
) -> IsolationReport:
    """Drive rounds until settled; run_round runs the pairs in parallel and returns each outcome."""
    planner = Isolation(
        list(nodes),
        racks=dict(racks or {}),
        mode=mode,
        seed=seed,
        confirmations=confirmations,
        all_rack_pairs=all_rack_pairs,
    )
    while pairs := planner.next_round():
        outcomes = run_round(pairs)
        planner.record(zip(pairs, outcomes, strict=True))
    evidence = planner.evidence()
    return IsolationReport(
        status=evidence.status,
        rounds=len(planner.rounds),
        tests=sum(1 for _, outcome in planner.tests if outcome != "untested"),
        failing_links=evidence.failing_links,
        reasons=evidence.reasons,
        uncrossed=planner.uncrossed(),
    )


def all_pairs_cost(node_count: int) -> tuple[int, int]:
    """(rounds, tests) for testing every pair: a round-robin tournament."""
    tests = node_count * (node_count - 1) // 2
    rounds = node_count - 1 if node_count % 2 == 0 else node_count
    return (rounds if node_count > 1 else 0), tests
