"""The `ailz` command line. Commands import their machinery lazily so --help stays instant."""

from __future__ import annotations

import typer
from typer.core import TyperArgument, TyperOption

from ailz.cli import deploy_cmd
from ailz.cli.catalog_cmd import catalog_app
from ailz.cli.cost_cmd import cost
from ailz.cli.diagram_cmd import diagram
from ailz.cli.diff_cmd import diff
from ailz.cli.images_cmd import images
from ailz.cli.plan_cmd import plan
from ailz.cli.policy_cmd import policy_app
from ailz.cli.validate_cmd import validate_app


def _conventional_help() -> None:
    """Help in the conventions engineers know: flags without a `<bool>` value placeholder, arguments
    as `SPEC` rather than `{spec}` and without `<str>`; choices stay listed (`<dev|prod>`). Typer
    builds help and completion options itself, so its classes are adjusted once, here; the help
    guard tests fail if a Typer release changes these hooks."""
    option_type = TyperOption.display_type_rich

    def option_display_type(self, ctx) -> str | None:
        return None if self.is_flag else option_type(self, ctx)

    def argument_usage(self, ctx) -> list[str]:
        name = self.metavar or self.name.upper()
        return [name if self.required else f"[{name}]"]

    TyperOption.display_type_rich = option_display_type
    TyperArgument.display_type_rich = lambda self, ctx: None
    TyperArgument.display_name_raw = property(lambda self: self.metavar or self.name.upper())
    TyperArgument.get_usage_pieces = argument_usage


_conventional_help()

app = typer.Typer(
    name="ailz",
    help="Infrastructure as code for AI landing zones: plan, gate, deploy and validate GPU fabrics.",
    no_args_is_help=True,
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
    catalog: str = typer.Option(
        None,
        "--catalog",
        metavar="FILE",
        envvar="AILZ_CATALOG",
        help="Catalog overlay: machines, regions or zones newer than ailz's catalog (docs/catalog.md).",
    ),
) -> None:
    """Infrastructure as code for AI landing zones: plan, gate, deploy and validate GPU fabrics."""
    if catalog:
        from ailz.cli.common import load_overlay_or_exit

        load_overlay_or_exit(catalog)


app.command("plan")(plan)
app.command("images")(images)
app.command("diff")(diff)
app.command("cost")(cost)
app.command("diagram")(diagram)
app.add_typer(catalog_app, name="catalog")
app.add_typer(policy_app, name="policy")
app.add_typer(validate_app, name="validate")
app.command("preview")(deploy_cmd.preview)
app.command("up")(deploy_cmd.up)
app.command("destroy")(deploy_cmd.destroy)
app.command("outputs")(deploy_cmd.outputs)
app.command("kubeconfig")(deploy_cmd.kubeconfig)


@app.command("schema")
def schema(
    out_file: str = typer.Option(None, "--out", metavar="FILE", help="Write to FILE instead of stdout."),
) -> None:
    """Print the JSON Schema of the landing-zone spec (for editor autocompletion)."""
    import json

    from ailz.cli.common import write_text
    from ailz.components.kinds import KINDS

    document = KINDS.zone_model.model_json_schema(by_alias=True)
    document["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    document["title"] = "ailz landing zone"
    write_text(json.dumps(document, indent=2), out_file)


def main() -> None:
    """Run the CLI; standard output that cannot take the output (a full disk, a closed pipe) is an
    environment error with a message, not a traceback at exit."""
    import errno
    import os
    import sys

    from ailz.cli import common

    try:
        try:
            app(prog_name="ailz")
        except SystemExit as done:
            code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
            if type(sys.stdout).__name__ == "PacifyFlushWrapper":
                # click's answer to a reader that left (`ailz plan -o json | head`): exit 1; for
                # ailz as for any filter, a closed pipe is the reader's choice, not a failure
                code = 0
            sys.stdout.flush()
            sys.stderr.flush()
            if common.SYNTHESIZED:
                # Tearing down the provider SDKs' thousands of modules and classes takes longer
                # than a small plan: after an offline synthesis nothing is left to clean up
                # (outputs are written and closed, workers ended), so leave at once.
                os._exit(code)
            if code != done.code:
                sys.exit(code)
            raise
        finally:
            sys.stdout.flush()
    except BrokenPipeError:  # `ailz ... | head`: the reader left, nothing more to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
    except OSError as error:
        if error.errno not in (errno.ENOSPC, errno.EIO, errno.EDQUOT, errno.EFBIG):
            raise
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.stderr.write(
            f"error: cannot write the output: {error.strerror}\n  fix: free space, or use --out\n"
        )
        sys.exit(2)


if __name__ == "__main__":
    main()
