"""nccl-tests output parsing: every fixture variant, generated tables, classic mistakes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ailz.validation.parser import COLLECTIVES, parse

FIXTURES = Path(__file__).parent / "fixtures"


def load(name: str, **kwargs):
    return parse((FIXTURES / name).read_text(), **kwargs)


def test_current_version_two_nodes():
    result = load("allreduce_2node_v2_16.log", expected_ranks=16, expect_gdr=True)
    assert result.collective == "all_reduce"
    assert result.version == "2.16.9"
    assert result.ranks == 16
    assert result.hosts == ["h100-node-a", "h100-node-b"]
    assert result.network == "Libfabric"
    assert [r.size for r in result.rows] == [2**30 * k for k in (1, 2, 4, 8, 16)]
    last = result.rows[-1]
    assert (last.count, last.type, last.redop, last.root) == (4294967296, "float", "sum", -1)
    assert last.out_of_place.bus_bw == 368.94 and last.in_place.bus_bw == 369.02
    assert last.out_of_place.nwrong == 0
    assert result.average_bus_bandwidth == 364.5
    assert result.out_of_bounds_ok is True
    assert result.ok and not result.errors and not result.anomalies


def test_legacy_error_column_and_ompi_tags():
    result = load("allgather_ompi_tagged_legacy.log")
    assert result.collective is None and result.version is None
    assert [r.redop for r in result.rows] == [None, None, None]
    assert result.rows[-1].out_of_place.bus_bw == 46.04
    assert result.rows[-1].out_of_place.nwrong is None  # the legacy column held a relative error
    assert result.ranks == 4 and result.ok


def test_old_table_without_root():
    result = load("old_table_no_redop.log")
    assert [r.root for r in result.rows] == [None] * 4
    assert [r.redop for r in result.rows] == ["sum"] * 4
    assert result.rows[0].out_of_place.bus_bw == 197.80


def test_srun_labels_and_na_wrong():
    result = load("reduce_scatter_srun_label.log")
    assert result.collective == "reduce_scatter" and result.version == "2.13.8"
    assert all(r.out_of_place.nwrong is None for r in result.rows)
    assert result.rows[-1].in_place.bus_bw == 24.56 and result.ok


def test_overflowing_numbers_and_prefix_mid_line():
    result = load("alltoall_overflow_midline.log")
    assert result.collective == "alltoall"
    assert [r.out_of_place.bus_bw for r in result.rows] == [283.81, 285.01, 285.27, 285.34]
    assert result.rows[-1].out_of_place.time == 210731.4
    assert result.rows[0].redop == "none"


def test_root_collectives():
    result = load("sendrecv_broadcast_reduce.log")
    assert result.collective == "broadcast" and [r.root for r in result.rows] == [0, 0]


def test_cputime_and_timestamp_columns():
    result = load("cputime_timestamps.log")  # -C renames the time column, -S adds a timestamp
    assert [r.out_of_place.bus_bw for r in result.rows] == [355.69, 362.59]
    assert [r.in_place.bus_bw for r in result.rows] == [356.40, 362.82]
    assert result.rows[0].out_of_place.time == 5660.2


def test_per_iteration_columns_and_scientific_notation():
    result = load("per_iter_timing.log")  # -I adds i_min/i_max/i_p99/i_cv% to each block
    assert result.collective == "reduce" and result.version == "2.19.6"
    assert [r.out_of_place.bus_bw for r in result.rows] == [352.03, 353.70]
    assert [r.in_place.bus_bw for r in result.rows] == [352.08, 353.73]
    assert [r.root for r in result.rows] == [0, 0]


def test_last_nccl_error_line():
    text = (FIXTURES / "wrong_results.log").read_text() + "# error: NCCL WARN Cuda failure 'out of memory'\n"
    assert [e.kind for e in parse(text).errors] == ["nccl"]


def test_failure_lines():
    result = load("failure_nccl_mpirun.log")
    kinds = {e.kind for e in result.errors}
    assert {"nccl", "launcher"} <= kinds
    assert not result.ok and not result.rows


def test_wrong_results_fail():
    result = load("wrong_results.log")
    assert result.out_of_bounds_ok is False and not result.ok


def test_ranks_running_alone():
    result = load("ranks_alone.log", expected_ranks=2)
    kinds = [a.kind for a in result.anomalies]
    assert "ranks-alone" in kinds and "too-few-ranks" in kinds
    assert result.ranks == 1
    assert [r.size for r in result.rows] == [2**30, 2**31]  # the second process' table is not appended


def test_socket_fallback_and_missing_gdr():
    socket = load("socket_fallback.log", expect_gdr=True)
    assert {"net-socket", "no-gdrdma"} <= {a.kind for a in socket.anomalies}
    assert socket.network == "Socket"
    ib = load("ib_no_gdr.log", expect_gdr=True)
    assert [a.kind for a in ib.anomalies] == ["no-gdrdma"]
    assert load("ib_no_gdr.log", expect_gdr=False).anomalies == []


def test_nccl_tests_json_file():
    result = load("allreduce_json_v3.json", expected_ranks=2)
    assert result.collective == "all_reduce" and result.ranks == 2
    assert result.hosts == ["h100-node-a", "h100-node-b"]
    assert [r.root for r in result.rows] == [-1, -1]
    assert result.rows[-1].in_place.bus_bw == 369.02 and result.rows[-1].in_place.nwrong is None
    assert result.out_of_bounds_ok is True and result.average_bus_bandwidth == 368.5
    assert result.ok and not [a for a in result.anomalies if a.kind != "no-debug"]


def test_json_output_mirrors_nccl_tests_keys():
    document = load("allreduce_2node_v2_16.log").to_json()
    assert set(document) >= {
        "collective", "version", "ranks", "rows", "average_bus_bandwidth", "out_of_bounds_ok", "errors",
        "anomalies", "ok",
    }  # fmt: skip
    assert set(document["rows"][0]) == {
        "size", "count", "type", "redop", "root", "out_of_place", "in_place", "run",
    }  # fmt: skip
    assert set(document["rows"][0]["out_of_place"]) == {"time", "alg_bw", "bus_bw", "nwrong"}
    again = parse(json.dumps(document))
    assert again.to_json()["rows"] == document["rows"] and again.ranks == 16


def test_empty_log_is_a_failure():
    result = parse("bash: all_reduce_perf: command not found\n")
    assert not result.ok and result.errors[0].kind == "no-results"


# ---- generated tables -------------------------------------------------------------------------

prefixes = st.sampled_from(["", "[1,0]<stdout>:", "0: ", "[0] "])
floats = st.floats(min_value=0.0, max_value=99999.0, allow_nan=False).map(lambda v: round(v, 2))


@st.composite
def tables(draw):
    collective = draw(st.sampled_from(COLLECTIVES))
    header = draw(st.booleans())
    legacy = draw(st.booleans())
    with_root = draw(st.booleans())
    timestamps = header and not legacy and draw(st.booleans())  # -S adds "YYYY-MM-DD HH:MM:SS"
    prefix = draw(prefixes)
    sizes = sorted(draw(st.sets(st.integers(min_value=8, max_value=2**40), min_size=1, max_size=12)))
    redop = "none" if collective in ("alltoall", "sendrecv", "broadcast") else "sum"
    rows = []
    for size in sizes:
        values = [draw(floats) for _ in range(6)]
        if draw(st.booleans()):  # values too wide for the column print as 1.2e+04
            values[0] = float(f"{values[0]:.1e}")
        wrong = "0e+00" if legacy else draw(st.sampled_from(["0", "N/A"]))
        rows.append((size, values, wrong))
    lines = []
    if header:
        lines.append("# nccl-tests version 2.16.9 nccl-headers=22707 nccl-library=22707")
        lines.append(f"# Collective test starting: {collective}_perf")
        cols = ["size", "count", "type", "redop"] + (["root"] if with_root else [])
        block = ["time", "algbw", "busbw", "error" if legacy else "#wrong"]
        lines.append("#  " + "  ".join(cols + block + block + (["timestamp"] if timestamps else [])))
    for size, v, wrong in rows:
        root = ["-1"] if with_root else []
        cells = [str(size), str(size // 4), "float", redop, *root]
        cells += [
            f"{v[0]:.1e}" if v[0] >= 1e4 else f"{v[0]:7.1f}",
            f"{v[1]:6.2f}",
            f"{v[2]:6.2f}",
            wrong,
            f"{v[3]:7.1f}",
            f"{v[4]:6.2f}",
        ]
        cells += [f"{v[5]:6.2f}", wrong] + (["2026-11-02 10:15:01"] if timestamps else [])
        # %6.2f overflows its width for large values; nccl-tests still separates with spaces
        lines.append(prefix + "  " + "  ".join(cells))
    lines.append(prefix + "# Out of bounds values : 0 OK")
    return collective, header, rows, "\n".join(lines)


@settings(max_examples=150, deadline=None)
@given(tables())
def test_generated_tables_round_trip(case):
    collective, header, rows, text = case
    result = parse(text)
    assert len(result.rows) == len(rows)
    for parsed, (size, values, _) in zip(result.rows, rows, strict=True):
        assert parsed.size == size
        assert parsed.out_of_place.bus_bw == pytest.approx(values[2], abs=0.006)
        assert parsed.in_place.bus_bw == pytest.approx(values[5], abs=0.006)
        assert parsed.out_of_place.time == pytest.approx(values[0], rel=0.06, abs=0.06)
    if header:
        assert result.collective == collective
    assert result.out_of_bounds_ok is True


def test_several_collectives_in_one_log_are_not_ranks_alone():
    first = (FIXTURES / "allreduce_2node_v2_16.log").read_text()
    second = first.replace("all_reduce_perf", "all_gather_perf")
    result = parse(first + second, expected_ranks=16, expect_gdr=True)
    assert result.collective == "all_reduce" and result.runs == 2 and len(result.rows) == 10
    assert [a.kind for a in result.anomalies] == ["mixed-collectives"]


def test_two_runs_concatenated_are_both_kept_and_not_ranks_alone():
    log = (FIXTURES / "allreduce_2node_v2_16.log").read_text()
    result = parse(log + log, expected_ranks=16, expect_gdr=True)
    assert result.runs == 2 and result.ranks == 16 and not result.anomalies
    assert [r.run for r in result.rows] == [0] * 5 + [1] * 5


def test_zero_busbw_with_data_moving_is_ranks_alone_without_any_header():
    rows = [
        line
        for line in (FIXTURES / "ranks_alone.log").read_text().splitlines()
        if line.split() and line.split()[0].isdigit()
    ]
    result = parse("\n".join(rows[:2]) + "\n")  # a cut log: no header, no rank lines, nothing expected
    assert result.ranks is None and [a.kind for a in result.anomalies] == ["ranks-alone"]


def test_nccl_info_lines_are_not_errors():
    text = (FIXTURES / "allreduce_2node_v2_16.log").read_text()
    text += "node:1:1 [0] NCCL INFO Bootstrap timeout set to 300s\n"
    assert parse(text).ok


def test_launcher_giving_up_on_a_worker_is_a_failure():
    result = parse(
        "waiting\nailz-launcher: worker nccl-x-worker-1.nccl-x.ailz-validation.svc has no DNS record\n"
    )
    assert [e.kind for e in result.errors][:1] == ["launcher"] and "no DNS record" in result.errors[0].message


def test_efa_network_name_with_a_space_keeps_gdrdma():
    """aws-ofi-nccl calls its network "AWS Libfabric": the channel line must be read to its end."""
    log = (FIXTURES / "allreduce_2node_v2_16.log").read_text()
    efa = [
        "node-a:1:1 [0] NCCL INFO Channel 00/0 : 0[0] -> 8[0] [send] via NET/AWS Libfabric/0/GDRDMA",
        "node-a:1:1 [0] NCCL INFO Channel 01/0 : 8[0] -> 0[0] [receive] via NET/AWS Libfabric/0/GDRDMA"
        " comm 0x1 nRanks 16",
    ]
    result = parse("\n".join(efa) + "\n" + log, expected_ranks=16, expect_gdr=True)
    assert "no-gdrdma" not in [a.kind for a in result.anomalies]


def test_one_rail_without_gdrdma_is_flagged():
    log = (FIXTURES / "allreduce_2node_v2_16.log").read_text()
    lines = [
        "n:1:1 [0] NCCL INFO Channel 00/0 : 0[0] -> 8[0] [send] via NET/IB/0/GDRDMA",
        "n:1:1 [0] NCCL INFO Channel 01/0 : 0[0] -> 8[0] [send] via NET/IB/1",
    ]
    result = parse("\n".join(lines) + "\n" + log, expected_ranks=16, expect_gdr=True)
    found = [a for a in result.anomalies if a.kind == "no-gdrdma"]
    assert found and found[0].message.startswith("1 of ") and "(NET/IB/1)" in found[0].message
