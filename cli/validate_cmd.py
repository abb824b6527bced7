"""`ailz validate nccl`: run NCCL bandwidth jobs on a deployed pool and judge them against the catalog.

Everything heavy (kubernetes client, jinja, the catalog) is imported inside the commands.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path

import typer

from ailz.cli.common import EXIT_FAILED, EXIT_OK, err, fail, load_spec_or_exit, out

validate_app = typer.Typer(help="Prove a deployed GPU fabric reaches its bandwidth.", no_args_is_help=True)
nccl_app = typer.Typer(help="NCCL bandwidth validation (nccl-tests).")
validate_app.add_typer(nccl_app, name="nccl")

EXIT_INTERRUPTED = 130


class Output(StrEnum):
    text = "text"
    json = "json"
    junit = "junit"


class ParseOutput(StrEnum):
    text = "text"
    json = "json"


@nccl_app.callback(invoke_without_command=True)
def nccl(
    ctx: typer.Context,
    spec: Path = typer.Option(None, "--spec", help="Landing-zone spec file."),
    target: str = typer.Option(None, "--target", help="Target name in the spec."),
    pool: str = typer.Option(None, "--pool", help="GPU pool to validate."),
    nodes: int = typer.Option(None, "--nodes", min=1, help="Nodes in the test (default 2)."),
    all_nodes: bool = typer.Option(False, "--all-nodes", help="Every ready node of the pool in one job."),
    kubeconfig: str = typer.Option(None, "--kubeconfig", help="kubeconfig file (default: $KUBECONFIG)."),
    context: str = typer.Option(None, "--context", help="kubeconfig context."),
    collective: str = typer.Option(None, "--collective", help="all_reduce, all_gather, reduce_scatter, ..."),
    pairwise: bool = typer.Option(False, "--pairwise", help="Test node pairs in parallel to find bad nodes."),
    render_only: bool = typer.Option(False, "--render-only", help="Write the manifests, touch no cluster."),
    out_dir: Path = typer.Option(None, "-o", "--out-dir", help="Directory for --render-only manifests."),
    output: Output = typer.Option(Output.text, "--output", help="Report format on stdout."),
    plot: str = typer.Option(None, "--plot", help="Write a bandwidth plot (.svg, or .png with matplotlib)."),
    label_bad_nodes: bool = typer.Option(False, "--label-bad-nodes", help="Label and taint nodes found bad."),
    image: str = typer.Option(None, "--image", help="Override the nccl-tests image of the fabric."),
) -> None:
    """Run the NCCL test job for a pool's fabric and print a verdict against the catalog."""
    if ctx.invoked_subcommand is not None:
        return
    missing = [
        flag for flag, value in (("--spec", spec), ("--target", target), ("--pool", pool)) if not value
    ]
    if missing:
        fail(f"missing {', '.join(missing)}", hint="ailz validate nccl --spec FILE --target NAME --pool NAME")
    if nodes and all_nodes:
        fail("--nodes and --all-nodes exclude each other")
    from typing import get_args

    from ailz.spec.zone import Collective

    if collective and collective not in get_args(Collective):
        fail(f"unknown collective {collective!r}", hint=f"one of {', '.join(get_args(Collective))}")
    zone = load_spec_or_exit(str(spec)).zone

    from ailz.validation.job_plan import RenderError, plan_job
    from ailz.validation.render import render

    if render_only:
        if out_dir is None:
            fail("--render-only needs -o DIR", hint="ailz validate nccl ... --render-only -o manifests/")
        try:
            plan = plan_job(zone, target, pool, nodes=nodes, collective=collective, image=image)
            objects = render(plan)
        except RenderError as error:
            fail(f"{spec}: {error}")
        _write_manifests(objects, out_dir)
        return

    _run(zone, spec, target, pool, nodes, all_nodes, kubeconfig, context, collective, pairwise, output, plot,
         label_bad_nodes, image)  # fmt: skip


def _write_manifests(objects: list[dict], out_dir: Path) -> None:
    import yaml

    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        fail(f"cannot create {out_dir}: {error.strerror}")
    for index, obj in enumerate(objects):
        path = out_dir / f"{index:02d}-{obj['kind'].lower()}-{obj['metadata']['name']}.yaml"
        path.write_text(yaml.safe_dump(obj, sort_keys=False), encoding="utf-8")
        out.print(str(path))


@contextlib.contextmanager
def _cluster_access(spec, target, kubeconfig: str | None, context: str | None) -> Iterator[tuple]:
    """(kubeconfig file, context) to reach the target's cluster: what was passed (or $KUBECONFIG),
    else the existing cluster's own (on-prem), else the kubeconfig the target's stack exported, in a
    private temp file for the run."""
    if kubeconfig or context or os.environ.get("KUBECONFIG"):
        yield kubeconfig, context
        return
    if target.existing_cluster is not None:
        yield target.existing_cluster
        return
    from ailz.cli.deploy_cmd import cluster_kubeconfig

    text = cluster_kubeconfig(str(spec), target.name)
    with tempfile.TemporaryDirectory(prefix="ailz-") as directory:
        path = Path(directory) / "kubeconfig"
        path.write_text(text, encoding="utf-8")
        path.chmod(0o600)
        yield str(path), None


def _run(zone, spec, target, pool, nodes, all_nodes, kubeconfig, context, collective, pairwise, output, plot,
         label_bad_nodes, image) -> None:  # fmt: skip
    from ailz.validation import reports
    from ailz.validation.cluster import RunError
    from ailz.validation.job_plan import RenderError
    from ailz.validation.kubernetes_api import KubernetesApi
    from ailz.validation.session import validate

    try:
        chosen = zone.target(target)
    except KeyError:
        fail(f"{spec}: no target {target!r}", hint=f"targets: {', '.join(t.name for t in zone.targets)}")
    with _cluster_access(spec, chosen, kubeconfig, context) as (kubeconfig, context):
        try:
            api = KubernetesApi(kubeconfig, context)
        except RunError as error:
            fail(str(error), hint="pass --kubeconfig FILE --context NAME, or set KUBECONFIG")
    try:
        with err.status("starting NCCL validation") as status:
            report = validate(
                zone, target, pool, api, nodes=nodes, all_nodes=all_nodes, collective=collective,
                pairwise=pairwise, label_bad_nodes=label_bad_nodes, image=image,
                on_progress=lambda text: status.update(text),
            )  # fmt: skip
    except RenderError as error:
        fail(f"{spec}: {error}")
    except RunError as error:
        fail(str(error), code=EXIT_FAILED)
    except KeyboardInterrupt:
        err.print("[yellow]interrupted: the validation job was deleted[/]")
        raise typer.Exit(EXIT_INTERRUPTED) from None
    if output is Output.json:
        sys.stdout.write(reports.json_report(report))
    elif output is Output.junit:
        sys.stdout.write(reports.junit_report(report))
    else:
        colour = "green" if report.passed else "red"
        out.print(reports.text_report(report), markup=False, end="")
        out.print(f"[bold {colour}]{'PASSED' if report.passed else 'FAILED'}[/]")
    if plot:
        try:
            reports.write_plot(report, plot)
        except (ValueError, OSError) as error:
            fail(str(error))
    raise typer.Exit(EXIT_OK if report.passed else EXIT_FAILED)


def _not_nccl_output(result) -> bool:
    """Wrong file (exit 2) rather than a failed run (exit 1): nothing nccl-tests prints is there."""
    only_missing_rows = all(e.kind == "no-results" for e in result.errors)
    return (
        not result.rows
        and result.version is None
        and result.collective is None
        and result.ranks is None
        and only_missing_rows
    )


@nccl_app.command("parse")
def parse_log(
    log: str = typer.Argument(..., help="nccl-tests output (text or -J JSON); '-' reads stdin."),
    output: ParseOutput = typer.Option(ParseOutput.text, "--output", help="text or json."),
    expected_ranks: int = typer.Option(None, "--expected-ranks", help="nodes x GPUs the run should have."),
    expect_gdr: bool = typer.Option(False, "--expect-gdr", help="Flag runs without GPUDirect RDMA."),
) -> None:
    """Parse an nccl-tests log from anywhere; exit 1 when it shows a failure."""
    import json

    from ailz.validation.parser import parse
    from ailz.validation.thresholds import FATAL_ANOMALIES

    if log == "-":
        text = sys.stdin.read()
    else:
        try:
            text = Path(log).read_text(encoding="utf-8", errors="replace")
        except OSError as error:
            fail(f"cannot read {log}: {error.strerror}")
    result = parse(text, expected_ranks=expected_ranks, expect_gdr=expect_gdr)
    if _not_nccl_output(result):
        fail(
            f"{log} does not look like nccl-tests output (no header, no result table, no NCCL error)",
            hint="pass the launcher log of e.g. all_reduce_perf, or the file written with -J",
        )
    # a measurement spoiled by a classic mistake (ranks alone, sockets instead of RDMA) fails too
    passed = result.ok and not any(a.kind in FATAL_ANOMALIES for a in result.anomalies)
    if output is ParseOutput.json:
        sys.stdout.write(json.dumps(result.to_json(), indent=2) + "\n")
    else:
        out.print(
            f"collective {result.collective or '?'}  nccl-tests {result.version or '?'}  "
            f"ranks {result.ranks if result.ranks is not None else '?'}  network {result.network or '?'}",
            markup=False,
        )
        out.print(f"{'size (B)':>14} {'busbw out-of-place':>19} {'busbw in-place':>15}", markup=False)
        for row in result.rows:
            in_place = row.in_place.bus_bw if row.in_place else None
            out.print(
                f"{row.size:>14} {_fmt(row.out_of_place.bus_bw):>19} {_fmt(in_place):>15}", markup=False
            )
        for finding in result.errors:
            out.print(f"error   {finding.kind}: {finding.message}", markup=False)
        for finding in result.anomalies:
            out.print(f"anomaly {finding.kind}: {finding.message}", markup=False)
        out.print("OK" if passed else "FAILED", markup=False)
    raise typer.Exit(EXIT_OK if passed else EXIT_FAILED)


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"
