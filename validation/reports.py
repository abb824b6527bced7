"""Report formats for a validation session: terminal table, JSON, JUnit XML, SVG/PNG plot."""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from html import escape

from ailz.validation.session import ValidationReport


def _gb(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def text_report(report: ValidationReport) -> str:
    """Plain table; the CLI colours it."""
    if report.expected_gbps is None:
        line = "no catalog figure for this collective and scale: bandwidth reported, not judged"
    else:
        line = (
            f"expected {report.expected_gbps:.0f} GB/s busbw, every measurement at large sizes must reach "
            f">= {report.min_fraction:.0%} ({report.expected_gbps * report.min_fraction:.1f} GB/s)"
        )
    lines = [
        f"NCCL {report.collective} on {report.target}/{report.pool} ({report.machine}): {line}",
        "",
        f"{'run':<30} {'nodes':<34} {'worst GB/s':>10} {'median':>8} {'of exp.':>7}  verdict",
    ]
    for run in report.runs:
        fraction = "-" if run.verdict.fraction is None else f"{run.verdict.fraction:.0%}"
        verdict = "PASS" if run.verdict.passed else ("NOT RUN" if run.state == "unscheduled" else "FAIL")
        nodes = ",".join(run.nodes)[:34]
        lines.append(
            f"{run.name:<30} {nodes:<34} {_gb(run.verdict.measured_gbps):>10} "
            f"{_gb(run.verdict.median_gbps):>8} {fraction:>7}  {verdict}"
        )
        if run.state == "unscheduled":
            lines.append(f"    - not tested: {run.message}")
            continue
        for reason in run.verdict.reasons:
            lines.append(f"    - {reason}")
        for anomaly in run.result.anomalies:
            if not any(reason.startswith(anomaly.kind) for reason in run.verdict.reasons):
                lines.append(f"    ~ {anomaly.kind}: {anomaly.message}")
    for rack_a, rack_b, failed, tested in report.failing_links:
        lines.append("")
        lines.append(
            f"links between racks {rack_a} and {rack_b}: {failed} of {tested} tests across them failed while "
            "their nodes pass inside their racks (spine or cabling, not the nodes)"
        )
    if report.uncrossed:
        lines.append("")
        pairs = ", ".join(f"{a}-{b}" for a, b in report.uncrossed)
        lines.append(f"rack pairs no test crossed before the round limit: {pairs}")
    if report.node_status:
        lines.append("")
        for status in ("bad", "flaky", "suspect", "untested", "good"):
            names = sorted(n for n, s in report.node_status.items() if s == status)
            if names:
                lines.append(f"{status:<8} {len(names):>3}  {' '.join(names)}")
                if status != "good":
                    lines += [f"    {n}: {report.node_reasons[n]}" for n in names if n in report.node_reasons]
    lines.append("")
    lines.append(
        f"{'PASSED' if report.passed else 'FAILED'}: {len(report.runs)} run(s) in {report.rounds} round(s), "
        f"{report.gpu_minutes:.0f} GPU-minutes"
        + ("" if report.judged else "; correctness only, the bandwidth was not judged")
    )
    return "\n".join(lines) + "\n"


def json_report(report: ValidationReport) -> str:
    return json.dumps(report.to_json(), indent=2) + "\n"


def junit_report(report: ValidationReport) -> str:
    """One testcase per run and, when nodes were judged, one per node."""
    suite = ET.Element("testsuite", name=f"ailz.nccl.{report.target}.{report.pool}")
    cases = 0
    failures = 0
    for run in report.runs:
        case = ET.SubElement(suite, "testcase", classname=f"nccl.{report.collective}", name=run.name)
        case.set("time", f"{run.seconds:.1f}")
        cases += 1
        ET.SubElement(case, "system-out").text = (
            f"nodes={','.join(run.nodes)} worst_busbw={_gb(run.verdict.measured_gbps)} "
            f"median_busbw={_gb(run.verdict.median_gbps)} expected={report.expected_gbps} "
            f"min_fraction={report.min_fraction}"
        )
        if run.state == "unscheduled":
            ET.SubElement(case, "skipped", message=f"not tested: {run.message}"[:500])
        elif not run.verdict.passed:
            failures += 1
            failure = ET.SubElement(case, "failure", message=(run.verdict.reasons or ["failed"])[0][:500])
            failure.text = "\n".join(run.verdict.reasons)
    for node, status in sorted(report.node_status.items()):
        case = ET.SubElement(suite, "testcase", classname="nccl.node", name=node)
        cases += 1
        if status != "good":
            failures += 1
            reason = report.node_reasons.get(node, "")
            ET.SubElement(case, "failure", message=f"node is {status}" + (f": {reason}" if reason else ""))
    for rack_a, rack_b, failed, tested in report.failing_links:
        case = ET.SubElement(suite, "testcase", classname="nccl.link", name=f"{rack_a}-{rack_b}")
        cases += 1
        failures += 1
        ET.SubElement(case, "failure", message=f"{failed} of {tested} tests between the racks failed")
    for rack_a, rack_b in report.uncrossed:
        case = ET.SubElement(suite, "testcase", classname="nccl.link", name=f"{rack_a}-{rack_b}")
        cases += 1
        failures += 1
        ET.SubElement(case, "failure", message="no test crossed these racks before the round limit")
    suite.set("tests", str(cases))
    suite.set("failures", str(failures))
    suite.set("errors", "0")
    return ET.tostring(suite, encoding="unicode", xml_declaration=True) + "\n"


def _series(report: ValidationReport) -> list[tuple[str, list[tuple[int, float]]]]:
    series = []
    for run in report.runs:
        points = [(r.size, r.best_bus_bw()) for r in run.result.rows if r.size > 0]
        if points:
            series.append((f"{run.name} ({','.join(run.nodes)})", points))
    return series


def svg_plot(report: ValidationReport, width: int = 900, height: int = 480) -> str:
    """Bus bandwidth vs message size (log2), one line per run, expected and threshold lines."""
    series = _series(report)
    sizes = [s for _, points in series for s, _ in points] or [1 << 20, 1 << 34]
    top = max([report.expected_gbps * 1.15] + [b for _, points in series for _, b in points])
    left, right, upper, lower = 70, width - 230, 40, height - 60
    lo, hi = math.log2(min(sizes)), math.log2(max(sizes))
    hi = hi if hi > lo else lo + 1

    def x(size: float) -> float:
        return left + (math.log2(size) - lo) / (hi - lo) * (right - left)

    def y(value: float) -> float:
        return lower - value / top * (lower - upper)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif"'
        ' font-size="12">',
        '<rect width="100%" height="100%" fill="white"/>',
        f'<text x="{left}" y="22" font-size="15">{escape(report.collective)} busbw on '
        f"{escape(report.target)}/{escape(report.pool)} ({escape(report.machine)})</text>",
        f'<line x1="{left}" y1="{lower}" x2="{right}" y2="{lower}" stroke="black"/>',
        f'<line x1="{left}" y1="{upper}" x2="{left}" y2="{lower}" stroke="black"/>',
        f'<text x="{(left + right) / 2}" y="{height - 20}" text-anchor="middle">message size (bytes)</text>',
        f'<text x="18" y="{(upper + lower) / 2}" transform="rotate(-90 18 {(upper + lower) / 2})"'
        ' text-anchor="middle">bus bandwidth (GB/s)</text>',
    ]
    for exponent in range(math.ceil(lo), math.floor(hi) + 1, max(1, round((hi - lo) / 8))):
        label = _size_label(2**exponent)
        out.append(f'<text x="{x(2**exponent):.1f}" y="{lower + 16}" text-anchor="middle">{label}</text>')
    for i in range(6):
        value = top * i / 5
        out.append(f'<text x="{left - 6}" y="{y(value) + 4:.1f}" text-anchor="end">{value:.0f}</text>')
        out.append(f'<line x1="{left}" y1="{y(value):.1f}" x2="{right}" y2="{y(value):.1f}" stroke="#eee"/>')
    for value, colour, dash, label in (
        (report.expected_gbps, "#2a7", "", f"expected {report.expected_gbps:.0f}"),
        (report.expected_gbps * report.min_fraction, "#c33", ' stroke-dasharray="6 4"', "pass threshold"),
    ):
        level = f"{y(value):.1f}"
        out.append(f'<line x1="{left}" y1="{level}" x2="{right}" y2="{level}" stroke="{colour}"{dash}/>')
        out.append(f'<text x="{right + 8}" y="{y(value) + 4:.1f}" fill="{colour}">{label}</text>')
    palette = ["#1f77b4", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"]
    for i, (name, points) in enumerate(series):
        colour = palette[i % len(palette)]
        path = " ".join(f"{x(s):.1f},{y(b):.1f}" for s, b in sorted(points))
        out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{path}"/>')
        if i < 12:
            out.append(
                f'<text x="{right + 8}" y="{upper + 40 + 16 * i}" fill="{colour}">{escape(name[:32])}</text>'
            )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _size_label(size: int) -> str:
    for unit, scale in (("G", 2**30), ("M", 2**20), ("K", 2**10)):
        if size >= scale:
            return f"{size // scale}{unit}"
    return str(size)


def write_plot(report: ValidationReport, path: str) -> None:
    """SVG written directly; PNG through matplotlib when it is installed."""
    if path.lower().endswith(".svg"):
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(svg_plot(report))
        return
    if not path.lower().endswith(".png"):
        raise ValueError(f"--plot {path}: use a .svg or .png file name")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise ValueError('PNG plots need matplotlib (pip install "ailz[plot]"); or write .svg') from None
    figure, axes = plt.subplots(figsize=(9, 4.8))
    for name, points in _series(report):
        sizes, values = zip(*sorted(points), strict=True)
        axes.plot(sizes, values, marker="o", label=name)
    axes.axhline(report.expected_gbps, color="green", label=f"expected {report.expected_gbps:.0f} GB/s")
    axes.axhline(
        report.expected_gbps * report.min_fraction, color="red", linestyle="--", label="pass threshold"
    )
    axes.set_xscale("log", base=2)
    axes.set_xlabel("message size (bytes)")
    axes.set_ylabel("bus bandwidth (GB/s)")
    axes.set_title(f"{report.collective} on {report.target}/{report.pool} ({report.machine})")
    axes.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
