"""`ailz catalog`: the machines ailz knows, with their fabric facts and sources."""

from __future__ import annotations

import json

import typer
from rich.table import Table

from ailz.cli.common import fail, out

catalog_app = typer.Typer(
    help="Machines and fabrics ailz knows, with the source of every fact.", no_args_is_help=True
)


@catalog_app.command("list")
def list_machines(
    provider: str = typer.Option(None, "--provider", "-p", help="aws, gcp or onprem."),
) -> None:
    """One line per machine: GPUs, fabric, NICs, expected bus bandwidth."""
    from ailz.catalog import load_catalog

    table = Table()
    for column in (
        "machine",
        "provider",
        "GPUs",
        "fabric",
        "GPU NICs",
        "busbw 1 node",
        "busbw 2 nodes",
        "$/h",
    ):
        table.add_column(column)
    for m in load_catalog().machines.values():
        if provider and m.provider != provider:
            continue
        table.add_row(
            m.name,
            m.provider,
            f"{m.gpu.count}x {m.gpu.model}",
            m.network.fabric,
            f"{m.network.gpu_nics}x {m.network.gbps_per_gpu_nic} Gbps",
            f"{m.expected.intra_node_busbw_gbps:g} GB/s",
            f"{m.expected.two_node_busbw_gbps:g} GB/s",
            f"{m.price.on_demand_usd_per_hour:g}" if m.price else "-",
        )
    out.print(table)


@catalog_app.command("show")
def show_machine(
    machine: str = typer.Argument(..., help="Machine name, e.g. p5.48xlarge."),
    output: str = typer.Option("yaml", "--output", "-o", help="yaml or json."),
) -> None:
    """Every fact about one machine, each group with its source."""
    import difflib

    import yaml

    from ailz.catalog import load_catalog

    catalog = load_catalog()
    if machine not in catalog.machines:
        close = difflib.get_close_matches(machine, list(catalog.machines), n=1)
        fail(
            f"unknown machine '{machine}'",
            hint=(f"did you mean '{close[0]}'? " if close else "") + "see `ailz catalog list`",
        )
    data = catalog.machines[machine].model_dump(exclude_none=True)
    profile = catalog.fabric_profiles[data["nccl_profile"]].model_dump()
    data["nccl"] = profile
    if output == "json":
        out.print_json(json.dumps(data))
    else:
        print(yaml.safe_dump(data, sort_keys=False, width=100), end="")
