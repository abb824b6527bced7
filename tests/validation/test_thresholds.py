"""Verdicts from the catalog: large-message bus bandwidth vs expected, never the average."""

from __future__ import annotations

from pathlib import Path

import pytest

from ailz.catalog import load_catalog
from ailz.validation.parser import parse
from ailz.validation.thresholds import expected_busbw, format_bytes, judge, parse_bytes

FIXTURES = Path(__file__).parent / "fixtures"
GOOD = (FIXTURES / "allreduce_2node_v2_16.log").read_text()


def test_sizes():
    assert parse_bytes("1G") == 2**30 and parse_bytes("512M") == 2**29 and parse_bytes("8") == 8
    assert format_bytes(2**34) == "16G" and format_bytes(1000) == "1000B"
    with pytest.raises(ValueError):
        parse_bytes("1T")


def test_expected_comes_from_the_catalog():
    p5 = load_catalog().machine("p5.48xlarge")
    assert expected_busbw(p5, 1) == p5.expected.intra_node_busbw_gbps
    assert expected_busbw(p5, 2) == expected_busbw(p5, 16) == p5.expected.two_node_busbw_gbps


def test_pass_and_fraction():
    verdict = judge(parse(GOOD, expected_ranks=16), 360, 0.9, 2**30)
    assert verdict.passed and verdict.measured_gbps == 369.02 and verdict.at_bytes == 2**34
    assert not judge(parse(GOOD, expected_ranks=16), 420, 0.9, 2**30).passed  # 369 < 378
    assert judge(parse(GOOD, expected_ranks=16), 420, 0.85, 2**30).passed  # 369 >= 357


def test_average_is_never_the_gate():
    low_average = GOOD.replace("# Avg bus bandwidth    : 364.5", "# Avg bus bandwidth    : 12.0")
    assert judge(parse(low_average), 360, 0.9, 2**30).passed
    # small sizes fast, large sizes slow: the average would pass, the verdict must not
    rows = [line for line in GOOD.splitlines() if line.split() and line.split()[0].isdigit()]
    slow = GOOD
    for line in rows[2:]:
        tokens = line.split()
        tokens[7] = tokens[11] = "150.00"
        slow = slow.replace(line, "  " + "  ".join(tokens))
    verdict = judge(parse(slow), 360, 0.9, 4 * 2**30)
    assert not verdict.passed and verdict.measured_gbps == 150.0
    assert "150.0 GB/s at 4G is below 90% of the expected 360 GB/s" in verdict.reasons[0]


def test_fatal_anomalies_fail_even_with_good_numbers():
    verdict = judge(parse(GOOD, expected_ranks=32), 360, 0.9, 2**30)
    assert not verdict.passed and verdict.reasons[0].startswith("too-few-ranks")


def test_run_below_min_bytes_uses_its_largest_rows():
    verdict = judge(parse(GOOD), 360, 0.9, 64 * 2**30)
    assert verdict.at_bytes == 2**34 and verdict.passed
