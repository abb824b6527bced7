"""Bad-node isolation against simulated clusters: every bad node found, no healthy node blamed."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ailz.validation.isolation import Isolation, all_pairs_cost, isolate


def simulate(count: int, bad: set[int]):
    nodes = [f"node-{i:03d}" for i in range(count)]
    bad_names = {nodes[i] for i in bad}
    seen_rounds = []

    def run_round(pairs):
        used = [n for pair in pairs for n in pair]
        assert len(used) == len(set(used)), "a node ran in two tests of one round"
        seen_rounds.append(pairs)
        return [a not in bad_names and b not in bad_names for a, b in pairs]

    return nodes, bad_names, isolate(nodes, run_round), seen_rounds


@settings(max_examples=200, deadline=None)
@given(
    st.integers(min_value=1, max_value=48).flatmap(
        lambda n: st.tuples(st.just(n), st.sets(st.integers(0, n - 1)))
    )
)
def test_finds_every_bad_node(case):
    count, bad = case
    nodes, bad_names, report, _ = simulate(count, bad)
    good_names = set(nodes) - bad_names
    flagged = {n for n, s in report.status.items() if s != "good"}
    assert bad_names <= flagged  # nothing bad slips through
    assert {n for n, s in report.status.items() if s == "bad"} <= bad_names  # nobody wrongly convicted
    assert {n for n, s in report.status.items() if s == "good"} <= good_names
    if len(good_names) >= 2:
        # two healthy nodes meet eventually, then every other node is tested against one of them
        assert {n for n, s in report.status.items() if s == "bad"} == bad_names
        assert {n for n, s in report.status.items() if s == "good"} == good_names
    assert report.tests <= all_pairs_cost(count)[1]


def test_one_bad_node_in_sixteen_takes_two_rounds():
    nodes, _, report, rounds = simulate(16, {5})
    assert report.status["node-005"] == "bad"
    assert report.status["node-004"] == "good"  # its round-1 partner was cleared in round 2
    assert report.rounds == 2 and report.tests == 8 + 2
    assert all_pairs_cost(16) == (15, 120)


def test_no_healthy_reference_leaves_suspects():
    nodes, _, report, _ = simulate(2, {0})
    assert set(report.status.values()) == {"suspect"}


def test_planner_rounds_are_explicit():
    planner = Isolation(["a", "b", "c"])
    assert planner.next_round() == [("a", "b")]
    planner.record([(("a", "b"), True)])
    assert planner.next_round() == [("a", "c")]
    planner.record([(("a", "c"), False)])
    assert planner.report() == {"a": "good", "b": "good", "c": "bad"}
    assert planner.next_round() == []
