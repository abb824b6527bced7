"""Capacity that cannot exist is a spec error: pools over-booking one reservation."""

from __future__ import annotations

import yaml

from ailz.components.kinds import load_text
from ailz.spec.errors import SpecError
from tests.conftest import EXAMPLES


def problems(document: dict) -> list[str]:
    try:
        load_text(yaml.safe_dump(document), "zone.yaml")
    except SpecError as err:
        return [i.message for i in err.issues]
    return []


def test_two_pools_cannot_over_book_one_reservation():
    document = yaml.safe_load((EXAMPLES / "aws-p5-training.yaml").read_text())
    capacity = {"kind": "reservation", "reservation_id": "cr-0123456789abcdef0", "reserved_nodes": 4}
    for pool in document["targets"][0]["gpu_pools"]:
        pool.pop("min_nodes", None)
        pool.pop("max_nodes", None)
        pool.update(nodes=3, machine="p5.48xlarge", purpose="training", capacity=dict(capacity))
    found = problems(document)
    assert any(
        "draw on reservation cr-0123456789abcdef0 and can grow to 6 nodes, but it holds 4" in m for m in found
    )
    for pool in document["targets"][0]["gpu_pools"]:
        pool["nodes"] = 2
    assert not [m for m in problems(document) if "draw on reservation" in m]
