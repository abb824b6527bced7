"""Shared CLI plumbing: consoles, exit codes and turning user mistakes into clear errors."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Iterator
from enum import StrEnum
from typing import NoReturn

import typer
from rich.console import Console

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class TextOrJson(StrEnum):
    """The -o/--output choice of commands that print for people or for tools."""

    text = "text"
    json = "json"


EXIT_INTERRUPTED = 130

# Piped output (CI logs, grep) gets a wide fixed width so tables never truncate names.
_PIPE_WIDTH = 200
out = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else _PIPE_WIDTH)
err = Console(
    stderr=True, highlight=False, soft_wrap=True, width=None if sys.stderr.isatty() else _PIPE_WIDTH
)


def fail(message: str, code: int = EXIT_USAGE, hint: str | None = None) -> NoReturn:
    err.print(f"[bold red]error:[/] {message}", markup=True)
    if hint:
        err.print(f"  [dim]fix:[/] {hint}", markup=True)
    raise typer.Exit(code)


_STDIN: list[str] = []


STDIN_MAX_BYTES = 1 << 30  # the largest input any command takes (a plan or state export)


def stdin_text(limit: int = STDIN_MAX_BYTES) -> str:
    """Standard input, read once however many readers ask (`-` as a file name), never beyond
    STDIN_MAX_BYTES; each reader applies its own, smaller limit (a spec: 1 MB)."""
    if not _STDIN:
        stream = sys.stdin.buffer if hasattr(sys.stdin, "buffer") else None
        data = stream.read(limit + 1) if stream else sys.stdin.read(limit + 1).encode()
        if len(data) > STDIN_MAX_BYTES:
            fail("standard input is larger than 1 GiB, more than any spec, plan or state export",
                 hint="pipe one document")  # fmt: skip
        try:
            _STDIN.append(data.decode("utf-8"))
        except UnicodeDecodeError as error:
            fail(f"standard input is not UTF-8 text ({error.reason} at byte {error.start})",
                 hint="pipe a UTF-8 YAML or JSON document")  # fmt: skip
    return _STDIN[0]


def load_spec_or_exit(path: str, check: bool = True):
    """Load and validate a spec; a problem in it is the user's to fix, so exit 2 with the list."""
    from ailz.components.kinds import load_spec, load_text
    from ailz.spec.errors import SpecError

    try:
        if path == "-":  # the spec on standard input, read no further than a spec can be
            from ailz.spec.loader import MAX_SPEC_BYTES

            return load_text(stdin_text(MAX_SPEC_BYTES + 1), "<stdin>", check=check)
        return load_spec(path, check=check)
    except SpecError as error:
        count = len(error.issues)
        shown = "<stdin>" if path == "-" else path
        err.print(f"[bold red]error:[/] {shown}: {count} problem{'s' if count != 1 else ''} in the spec")
        err.print(error.render(), markup=False)
        raise typer.Exit(EXIT_USAGE) from None


def file_error_hint(path: str, error: OSError) -> str:
    """What to do about an OSError on `path`, by its cause rather than one generic line."""
    import errno

    parent = os.path.dirname(os.path.abspath(path))
    return {
        errno.ENOENT: (
            f"create {parent} first, or choose another path"
            if not os.path.isdir(parent)
            else "choose another path: this one cannot be created"
        ),
        errno.EACCES: "choose a path you may write to, or fix its permissions",
        errno.EPERM: "choose a path you may write to, or fix its permissions",
        errno.EROFS: f"{parent} is on a read-only file system; choose a writable path",
        errno.EISDIR: f"{path} is a directory; name a file in it",
        errno.ENOTDIR: f"a part of {parent} is a file, not a directory",
        errno.ENOSPC: "free space on that disk, or choose another path",
    }.get(error.errno, "choose another path")


def refuse_overwriting(out_file: str | None, inputs: tuple[str | None, ...]) -> None:
    """Exit 2 when --out names one of the command's inputs (a report must never replace its spec)."""
    if out_file in (None, "-"):
        return
    for given in inputs:
        if given not in (None, "-") and os.path.realpath(given) == os.path.realpath(out_file):
            fail(f"--out {out_file} is the input {given}: the output would replace it",
                 hint="write the output to another file")  # fmt: skip


@contextlib.contextmanager
def output_to(
    out_file: str | None, mode: int | None = None, inputs: tuple[str | None, ...] = ()
) -> Iterator[None]:
    """Standard output (prints and the `out` console) goes to `out_file` when one is given. A file
    is written beside and renamed into place at the end, so a failure never leaves half a report or
    clobbers the previous one; an exit with a verdict (typer.Exit 0 or 1) still writes it. A symlink
    is followed (its target is written); a device or pipe (/dev/null, a FIFO) is written in place,
    never replaced; a destination that is one of the command's `inputs` is refused. `mode` defaults
    to what a new file gets under the umask (0600 for secrets such as a kubeconfig)."""
    if out_file in (None, "-"):
        yield
        return
    refuse_overwriting(out_file, inputs)
    target = os.path.realpath(out_file)
    if os.path.exists(target) and not os.path.isfile(target) and not os.path.isdir(target):
        yield from _write_in_place(out_file, target)
        return
    import tempfile

    try:
        if os.path.isdir(target):
            raise IsADirectoryError(21, "Is a directory")
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed below, renamed into place
            "w", encoding="utf-8", dir=os.path.dirname(target), prefix=".ailz-", suffix=".tmp", delete=False
        )
    except OSError as error:
        fail(f"cannot write {out_file}: {error.strerror}", hint=file_error_hint(out_file, error))
    done = False
    try:
        try:
            with handle, contextlib.redirect_stdout(handle):
                try:
                    yield
                except typer.Exit as stop:  # a verdict is written; an input error (2) leaves no file
                    done = stop.exit_code != EXIT_USAGE
                    raise
            done = True
        except OSError as error:  # the disk filled up, the file system went away
            done = False
            fail(f"cannot write {out_file}: {error.strerror}", hint=file_error_hint(out_file, error))
    finally:
        if done:
            os.chmod(handle.name, 0o666 & ~_umask() if mode is None else mode)
            os.replace(handle.name, target)
        else:
            with contextlib.suppress(OSError):
                os.unlink(handle.name)


def _write_in_place(out_file: str, target: str) -> Iterator[None]:
    """A device or pipe as --out: opened and written, never renamed over."""
    try:
        handle = open(target, "w", encoding="utf-8")  # noqa: SIM115 - closed below
    except OSError as error:
        fail(f"cannot write {out_file}: {error.strerror}", hint=file_error_hint(out_file, error))
    try:
        with handle, contextlib.redirect_stdout(handle):
            yield
    except OSError as error:
        fail(f"cannot write {out_file}: {error.strerror}", hint=file_error_hint(out_file, error))


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def load_overlay_or_exit(path: str) -> None:
    """Add a catalog overlay for this run; its mistakes are the user's to fix (exit 2)."""
    from ailz.spec.errors import SpecError
    from ailz.spec.loader import load_overlay

    try:
        load_overlay(path)
    except SpecError as error:
        err.print(f"[bold red]error:[/] {error.file}: the catalog overlay has a problem")
        err.print(error.render(), markup=False)
        raise typer.Exit(EXIT_USAGE) from None


def write_text(
    text: str, out_file: str | None, mode: int | None = None, inputs: tuple[str | None, ...] = ()
) -> None:
    """Text to standard output, or to `out_file` (`-` is standard output)."""
    with output_to(out_file, mode, inputs):
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


@contextlib.contextmanager
def offline_work_interruptible() -> Iterator[None]:
    """Ctrl-C (or SIGTERM) during an offline synthesis ends the process at once with 130: nothing
    outside it exists yet, and Pulumi's in-process engine would otherwise swallow the interrupt
    in its event loop and keep going (or hang)."""

    def stop(signum, frame) -> None:
        sys.stderr.write("\ninterrupted\n")
        sys.stderr.flush()
        os._exit(EXIT_INTERRUPTED)

    try:
        previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    except ValueError:  # not the main thread (tests): nothing to install
        yield
        return
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextlib.contextmanager
def synthesis_progress() -> Iterator:
    """A spinner naming the target being synthesized, on a terminal's stderr only (CI logs and
    pipes stay clean); yields the callback synthesize() reports to."""
    if not sys.stderr.isatty():
        yield None
        return
    with err.status("synthesizing", spinner="dots") as status:
        yield lambda text: status.update(text)


def synthesize_or_exit(spec: str, targets: list[str] | None):
    """(loaded spec, offline plan) of the named targets (all when none), or a clear exit: an
    unknown target is a usage error, a synthesis failure a failed check with its cause."""
    loaded = load_spec_or_exit(spec)
    known = [t.name for t in loaded.zone.targets]
    for name in targets or []:
        if name not in known:
            fail(f"no target named '{name}' in {spec}", hint=f"targets: {', '.join(known)}")
    return loaded, _synthesize_or_exit([(loaded, targets or None)])[0]


# Set once a command has synthesized offline: main() may then skip the interpreter's teardown.
SYNTHESIZED = False


def _synthesize_or_exit(specs: list) -> list:
    """Plans of loaded specs, their targets synthesized together (in parallel where there are
    cores), or a failed check naming the target and the failure's own words."""
    from ailz.stacks.synth import SynthesisError, synthesize_all

    global SYNTHESIZED
    SYNTHESIZED = True

    try:
        with offline_work_interruptible(), synthesis_progress() as progress:
            return synthesize_all(specs, on_progress=progress)
    except SynthesisError as error:
        from rich.markup import escape

        err.print(f"[bold red]error:[/] {escape(str(error))}", highlight=False)
        raise typer.Exit(EXIT_FAILED) from None


SPEC_SUFFIXES = (".yaml", ".yml")


def load_plan_or_exit(path: str):
    """A spec is synthesized offline; JSON inputs (ailz plan, preview, state export) are adapted
    without any provider SDK. `-` is standard input: a JSON document, else a spec."""
    return load_plans_or_exit([path])[0]


def _is_spec(path: str) -> bool:
    if path == "-":
        return not stdin_text().lstrip().startswith(("{", "["))
    return path.endswith(SPEC_SUFFIXES)


def load_plans_or_exit(paths: list[str]) -> list:
    """Plans of several inputs (`ailz diff BASE HEAD`): the specs among them are synthesized
    together, so their targets share the worker processes."""
    is_spec = [_is_spec(path) for path in paths]
    plans = {i: _json_plan_or_exit(path) for i, path in enumerate(paths) if not is_spec[i]}  # cheap first
    specs = {i: load_spec_or_exit(path) for i, path in enumerate(paths) if is_spec[i]}
    if specs:
        made = _synthesize_or_exit([(loaded, None) for loaded in specs.values()])
        plans.update(zip(specs, made, strict=True))
    return [plans[i] for i in range(len(paths))]


def _json_plan_or_exit(path: str):
    from ailz.policies.config import PolicyInputError

    if path == "-":
        from ailz.policies.inputs import load_json_text

        try:
            return load_json_text(stdin_text(), "<stdin>")[0]
        except PolicyInputError as error:
            fail(str(error), hint="pipe a landing-zone spec or `ailz plan --output json` output")
    from ailz.policies.inputs import load_json_plan

    try:
        plan, _ = load_json_plan(path)
    except PolicyInputError as error:
        fail(
            str(error),
            hint="pass a landing-zone spec (.yaml), `ailz plan --output json`, "
            "`pulumi preview --json` or `pulumi stack export` output",
        )
    return plan
