"""Verdicts from the catalog: large-message bus bandwidth vs expected, never the average."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ailz.catalog import load_catalog
from ailz.validation.parser import parse
from ailz.validation.thresholds import expected_busbw, format_bytes, judge, parse_bytes, threshold

FIXTURES = Path(__file__).parent / "fixtures"
GOOD = (FIXTURES / "allreduce_2node_v2_16.log").read_text()


def test_sizes():
    assert parse_bytes("1G") == 2**30 and parse_bytes("512M") == 2**29 and parse_bytes("8") == 8
    assert format_bytes(2**34) == "16G" and format_bytes(1000) == "1000B"
    with pytest.raises(ValueError):
        parse_bytes("1T")


def with_busbw(log: str, values: dict[int, tuple[float, float]]) -> str:
    """The good log with the (out-of-place, in-place) busbw of some rows (by size) replaced."""
    lines = []
    for line in log.splitlines():
        tokens = line.split()
        if tokens and tokens[0].isdigit() and int(tokens[0]) in values and len(tokens) == 13:
            tokens[7], tokens[11] = (f"{v:.2f}" for v in values[int(tokens[0])])
            line = "  " + "  ".join(tokens)
        lines.append(line)
    return "\n".join(lines) + "\n"


def test_expected_comes_from_the_catalog_per_collective_and_scale():
    p5 = load_catalog().machine("p5.48xlarge")
    assert expected_busbw(p5, 1) == p5.expected.intra_node_busbw_gbps
    assert expected_busbw(p5, 2) == expected_busbw(p5, 16) == p5.expected.two_node_busbw_gbps
    assert expected_busbw(p5, 1, "all_gather") == p5.expected.intra_node_collective_busbw_gbps
    assert expected_busbw(p5, 1, "all_gather") < expected_busbw(p5, 1, "all_reduce")
    assert expected_busbw(p5, 2, "all_gather") == p5.expected.two_node_busbw_gbps
    # sendrecv is one GPU pair per link: never the all_reduce network figure
    assert expected_busbw(p5, 2, "sendrecv") == p5.expected.sendrecv_busbw_gbps
    assert expected_busbw(p5, 2, "sendrecv") < expected_busbw(p5, 2, "all_reduce") / 4
    # no sourced figure: reported, not judged
    assert threshold(p5, "alltoall", 2).gbps is None


def test_every_machine_is_judged_on_all_reduce_and_says_where_it_is_not():
    catalog = load_catalog()
    for machine in catalog.machines.values():
        assert threshold(machine, "all_reduce", 1).gbps and threshold(machine, "all_reduce", 2).gbps
        for scale, nodes in (("intra_node", 1), ("multi_node", 2)):
            for collective in getattr(catalog.nccl_thresholds, scale):
                if threshold(machine, collective, nodes).gbps is None:
                    assert "not judged" in machine.expected.source, (machine.name, collective)


def test_pass_worst_row_and_median():
    verdict = judge(parse(GOOD, expected_ranks=16), 360, 0.9, 2**30)
    assert verdict.passed and verdict.measured_gbps == 355.69 and verdict.at_bytes == 2**30
    assert verdict.placement == "out-of-place" and verdict.median_gbps == pytest.approx(366.79)
    assert not judge(parse(GOOD, expected_ranks=16), 400, 0.9, 2**30).passed  # 355.69 < 360
    assert judge(parse(GOOD, expected_ranks=16), 400, 0.85, 2**30).passed  # 355.69 >= 340


def test_busbw_falling_at_the_largest_sizes_fails():
    """350 GB/s at 1G falling to 40 GB/s at 16G: the best row would pass, the worst decides."""
    falling = with_busbw(GOOD, {2**31: (300, 300), 2**32: (150, 150), 2**33: (80, 80), 2**34: (40, 40)})
    verdict = judge(parse(falling), 360, 0.9, 2**30)
    assert not verdict.passed and verdict.measured_gbps == 40.0 and verdict.at_bytes == 2**34
    assert "in 8 of 10 measurements" in verdict.reasons[0] and "worst 40.0 GB/s at 16G" in verdict.reasons[0]


def test_one_placement_below_the_line_fails():
    """Out-of-place 100 GB/s with in-place 340 GB/s: the better placement must not hide the worse."""
    split = with_busbw(GOOD, {size: (100, 340) for size in (2**30, 2**31, 2**32, 2**33, 2**34)})
    verdict = judge(parse(split), 360, 0.9, 2**30)
    assert not verdict.passed and verdict.measured_gbps == 100.0 and verdict.placement == "out-of-place"
    assert verdict.median_gbps == 220.0


def test_average_is_never_the_gate():
    low_average = GOOD.replace("# Avg bus bandwidth    : 364.5", "# Avg bus bandwidth    : 12.0")
    assert judge(parse(low_average), 360, 0.9, 2**30).passed
    slow = with_busbw(GOOD, {size: (150, 150) for size in (2**32, 2**33, 2**34)})
    verdict = judge(parse(slow), 360, 0.9, 4 * 2**30)
    assert not verdict.passed and verdict.measured_gbps == 150.0
    assert "worst 150.0 GB/s at 4G" in verdict.reasons[0]
    assert "the line is 90% of the expected 360 GB/s (324.0 GB/s)" in verdict.reasons[0]


def test_fatal_anomalies_fail_even_with_good_numbers():
    verdict = judge(parse(GOOD, expected_ranks=32), 360, 0.9, 2**30)
    assert not verdict.passed and verdict.reasons[0].startswith("too-few-ranks")


def test_run_below_min_bytes_uses_its_largest_rows():
    verdict = judge(parse(GOOD), 360, 0.9, 64 * 2**30)
    assert verdict.at_bytes == 4 * 2**30 and verdict.measurements == 6 and verdict.passed


def test_unjudged_collective_checks_correctness_only():
    verdict = judge(parse(GOOD), None, 0.9, 2**30)
    assert verdict.passed and not verdict.judged and verdict.measured_gbps == 355.69
    broken = GOOD.replace("# Out of bounds values : 0 OK", "# Out of bounds values : 3 FAILED")
    assert not judge(parse(broken), None, 0.9, 2**30).passed


def test_every_failed_verdict_names_its_reason():
    wrong = GOOD.replace("368.94      0", "368.94      7")  # #wrong without an out-of-bounds footer
    wrong = wrong.replace("# Out of bounds values : 0 OK\n", "")
    verdict = judge(parse(wrong), 360, 0.9, 2**30)
    assert not verdict.passed and verdict.reasons == [
        "results were wrong in 1 measurement(s), first at 16G out-of-place"
    ]


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(
        st.tuples(st.floats(0, 500, allow_nan=False), st.floats(0, 500, allow_nan=False)),
        min_size=5,
        max_size=5,
    ),
    expected=st.floats(1, 500),
)
def test_verdict_is_exactly_every_measurement_at_or_above_the_line(values, expected):
    sizes = [2**30, 2**31, 2**32, 2**33, 2**34]
    log = with_busbw(
        GOOD, {size: (round(a, 2), round(b, 2)) for size, (a, b) in zip(sizes, values, strict=True)}
    )
    verdict = judge(parse(log), expected, 0.9, 2**30)
    flat = [round(v, 2) for pair in values for v in pair]
    assert verdict.passed == all(v >= expected * 0.9 for v in flat)
    assert verdict.measured_gbps == min(flat)
    assert not verdict.passed or not verdict.reasons
    assert verdict.passed or verdict.reasons
