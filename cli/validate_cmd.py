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

from ailz.cli.common import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    TextOrJson,
    err,
    fail,
    load_spec_or_exit,
    out,
    output_to,
    write_text,
)

validate_app = typer.Typer(help="Prove a deployed GPU fabric reaches its bandwidth.", no_args_is_help=True)
nccl_app = typer.Typer(help="NCCL bandwidth validation (nccl-tests).")
validate_app.add_typer(nccl_app, name="nccl")
health_app = typer.Typer(help="Recurring node health checks (validation.health).", no_args_is_help=True)
validate_app.add_typer(health_app, name="health")


class Output(StrEnum):
    text = "text"
    json = "json"
    junit = "junit"
    yaml = "yaml"


class Pairing(StrEnum):
    inter_rack = "inter-rack"
    intra_rack = "intra-rack"
    random = "random"


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
    pairing: Pairing = typer.Option(
        None, "--pairing", help="Round-1 pairs with --pairwise (default: inter-rack where racks are known)."
    ),
    all_rack_pairs: bool = typer.Option(
        False, "--all-rack-pairs", help="With --pairwise: also cross every pair of racks (more rounds)."
    ),
    render_only: bool = typer.Option(
        False, "--render-only", help="Print or write the manifests, touch no cluster."
    ),
    out_path: Path = typer.Option(
        None,
        "--out",
        metavar="PATH",
        help="Write the report to this file; with --render-only, the manifests to this directory.",
    ),
    output: Output = typer.Option(
        None, "-o", "--output", help="text|json|junit; yaml|json with --render-only."
    ),
    plot: str = typer.Option(None, "--plot", help="Write a bandwidth plot (.svg, or .png with matplotlib)."),
    label_bad_nodes: bool = typer.Option(
        False, "--label-bad-nodes", help="Label bad, flaky and suspect nodes; taint bad and flaky ones."
    ),
    image: str = typer.Option(None, "--image", help="Override the nccl-tests image of the fabric."),
) -> None:
    """Run the NCCL test job for a pool's fabric and print a verdict against the catalog."""
    if ctx.invoked_subcommand is not None:
        return
    if not spec:
        fail("missing --spec", hint="ailz validate nccl --spec FILE [--target NAME] [--pool NAME]")
    if nodes and all_nodes:
        fail("--nodes and --all-nodes exclude each other")
    if (pairing or all_rack_pairs) and not pairwise:
        fail("--pairing and --all-rack-pairs choose how --pairwise pairs nodes", hint="add --pairwise")
    from typing import get_args

    from ailz.spec.zone import Collective

    if collective and collective not in get_args(Collective):
        fail(f"unknown collective {collective!r}", hint=f"one of {', '.join(get_args(Collective))}")
    if render_only:
        output = output or Output.yaml
        if output not in (Output.yaml, Output.json):
            fail(f"--render-only prints yaml or json, not {output.value}", hint="-o yaml, or --out DIR")
    elif output is Output.yaml:
        fail("-o yaml is for --render-only", hint="-o text, json or junit for a run's report")
    zone = load_spec_or_exit(str(spec)).zone
    target, pool = _only_target_and_pool(zone, spec, target, pool)

    from ailz.validation.job_plan import RenderError, plan_job
    from ailz.validation.render import render

    if render_only:
        try:
            plan = plan_job(zone, target, pool, nodes=nodes, collective=collective, image=image)
            objects = render(plan, ssh_secret=False)
        except RenderError as error:
            fail(f"{spec}: {error}")
        if out_path is not None:
            _write_manifests(objects, out_path)
        else:
            _print_manifests(objects, output)
        if plan.job_kind == "jobset":
            _explain_ssh_secret(plan)
        return

    output = output or Output.text
    _run(zone, spec, target, pool, nodes, all_nodes, kubeconfig, context, collective, pairwise, output, plot,
         label_bad_nodes, image, pairing.value if pairing else None, all_rack_pairs, out_path)  # fmt: skip


def _only_target_and_pool(zone, spec, target: str | None, pool: str | None) -> tuple[str, str]:
    """The spec's only target and the target's only GPU pool when not given; else say which exist."""
    if target is None:
        names = [t.name for t in zone.targets if t.gpu_pools]
        if len(names) != 1:
            fail(f"{spec}: pass --target, the spec has {len(names)} targets with GPU pools",
                 hint=f"targets: {', '.join(names) or 'none'}")  # fmt: skip
        target = names[0]
    if pool is None:
        try:
            pools = [p.name for p in zone.target(target).gpu_pools]
        except KeyError:
            return target, ""  # the plan names the missing target and the ones there are
        if len(pools) != 1:
            fail(f"{spec}: pass --pool, target {target!r} has {len(pools)} GPU pools",
                 hint=f"pools: {', '.join(pools) or 'none'}")  # fmt: skip
        pool = pools[0]
    return target, pool


def _print_manifests(objects: list[dict], output: Output) -> None:
    import json

    import yaml

    if output is Output.json:
        sys.stdout.write(json.dumps({"apiVersion": "v1", "kind": "List", "items": objects}, indent=2) + "\n")
    else:
        sys.stdout.write(yaml.safe_dump_all(objects, sort_keys=False))


def _explain_ssh_secret(plan) -> None:
    """Rendered JobSets carry no key pair (a private key does not belong in Git): say how to make one."""
    from ailz.components.common.names import VALIDATION_NAMESPACE
    from ailz.validation.render import SSH_CONFIG

    err.print(
        f"note: the JobSet needs Secret {plan.name}-ssh (a throwaway key pair), which is not rendered:\n"
        "  ssh-keygen -q -t ed25519 -N '' -f id_ed25519 && cp id_ed25519.pub authorized_keys && "
        f"printf {SSH_CONFIG!r} > config\n"
        f"  kubectl -n {VALIDATION_NAMESPACE} create secret generic {plan.name}-ssh "
        "--from-file=id_ed25519 --from-file=authorized_keys --from-file=config",
        markup=False,
    )


def _write_manifests(objects: list[dict], out_dir: Path) -> None:
    import yaml

    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        fail(
            f"cannot create {out_dir}: {error.strerror}", hint="pass a directory you can write to with --out"
        )
    for index, obj in enumerate(objects):
        path = out_dir / f"{index:02d}-{obj['kind'].lower()}-{obj['metadata']['name']}.yaml"
        try:
            path.write_text(yaml.safe_dump(obj, sort_keys=False), encoding="utf-8")
        except OSError as error:
            fail(
                f"cannot write {path}: {error.strerror}", hint="pass a directory you can write to with --out"
            )
        out.print(str(path), markup=False)


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
         label_bad_nodes, image, pairing, all_rack_pairs, out_path=None) -> None:  # fmt: skip
    from ailz.validation import reports
    from ailz.validation.session import validate

    api = _connect(zone, spec, target, kubeconfig, context)
    started = err.status("starting NCCL validation")
    with _cluster_run(spec, "interrupted: the validation job was deleted"), started as status:
        report = validate(
            zone, target, pool, api, nodes=nodes, all_nodes=all_nodes, collective=collective,
            pairwise=pairwise, label_bad_nodes=label_bad_nodes, image=image, pairing=pairing,
            all_rack_pairs=all_rack_pairs, on_progress=lambda text: status.update(text),
        )  # fmt: skip
    verdict = "PASSED" if report.passed else "FAILED"
    if report.passed and not report.judged:
        verdict += " (correct; bandwidth not judged: no catalog figure)"
    if output is Output.json:
        write_text(reports.json_report(report), out_path and str(out_path))
    elif output is Output.junit:
        write_text(reports.junit_report(report), out_path and str(out_path))
    elif out_path is not None:
        write_text(reports.text_report(report) + verdict, str(out_path))
    else:
        colour = "green" if report.passed else "red"
        out.print(reports.text_report(report), markup=False, end="")
        out.print(f"[bold {colour}]{verdict}[/]")
    if out_path is not None:
        err.print(f"NCCL validation {verdict}; {output.value} report written to {out_path}", markup=False)
    if plot:
        try:
            reports.write_plot(report, plot)
        except (ValueError, OSError) as error:
            fail(str(error))
    raise typer.Exit(EXIT_OK if report.passed else EXIT_FAILED)


@contextlib.contextmanager
def _cluster_run(spec, interrupted: str) -> Iterator[None]:
    """What a run against the cluster can end in, as exit codes: the spec (2), a refused run (1),
    an API that does not answer or refuses (2), Ctrl-C after cleanup (130)."""
    from ailz.validation.cluster import ApiError, RunError
    from ailz.validation.job_plan import RenderError

    try:
        yield
    except RenderError as error:
        fail(f"{spec}: {error}")
    except RunError as error:
        fail(str(error), code=EXIT_FAILED)
    except ApiError as error:
        _api_error(error)
    except KeyboardInterrupt:
        err.print(f"[yellow]{interrupted}[/]")
        raise typer.Exit(EXIT_INTERRUPTED) from None


def _api_error(error) -> None:
    """What failed at the API server, and the check that fits: the network for no answer, the
    identity for 401/403, the server for 5xx."""
    import json

    detail = error.message.strip()
    with contextlib.suppress(ValueError, AttributeError):  # the API's Status: its message says it best
        detail = json.loads(detail).get("message") or detail
    if error.status == 0:
        reason = (
            "connection refused"
            if "refused" in detail.lower()
            else "timed out"
            if "timed out" in detail.lower()
            else ""
        )
        fail(f"no answer from the Kubernetes API server{f' ({reason})' if reason else ''}",
             hint="check the kubeconfig's server address and that this machine reaches it (VPN, "
                  "private endpoint, firewall): kubectl cluster-info")  # fmt: skip
    hints = {
        401: "your credentials were not accepted: refresh them (aws eks update-kubeconfig, gcloud "
             "container clusters get-credentials) or check the kubeconfig's user",
        403: "your identity may not do this: kubectl auth can-i --list, and the binding of "
             "validation.nccl.runner_group",
    }  # fmt: skip
    hint = hints.get(error.status) or (
        "the API server failed: retry, and check the control plane's health (kubectl get --raw /readyz)"
        if error.status >= 500
        else "check the cluster and the request"
    )
    fail(f"the Kubernetes API answered {error.status} {error.reason}: {detail[:300]}", hint=hint)


def _connect(zone, spec, target: str, kubeconfig: str | None, context: str | None):
    from ailz.validation.cluster import RunError
    from ailz.validation.kubernetes_api import KubernetesApi

    try:
        chosen = zone.target(target)
    except KeyError:
        fail(f"{spec}: no target {target!r}", hint=f"targets: {', '.join(t.name for t in zone.targets)}")
    with _cluster_access(spec, chosen, kubeconfig, context) as (kubeconfig, context):
        try:
            return KubernetesApi(kubeconfig, context)
        except RunError as error:
            fail(str(error), hint="pass --kubeconfig FILE --context NAME, or set KUBECONFIG")


@nccl_app.command("clear")
def clear_nodes(
    node_names: list[str] = typer.Argument(..., metavar="NODE", help="Repaired nodes to re-test."),
    spec: Path = typer.Option(..., "--spec", help="Landing-zone spec file."),
    target: str = typer.Option(..., "--target", help="Target name in the spec."),
    pool: str = typer.Option(..., "--pool", help="GPU pool of the nodes."),
    kubeconfig: str = typer.Option(None, "--kubeconfig", help="kubeconfig file (default: $KUBECONFIG)."),
    context: str = typer.Option(None, "--context", help="kubeconfig context."),
    image: str = typer.Option(None, "--image", help="Override the nccl-tests image of the fabric."),
    output: TextOrJson = typer.Option(TextOrJson.text, "-o", "--output", help="text or json."),
    out_file: str = typer.Option(
        None, "--out", metavar="FILE", help="Write the result to FILE instead of stdout."
    ),
) -> None:
    """Re-test repaired nodes against known-good partners; clear ailz's label and taint from those that pass.

    Exit 0 every node cleared, 1 a node failed its re-test (its label and taint stay), 2 input errors."""
    import json

    from ailz.validation.session import clear

    zone = load_spec_or_exit(str(spec)).zone
    api = _connect(zone, spec, target, kubeconfig, context)
    started = err.status("re-testing repaired nodes")
    with (
        _cluster_run(spec, "interrupted: the re-test jobs were deleted, no node was cleared"),
        started as status,
    ):
        report = clear(zone, target, pool, api, list(dict.fromkeys(node_names)), image=image,
                       on_progress=lambda text: status.update(text))  # fmt: skip
    with output_to(out_file):
        if output is TextOrJson.json:
            sys.stdout.write(json.dumps(report.to_json(), indent=2) + "\n")
        else:
            for node in report.cleared:
                out.print(
                    f"cleared  {node}: passed its re-test; ailz's label and taint removed", markup=False
                )
            for node, why in report.kept.items():
                out.print(f"kept     {node}: {why}", markup=False)
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
    output: TextOrJson = typer.Option(TextOrJson.text, "-o", "--output", help="text or json."),
    machine: str = typer.Option(
        None,
        "--machine",
        help="Judge the log against this machine's catalog figures (exit 1 below the line).",
    ),
    nodes: int = typer.Option(
        None, "--nodes", min=1, help="Nodes the run had (default: the hosts the log names)."
    ),
    collective: str = typer.Option(
        None, "--collective", help="The run's collective, when the log does not say."
    ),
    min_fraction: float = typer.Option(None, "--min-fraction", help="Pass line as a fraction (default 0.9)."),
    min_bytes: str = typer.Option(None, "--min-bytes", help="Where large messages start (default 1G)."),
    expected_ranks: int = typer.Option(None, "--expected-ranks", help="nodes x GPUs the run should have."),
    expect_gdr: bool = typer.Option(False, "--expect-gdr", help="Flag runs without GPUDirect RDMA."),
    out_file: str = typer.Option(
        None, "--out", metavar="FILE", help="Write the result to FILE instead of stdout."
    ),
) -> None:
    """Parse an nccl-tests log from anywhere; with --machine judge it exactly as a run of ailz would.

    Exit 0 passed, 1 the log shows a failure or bandwidth below the line, 2 the input is wrong."""
    with output_to(out_file, inputs=(log,)):
        _parse_log(
            log, output, machine, nodes, collective, min_fraction, min_bytes, expected_ranks, expect_gdr
        )


def _parse_log(
    log, output, machine, nodes, collective, min_fraction, min_bytes, expected_ranks, expect_gdr
) -> None:  # noqa: PLR0913
    import json

    from ailz.validation.parser import parse
    from ailz.validation.thresholds import FATAL_ANOMALIES

    text = _read_log(log)
    if machine is None:
        given = {"--nodes": nodes, "--collective": collective, "--min-fraction": min_fraction,
                 "--min-bytes": min_bytes}  # fmt: skip
        for flag, value in given.items():
            if value is not None:
                fail(f"{flag} needs --machine", hint="ailz validate nccl parse LOG --machine p5.48xlarge")
        result = parse(text, expected_ranks=expected_ranks, expect_gdr=expect_gdr)
        if _not_nccl_output(result):
            _not_nccl_output_error(log)
        # a measurement spoiled by a classic mistake (ranks alone, sockets instead of RDMA) fails too
        passed = result.ok and not any(a.kind in FATAL_ANOMALIES for a in result.anomalies)
        if output is TextOrJson.json:
            sys.stdout.write(json.dumps(result.to_json(), indent=2) + "\n")
        else:
            _print_result(result)
            out.print("OK" if passed else "FAILED", markup=False)
        raise typer.Exit(EXIT_OK if passed else EXIT_FAILED)
    if expected_ranks is not None or expect_gdr:
        fail(
            "--expected-ranks and --expect-gdr are for parsing alone",
            hint="with --machine, ranks are nodes x GPUs and GPUDirect RDMA is the fabric's",
        )
    _judge_log(log, text, output, machine, nodes, collective, min_fraction, min_bytes)


MAX_LOG_BYTES = 64 << 20  # a 1,000-node run with NCCL_DEBUG=INFO logs a few MB


def _read_log(log: str) -> str:
    """The log's text, read no further than MAX_LOG_BYTES (a device or endless pipe ends fast)."""
    try:
        if log == "-":
            data = sys.stdin.buffer.read(MAX_LOG_BYTES + 1)
        else:
            with open(log, "rb") as handle:
                data = handle.read(MAX_LOG_BYTES + 1)
    except OSError as error:
        fail(f"cannot read {log}: {error.strerror}", hint="pass an nccl-tests log, or - for stdin")
    if len(data) > MAX_LOG_BYTES:
        fail(f"{log} is larger than {MAX_LOG_BYTES >> 20} MiB, more than any nccl-tests run logs",
             hint="pass the launcher's log of one run (grep out unrelated output)")  # fmt: skip
    return data.decode("utf-8", errors="replace")


def _not_nccl_output_error(log: str) -> None:
    fail(
        f"{log} does not look like nccl-tests output (no header, no result table, no NCCL error)",
        hint="pass the launcher log of e.g. all_reduce_perf, or the file written with -J",
    )


def _judge_log(log, text, output, machine_name, nodes, collective, min_fraction, min_bytes) -> None:  # noqa: PLR0913
    """Judge as a run would: the catalog's figure for the collective and scale, the spec defaults."""
    import difflib
    import json
    from typing import get_args

    from ailz.catalog import load_catalog
    from ailz.spec.zone import Collective, NcclValidation
    from ailz.validation.job_plan import fabric_pods
    from ailz.validation.parser import parse
    from ailz.validation.thresholds import format_bytes, judge_log, parse_bytes

    catalog = load_catalog()
    if machine_name not in catalog.machines:
        close = difflib.get_close_matches(machine_name, catalog.machines, n=3)
        fail(
            f"unknown machine {machine_name!r}" + (f" (did you mean {', '.join(close)}?)" if close else ""),
            hint=f"one of {', '.join(sorted(catalog.machines))} (ailz catalog list)",
        )
    machine = catalog.machine(machine_name)
    defaults = NcclValidation()
    try:
        large = parse_bytes(min_bytes or defaults.min_bytes)
    except ValueError as error:
        fail(f"--min-bytes: {error}")
    fraction = defaults.min_fraction if min_fraction is None else min_fraction
    if not 0 < fraction <= 1.2:
        fail(f"--min-fraction {fraction} is out of range", hint="a fraction of the catalog figure, e.g. 0.9")
    seen = parse(text)
    if _not_nccl_output(seen):
        _not_nccl_output_error(log)
    if collective is not None and collective not in get_args(Collective):
        fail(f"unknown collective {collective!r}", hint=f"one of {', '.join(get_args(Collective))}")
    if collective and seen.collective and collective != seen.collective:
        fail(
            f"{log} ran {seen.collective}, not {collective}",
            hint="drop --collective or pass another log",
        )
    collective = collective or seen.collective
    if collective is None:
        fail(f"{log} does not say which collective ran", hint="pass it, e.g. --collective all_reduce")
    if nodes is None:
        if seen.hosts:
            nodes = len(seen.hosts)
        elif seen.ranks:
            nodes = max(1, -(-seen.ranks // machine.gpus))
        else:
            fail(f"{log} does not say how many nodes ran (no rank lines)", hint="pass --nodes N")
    expect_gdr = bool(fabric_pods().get(machine.nccl_profile, {}).get("expect_gdr"))
    result, verdict, line = judge_log(text, machine, nodes, collective, fraction, large, expect_gdr)
    if output is TextOrJson.json:
        document = {
            "machine": machine.name,
            "nodes": nodes,
            "collective": collective,
            "expected_figure": line.figure,
            "passed": verdict.passed,
            "verdict": verdict.to_json(),
            "result": result.to_json(),
        }
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
    else:
        _print_result(result)
        if verdict.judged:
            out.print(
                f"{line.describe()} on {machine.name}: expected {verdict.expected_gbps:g} GB/s busbw "
                f"({line.figure}), pass at >= {fraction:.0%} ({verdict.threshold_gbps:.1f} GB/s)",
                markup=False,
            )
        else:
            out.print(
                f"{line.describe()} on {machine.name}: the catalog has no figure for it; bandwidth "
                "reported, not judged",
                markup=False,
            )
        if verdict.measured_gbps is not None:
            out.print(
                f"worst {verdict.measured_gbps:.2f} GB/s at {format_bytes(verdict.at_bytes)} "
                f"{verdict.placement}, "
                f"median {verdict.median_gbps:.2f} GB/s over {verdict.measurements} measurements",
                markup=False,
            )
        for reason in verdict.reasons:
            out.print(f"reason  {reason}", markup=False)
        out.print("PASSED" if verdict.passed else "FAILED", markup=False)
    raise typer.Exit(EXIT_OK if verdict.passed else EXIT_FAILED)


def _print_result(result) -> None:
    out.print(
        f"collective {result.collective or '?'}  nccl-tests {result.version or '?'}  "
        f"ranks {result.ranks if result.ranks is not None else '?'}  network {result.network or '?'}"
        + (f"  runs {result.runs}" if result.runs > 1 else ""),
        markup=False,
    )
    out.print(f"{'size (B)':>14} {'busbw out-of-place':>19} {'busbw in-place':>15}", markup=False)
    for row in result.rows:
        in_place = row.in_place.bus_bw if row.in_place else None
        out.print(f"{row.size:>14} {_fmt(row.out_of_place.bus_bw):>19} {_fmt(in_place):>15}", markup=False)
    for finding in result.errors:
        out.print(f"error   {finding.kind}: {finding.message}", markup=False)
    for finding in result.anomalies:
        out.print(f"anomaly {finding.kind}: {finding.message}", markup=False)


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


class HealthOutput(StrEnum):
    text = "text"
    json = "json"
    prometheus = "prometheus"


@health_app.command("status")
def health_status(
    spec: Path = typer.Argument(..., help="Landing-zone spec file."),
    target: str = typer.Option(
        None, "--target", help="Target name in the spec (default: its only target with GPU pools)."
    ),
    pool: str = typer.Option(None, "--pool", help="One GPU pool (default: every pool of the target)."),
    kubeconfig: str = typer.Option(None, "--kubeconfig", help="kubeconfig file (default: $KUBECONFIG)."),
    context: str = typer.Option(None, "--context", help="kubeconfig context."),
    output: HealthOutput = typer.Option(
        HealthOutput.text, "-o", "--output", help="text, json or prometheus."
    ),
    out_file: str = typer.Option(
        None, "--out", metavar="FILE", help="Write the result to FILE instead of stdout."
    ),
) -> None:
    """Each GPU node's last recurring check, read from the node (state, time, reason, NVLink busbw).

    Exit 0 when every node is good or flaky, 1 when a node is suspect or bad, 2 input errors."""
    import json

    from ailz.components.common import names as naming
    from ailz.validation import health_status as report
    from ailz.validation.cluster import ApiError

    zone = load_spec_or_exit(str(spec)).zone
    if target is None:
        target, _ = _only_target_and_pool(zone, spec, None, "*")
    if target not in [t.name for t in zone.targets]:
        fail(
            f"{spec}: no target named {target!r}", hint=f"targets: {', '.join(t.name for t in zone.targets)}"
        )
    api = _connect(zone, spec, target, kubeconfig, context)
    pools = [p.name for p in zone.target(target).gpu_pools]
    if pool is not None and pool not in pools:
        fail(
            f"{spec}: target {target!r} has no GPU pool {pool!r}", hint=f"pools: {', '.join(pools) or 'none'}"
        )
    rows = []
    try:
        for name in [pool] if pool else pools:
            for node in api.list_nodes(f"{naming.POOL_LABEL}={name}"):
                rows.append(report.node_health(node, name))
    except ApiError as error:
        _api_error(error)
    with output_to(out_file):
        if output is HealthOutput.json:
            sys.stdout.write(
                json.dumps({"target": target, "nodes": [r.to_json() for r in rows]}, indent=2) + "\n"
            )
        elif output is HealthOutput.prometheus:
            sys.stdout.write(report.prometheus(rows))
        else:
            out.print(report.text(rows), markup=False, end="")
    raise typer.Exit(EXIT_FAILED if any(r.state in ("suspect", "bad") for r in rows) else EXIT_OK)
