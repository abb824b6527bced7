"""Bad-node isolation against simulated clusters: bad nodes found, flaky nodes never convict healthy
partners, statuses independent of the order of results, topology-aware pairing."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from ailz.validation.isolation import Isolation, all_pairs_cost, classify, isolate


def simulate(count: int, bad: set[int], flaky: dict[int, float] | None = None, seed: int = 0, **options):
    nodes = [f"node-{i:03d}" for i in range(count)]
    bad_names = {nodes[i] for i in bad}
    flaky_names = {nodes[i]: p for i, p in (flaky or {}).items()}
    rng = random.Random(seed)
    seen_rounds = []

    def works(node: str) -> bool:
        return node not in bad_names and not (node in flaky_names and rng.random() < flaky_names[node])

    def run_round(pairs):
        used = [n for pair in pairs for n in pair]
        assert len(used) == len(set(used)), "a node ran in two tests of one round"
        seen_rounds.append(pairs)
        return [works(a) & works(b) for a, b in pairs]

    return nodes, bad_names, isolate(nodes, run_round, seed=seed, **options), seen_rounds


@settings(max_examples=200, deadline=None)
@given(
    st.integers(min_value=1, max_value=48).flatmap(
        lambda n: st.tuples(st.just(n), st.sets(st.integers(0, n - 1)), st.integers(0, 1000))
    )
)
def test_finds_every_bad_node_and_blames_no_healthy_one(case):
    count, bad, seed = case
    nodes, bad_names, report, _ = simulate(count, bad, seed=seed)
    good_names = set(nodes) - bad_names
    assert {n for n, s in report.status.items() if s in ("bad", "flaky")} <= bad_names
    assert {n for n, s in report.status.items() if s == "good"} <= good_names
    if len(good_names) >= max(3, len(bad_names)):  # mostly-broken pools: no wrong verdict, maybe no verdict
        assert {n for n, s in report.status.items() if s == "bad"} == bad_names
        assert {n for n, s in report.status.items() if s == "good"} == good_names
    if len(good_names) >= len(bad_names):
        assert report.tests <= all_pairs_cost(count)[1] or count < 4


@settings(max_examples=150, deadline=None)
@given(
    bad=st.sets(st.integers(0, 31), max_size=4),
    flaky=st.integers(0, 31),
    probability=st.sampled_from([0.1, 0.3, 0.5, 0.9]),
    seed=st.integers(0, 10_000),
)
def test_a_flaky_node_never_convicts_its_partners(bad, flaky, probability, seed):
    bad = bad - {flaky}
    nodes, bad_names, report, _ = simulate(32, bad, {flaky: probability}, seed=seed)
    healthy = set(nodes) - bad_names - {nodes[flaky]}
    assert not [n for n in healthy if report.status[n] in ("bad", "flaky")]
    assert report.status[nodes[flaky]] in ("good", "suspect", "flaky", "bad")


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_status_does_not_depend_on_the_order_of_results(data):
    nodes = [f"n{i}" for i in range(6)]
    pairs = st.tuples(st.sampled_from(nodes), st.sampled_from(nodes)).filter(lambda p: p[0] != p[1])
    results = data.draw(
        st.lists(st.tuples(pairs, st.sampled_from(["pass", "fail", "untested"])), max_size=14)
    )
    shuffled = data.draw(st.permutations(results))
    flipped = [((b, a), outcome) for (a, b), outcome in results]
    assert classify(nodes, results).status == classify(nodes, shuffled).status
    assert classify(nodes, results).status == classify(nodes, flipped).status


def test_passed_node_is_not_flipped_by_one_contradicting_pair():
    """a passed with b; later a fails with c: one failure with one partner convicts nobody."""
    nodes = ["a", "b", "c", "d"]
    evidence = classify(nodes, [(("a", "b"), "pass"), (("c", "d"), "pass"), (("a", "c"), "fail")])
    assert evidence.status == {"a": "suspect", "b": "good", "c": "suspect", "d": "good"}
    # c fails again with another partner that passes elsewhere: c is flaky, a is cleared
    evidence = classify(
        nodes, [(("a", "b"), "pass"), (("c", "d"), "pass"), (("a", "c"), "fail"), (("c", "b"), "fail")]
    )
    assert evidence.status == {"a": "good", "b": "good", "c": "flaky", "d": "good"}


def test_up_to_eight_bad_nodes_among_128_are_found_in_three_rounds():
    for seed in range(40):
        bad = set(random.Random(seed).sample(range(128), 8))
        _, bad_names, report, _ = simulate(128, bad, seed=seed)
        assert {n for n, s in report.status.items() if s == "bad"} == bad_names
        assert report.rounds <= 3


def test_one_bad_node_in_sixteen_takes_two_rounds():
    nodes, _, report, rounds = simulate(16, {5})
    assert report.status["node-005"] == "bad"
    assert set(report.status.values()) == {"good", "bad"}
    assert report.rounds == 2 and report.tests == 8 + 2
    assert all_pairs_cost(16) == (15, 120)


def test_no_healthy_reference_leaves_suspects():
    _, _, report, _ = simulate(2, {0})
    assert set(report.status.values()) == {"suspect"}


def test_untested_pairs_are_no_evidence_and_are_retried():
    planner = Isolation(["a", "b", "c", "d"], seed=1)
    first = planner.next_round()
    planner.record([(first[0], "untested"), (first[1], "pass")])
    assert set(planner.report().values()) == {"untested", "good"}
    again = planner.next_round()
    assert {n for pair in again for n in pair} >= set(first[0])
    planner.record([(pair, "untested") for pair in again])
    planner.record([(pair, "untested") for pair in planner.next_round()])
    assert planner.next_round() == []  # given up after max_untested tries
    assert [planner.report()[n] for n in first[0]] == ["untested", "untested"]


RACKS = {f"n{i:02d}": ("A" if i < 8 else "B") for i in range(16)}


def test_inter_rack_pairing_crosses_racks_and_catches_a_spine_fault():
    planner = Isolation(list(RACKS), racks=RACKS, seed=4)
    assert all(RACKS[a] != RACKS[b] for a, b in planner.next_round())
    report = isolate(list(RACKS), lambda pairs: [RACKS[a] == RACKS[b] for a, b in pairs], racks=RACKS, seed=4)
    assert report.failing_links == [("A", "B", report.failing_links[0][2], report.failing_links[0][3])]
    assert "bad" not in report.status.values() and "flaky" not in report.status.values()


def test_intra_rack_pairing_stays_inside_racks():
    planner = Isolation(list(RACKS), racks=RACKS, mode="intra-rack", seed=4)
    assert all(RACKS[a] == RACKS[b] for a, b in planner.next_round())


def test_random_pairing_is_shuffled_and_seeded():
    first = Isolation(list(RACKS), mode="random", seed=1).next_round()
    assert first == Isolation(list(RACKS), mode="random", seed=1).next_round()
    assert first != Isolation(list(RACKS), mode="random", seed=2).next_round()
    assert first != [(f"n{i:02d}", f"n{i + 1:02d}") for i in range(0, 16, 2)]


def test_a_bad_node_beside_healthy_racks_is_no_link_fault():
    report = isolate(list(RACKS), lambda pairs: ["n03" not in pair for pair in pairs], racks=RACKS, seed=3)
    assert report.failing_links == [] and report.status["n03"] == "bad"
    assert {n for n, s in report.status.items() if s != "good"} == {"n03"}


EIGHT_RACKS = {f"n{i:03d}": f"r{i // 16}" for i in range(128)}


def run_links(broken: set[frozenset[str]], seed: int, racks=EIGHT_RACKS, all_rack_pairs=True):
    def run_round(pairs):
        return [frozenset((racks[a], racks[b])) not in broken for a, b in pairs]

    return isolate(list(racks), run_round, racks=racks, seed=seed, all_rack_pairs=all_rack_pairs)


def test_a_rack_with_its_uplinks_down_convicts_none_of_its_nodes():
    broken = {frozenset(("r0", f"r{j}")) for j in range(1, 8)}
    for seed in range(5):
        report = run_links(broken, seed)
        assert set(report.status.values()) == {"good"}
        assert {frozenset(link[:2]) for link in report.failing_links} == broken


def test_one_broken_link_between_two_racks_is_found_even_when_round_one_misses_it():
    for seed in range(5):
        report = run_links({frozenset(("r0", "r1"))}, seed)
        assert [link[:2] for link in report.failing_links] == [("r0", "r1")]
        assert set(report.status.values()) == {"good"} and report.rounds <= 3


def test_healthy_racks_get_every_rack_pair_crossed_in_one_more_round():
    report = run_links(set(), 1)
    assert report.failing_links == [] and report.rounds == 2


@settings(max_examples=150, deadline=None)
@given(
    sizes=st.lists(st.integers(2, 4), min_size=3, max_size=8),
    seed=st.integers(0, 10_000),
    all_rack_pairs=st.booleans(),
    data=st.data(),
)
def test_a_broken_link_between_small_racks_convicts_no_node(sizes, seed, all_rack_pairs, data):
    racks = {f"r{r}n{i}": f"r{r}" for r, size in enumerate(sizes) for i in range(size)}
    a, b = data.draw(st.lists(st.integers(0, len(sizes) - 1), min_size=2, max_size=2, unique=True))
    report = run_links({frozenset((f"r{a}", f"r{b}"))}, seed, racks=racks, all_rack_pairs=all_rack_pairs)
    assert not {n for n, s in report.status.items() if s in ("bad", "flaky")}


def test_rack_pairs_left_uncrossed_at_the_round_cap_are_reported():
    planner = Isolation(list(EIGHT_RACKS), racks=EIGHT_RACKS, seed=1, all_rack_pairs=True, max_rounds=1)
    while pairs := planner.next_round():
        planner.record([(pair, True) for pair in pairs])
    assert len(planner.uncrossed()) == 28 - 4  # round 1 crossed four pairs of racks
