"""The `ailz` command line. Commands import their machinery lazily so --help stays instant."""

from __future__ import annotations

import typer

from ailz.cli import deploy_cmd
from ailz.cli.catalog_cmd import catalog_app
from ailz.cli.images_cmd import images
from ailz.cli.plan_cmd import plan
from ailz.cli.policy_cmd import policy_app
from ailz.cli.validate_cmd import validate_app

app = typer.Typer(
    name="ailz",
    help="Infrastructure as code for AI landing zones: plan, gate, deploy and validate GPU fabrics.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            print(f"ailz {version('ailz')}")
        except PackageNotFoundError:
            print("ailz (not installed as a package)")
        raise typer.Exit(0)


@app.callback()
def _main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print ailz's version and exit."
    ),
) -> None:
    """Infrastructure as code for AI landing zones: plan, gate, deploy and validate GPU fabrics."""


app.command("plan")(plan)
app.command("images")(images)
app.add_typer(catalog_app, name="catalog")
app.add_typer(policy_app, name="policy")
app.add_typer(validate_app, name="validate")
app.command("preview")(deploy_cmd.preview)
app.command("up")(deploy_cmd.up)
app.command("destroy")(deploy_cmd.destroy)
app.command("outputs")(deploy_cmd.outputs)
app.command("kubeconfig")(deploy_cmd.kubeconfig)


@app.command("schema")
def schema() -> None:
    """Print the JSON Schema of the landing-zone spec (for editor autocompletion)."""
    import json

    from ailz.components.kinds import KINDS

    document = KINDS.zone_model.model_json_schema(by_alias=True)
    document["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    document["title"] = "ailz landing zone"
    print(json.dumps(document, indent=2))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
