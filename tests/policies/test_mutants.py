"""The gate catches realistic single defects: every mutant of tests/policies/mutants.py injected
into the example plans (with a compliant team job) one at a time. benchmarks/policy_mutants.py
prints the same figures per category."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.policies.mutants import EXAMPLES, MUTATIONS, run_mutants

CATEGORIES = {"fabric", "residency", "encryption", "capacity", "cost", "exposure", "workloads", "identity",
              "network", "resilience", "logging"}  # fmt: skip


@pytest.fixture(scope="module")
def outcomes(example_plan):
    return run_mutants({name: example_plan(name) for name in EXAMPLES})


def test_the_mutants_span_every_category():
    assert {m.category for m in MUTATIONS} == CATEGORIES


def test_the_gate_catches_at_least_95_percent_of_at_least_100_mutants(outcomes):
    assert len(outcomes) >= 100
    caught = sum(detected for *_, detected in outcomes)
    missed = [(name, example) for name, _, example, detected in outcomes if not detected]
    assert caught / len(outcomes) >= 0.95, missed
    per_category = Counter(category for _, category, _, _ in outcomes)
    assert set(per_category) == CATEGORIES
