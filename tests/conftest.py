"""Shared fixtures: plans of the examples, synthesized once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="session")
def example_plan():
    """example_plan('aws-p5-training') -> Plan, cached across tests."""
    from ailz.components.kinds import load_spec
    from ailz.stacks.synth import synthesize

    cache = {}

    def get(name: str):
        if name not in cache:
            cache[name] = synthesize(load_spec(EXAMPLES / f"{name}.yaml"))
        return cache[name]

    return get
