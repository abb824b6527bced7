"""`ailz catalog`: the machines ailz knows, with their fabric facts and sources."""

from __future__ import annotations

import json
from enum import StrEnum

import typer
from rich.table import Table

from ailz.cli.common import TextOrJson, fail, out, output_to


class Provider(StrEnum):
    aws = "aws"
    gcp = "gcp"
    onprem = "onprem"


class ShowOutput(StrEnum):
    yaml = "yaml"
    json = "json"


OUT_OPT = typer.Option(None, "--out", metavar="FILE", help="Write to FILE instead of stdout.")

catalog_app = typer.Typer(
    help="Machines and fabrics ailz knows, with the source of every fact.", no_args_is_help=True
)


@catalog_app.command("list")
def list_machines(
    provider: Provider = typer.Option(None, "--provider", "-p", help="Only this provider's machines."),
    output: TextOrJson = typer.Option(TextOrJson.text, "--output", "-o", help="text or json."),
    out_file: str = OUT_OPT,
) -> None:
    """One line per machine: GPUs, fabric, NICs, expected bus bandwidth."""
    from ailz.catalog import load_catalog

    machines = [m for m in load_catalog().machines.values() if not provider or m.provider == provider]
    with output_to(out_file):
        if output is TextOrJson.json:
            rows = [m.model_dump(exclude_none=True) for m in machines]
            print(json.dumps(rows, indent=2))
        else:
            _machine_table(machines)


def _machine_table(machines: list) -> None:
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
    for m in machines:
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
    output: ShowOutput = typer.Option(ShowOutput.yaml, "--output", "-o", help="yaml or json."),
    out_file: str = OUT_OPT,
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
    with output_to(out_file):
        if output is ShowOutput.json:
            print(json.dumps(data, indent=2))
        else:
            print(yaml.safe_dump(data, sort_keys=False, width=100), end="")


class Cloud(StrEnum):
    aws = "aws"
    gcp = "gcp"


_REGIONS = {Cloud.aws: ("aws_regions", "eks_versions"), Cloud.gcp: ("gcp_regions", "gke_versions")}


@catalog_app.command("regions")
def list_regions(
    cloud: Cloud = typer.Argument(..., help="aws or gcp."),
    output: TextOrJson = typer.Option(TextOrJson.text, "--output", "-o", help="text or json."),
    out_file: str = OUT_OPT,
) -> None:
    """The cloud's regions with their zones and country, and the Kubernetes minors ailz can create."""
    from ailz.catalog import load_catalog

    catalog = load_catalog()
    regions_section, versions_section = _REGIONS[cloud]
    regions, versions = getattr(catalog, regions_section), getattr(catalog, versions_section)
    with output_to(out_file):
        if output is TextOrJson.json:
            document = {"regions": regions.model_dump(), "kubernetes_versions": versions.model_dump()}
            print(json.dumps(document, indent=2))
            return
        table = Table(title=f"{cloud.value} regions (as of {regions.as_of})", title_justify="left")
        for column in ("region", "zones", "country"):
            table.add_column(column)
        separator = "" if cloud is Cloud.aws else "-"
        for name, region in regions.regions.items():
            zones = ", ".join(f"{name}{separator}{letter}" for letter in region.zones)
            table.add_row(name, zones, region.country)
        out.print(table)
        creatable = getattr(versions, "standard", None) or versions.regular
        out.print(f"Kubernetes minors ailz creates (as of {versions.as_of}): {', '.join(creatable)}")
