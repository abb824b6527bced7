"""Reads a landing-zone YAML file into validated models, keeping line numbers for every path."""

from __future__ import annotations

import types
from pathlib import Path as FsPath
from typing import Annotated, Any, NoReturn, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from ailz.spec.checks import check_zone
from ailz.spec.errors import Path, SpecError, SpecIssue
from ailz.spec.kinds import KindSet
from ailz.spec.zone import LandingZone

Positions = dict[Path, tuple[int, int]]


# A landing zone is a few thousand values; YAML aliases can make a small file expand without bound
# (an "alias bomb"), so the expansion stops well before memory or time run out.
MAX_VALUES = 200_000
MAX_DEPTH = 64
# the largest example is a few KB; a 1,024-node zone with every option stays far below this, and a
# parser given tens of MB spends seconds and hundreds of MB before any check can speak
MAX_SPEC_BYTES = 1 << 20


class _TooLarge(Exception):
    def __init__(self, path: Path, line: int, column: int, reason: str):
        self.path, self.line, self.column, self.reason = path, line, column, reason


class _Duplicate(Exception):
    def __init__(self, path: Path, key: str, line: int, column: int):
        self.path, self.key, self.line, self.column = path, key, line, column


def _build(loader: yaml.SafeLoader, node: yaml.Node, path: Path, positions: Positions) -> Any:
    """Turn a composed YAML node into plain data, recording where each path starts."""
    positions[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if len(positions) > MAX_VALUES or len(path) > MAX_DEPTH:
        reason = (
            f"the document expands to more than {MAX_VALUES:,} values"
            if len(positions) > MAX_VALUES
            else f"the document nests deeper than {MAX_DEPTH} levels"
        )
        raise _TooLarge(path, node.start_mark.line + 1, node.start_mark.column + 1, reason)
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str | int | float | bool) and key is not None:
                key = str(key)
            if key in result:
                mark = key_node.start_mark
                raise _Duplicate(path, str(key), mark.line + 1, mark.column + 1)
            child = (*path, key if isinstance(key, str) else str(key))
            positions[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            result[key] = _build(loader, value_node, child, positions)
            positions[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(loader, item, (*path, index), positions) for index, item in enumerate(node.value)]
    try:
        return loader.construct_object(node, deep=True)
    except ValueError:  # an integer of thousands of digits (Python's conversion limit) or the like
        mark = node.start_mark
        raise _TooLarge(path, mark.line + 1, mark.column + 1, "a number too long to read") from None


def parse_yaml(text: str, file: str) -> tuple[Any, Positions]:
    if len(text) > MAX_SPEC_BYTES:
        _too_large(file, len(text))
    lines = text.splitlines()
    loader: yaml.SafeLoader | None = None
    positions: Positions = {}
    try:
        loader = yaml.SafeLoader(text)
        node = loader.get_single_node()
        if node is None:
            raise SpecError(file, [SpecIssue((), "the file is empty", _OUTLINE_HINT, 1, 1)], lines)
        data = _build(loader, node, (), positions)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        opened = ("while scanning a quoted", "while parsing a flow")
        if err.context_mark is not None and (err.context or "").startswith(opened):
            mark = err.context_mark  # where the unclosed quote or bracket opens, not where it ends
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        message, hint = _yaml_problem(err)
        raise SpecError(file, [SpecIssue((), message, hint, line, column)], lines) from None
    except yaml.YAMLError as err:  # e.g. ReaderError for control characters
        hint = "remove control or non-printable characters from the file"
        position = getattr(err, "position", None)
        character = getattr(err, "character", None)
        if isinstance(position, int) and isinstance(character, int | str):
            code = ord(character) if isinstance(character, str) else character
            line = text.count("\n", 0, position) + 1
            column = position - (text.rfind("\n", 0, position) + 1) + 1
            message = f"a control character (U+{code:04X}) that YAML does not allow"
            raise SpecError(file, [SpecIssue((), message, hint, line, column)], lines) from None
        raise SpecError(file, [SpecIssue((), f"unreadable YAML: {err}", hint)], lines) from None
    except _TooLarge as big:
        hint = (
            "write the number with at most a few digits"
            if big.reason.startswith("a number")
            else "a landing zone is a few thousand values: remove repeated YAML aliases (*name) or nesting"
        )
        issue = SpecIssue(big.path[:3], big.reason, hint, big.line, big.column)
        raise SpecError(file, [issue], lines) from None
    except RecursionError:
        hint = "a landing zone nests a handful of levels: flatten the document"
        issue = SpecIssue((), f"the document nests too deeply to read (over {MAX_DEPTH} levels)", hint)
        raise SpecError(file, [issue], lines) from None
    except _Duplicate as dup:
        issue = SpecIssue(
            (*dup.path, dup.key),
            f"key '{dup.key}' appears twice",
            "keep one of them; YAML would silently drop the first",
            dup.line,
            dup.column,
        )
        raise SpecError(file, [issue], lines) from None
    finally:
        if loader is not None:
            loader.dispose()
    return data, positions


# PyYAML's problem texts, said in the user's terms: (words in the problem or context, what is
# wrong, the fix). The first match wins; anything else keeps PyYAML's words with a general fix.
_YAML_PROBLEMS = (
    (
        "'\\t'",
        "a tab character: YAML indents with spaces only",
        "replace the tab with spaces (as many as the lines around it use)",
    ),
    (
        "mapping values are not allowed",
        "a 'key: value' where YAML expects a plain value",
        "indent this line under a key that ends with ':', line it up with its siblings, or quote a "
        "value that contains ': '",
    ),
    (
        "quoted scalar",
        "a quoted value that is never closed",
        "close the quote that opens the value (on the line shown or above it)",
    ),
    (
        "expected <block end>, but found '-'",
        "a list item ('- ...') where a key was expected",
        "indent the list under its key (key: then '  - item' lines), or remove the '-'",
    ),
    (
        "expected <block end>",
        "this line's indentation does not match any level above it",
        "line it up with its siblings (same number of spaces)",
    ),
    (
        "could not find expected ':'",
        "a line that is neither 'key: value' nor a list item",
        "add ': ' after the key, or quote a value that spans lines",
    ),
    (
        "did not find expected key",
        "the mapping's indentation breaks here",
        "line this key up with its siblings (same number of spaces)",
    ),
    (
        "did not find expected '-'",
        "a list's indentation breaks here",
        "start every item of the list with '- ' at the same indentation",
    ),
    (
        "found undefined alias",
        "an alias (*name) without a matching anchor (&name)",
        "define the anchor before it, or write the value out",
    ),
    (
        "expected a single document",
        "more than one YAML document ('---') in the file",
        "a spec is one document: remove the extra '---' and what follows, or split the file",
    ),
    (
        "flow",
        "a [list] or {mapping} that is not closed, or a ',' out of place",
        "close every '[' with ']' and every '{' with '}'",
    ),
)


def _yaml_problem(err: yaml.MarkedYAMLError) -> tuple[str, str]:
    said = f"{err.context or ''} {err.problem or ''}"
    for words, message, hint in _YAML_PROBLEMS:
        if words in said:
            return message, hint
    return (
        f"malformed YAML: {err.problem or err.context}",
        "check indentation and that every 'key: value' pair sits on its own line",
    )


_OUTLINE_HINT = (
    "a landing zone is a mapping with name, owner, tags, residency, targets (see examples/ or `ailz schema`)"
)


def locate(path: Path, positions: Positions) -> tuple[Path, int | None, int | None]:
    """Longest prefix of `path` present in the document, and its line/column."""
    clean: list[str | int] = []
    best: tuple[Path, int | None, int | None] = ((), *positions.get((), (None, None)))
    for part in path:
        candidate = (*clean, part)
        if candidate in positions:
            clean.append(part)
            best = (tuple(clean), *positions[candidate])
        # parts that are not in the document (union tags like 'aws') are skipped
    return best


def _model_at(zone_model: type[BaseModel], data: Any, loc: tuple) -> type[BaseModel] | None:
    """Follow a pydantic error location through the models to the model that holds its last key."""
    annotation: Any = zone_model
    value: Any = data
    for part in loc[:-1]:
        annotation = _resolve(annotation, value)
        if isinstance(part, int):
            annotation = get_args(annotation)[0] if get_origin(annotation) in (list, tuple) else None
            value = value[part] if isinstance(value, list) and part < len(value) else None
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = annotation.model_fields.get(part)
            if field is None:  # a union tag such as 'aws': the value already chose the member
                continue
            annotation = field.annotation
            value = value.get(part) if isinstance(value, dict) else None
        elif get_origin(annotation) is dict:
            annotation = get_args(annotation)[1]
            value = value.get(part) if isinstance(value, dict) else None
    model = _resolve(annotation, value)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _resolve(annotation: Any, value: Any) -> Any:
    """Strip Annotated/Optional and pick the union member whose `kind` matches the value."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            options = [a for a in get_args(annotation) if a is not type(None)]
            kind = value.get("kind") if isinstance(value, dict) else None
            chosen = options[0]
            for option in options:
                fields = getattr(option, "model_fields", {})
                if "kind" in fields and kind in get_args(fields["kind"].annotation):
                    chosen = option
            annotation = chosen
        else:
            return annotation


def _issue_from_pydantic(err: dict, data: Any, positions: Positions, kinds: KindSet) -> SpecIssue:
    loc = tuple(err["loc"])
    kind = err["type"]
    path, line, column = locate(loc, positions)
    hint = None
    message = err["msg"]
    if kind == "extra_forbidden":
        key = loc[-1]
        path = (*path, key) if path[-1:] != (key,) else path
        message = f"unknown key '{key}'"
        model = _model_at(kinds.zone_model, data, loc)
        if model is not None:
            allowed = [f.alias or n for n, f in model.model_fields.items()]
            close = _close(str(key), allowed)
            hint = (f"did you mean '{close}'? " if close else "") + "allowed keys here: " + ", ".join(allowed)
    elif kind == "missing":
        message = f"required key '{loc[-1]}' is missing"
        hint = f"add '{loc[-1]}:' here"
    elif kind == "union_tag_invalid":
        message = "unknown target kind"
        hint = f"kind must be one of: {', '.join(kinds.names)}"
    elif kind == "union_tag_not_found":
        message = "this target has no 'kind'"
        *others, last = [f"'kind: {name}'" for name in kinds.names]
        hint = f"add {', '.join(others)} or {last}" if others else f"add {last}"
    elif kind == "literal_error":
        expected = err.get("ctx", {}).get("expected")
        message = f"{err.get('input')!r} is not allowed here"
        hint = f"use one of: {expected}" if expected else None
    elif kind == "string_pattern_mismatch":
        message = f"{err.get('input')!r} does not have the expected form"
        field_hint = _field_description(kinds.zone_model, data, loc)
        hint = field_hint or f"it must match {err.get('ctx', {}).get('pattern')}"
    elif kind == "string_type" and isinstance(err.get("input"), int | float):
        message = f"{err.get('input')!r} is a number here, but a string is expected"
        hint = 'quote it, e.g. "1.30": YAML reads unquoted 1.30 as the number 1.3'
    elif kind in _VALUE_PROBLEMS:
        value = err.get("input")
        shown = repr(value) if isinstance(value, str | int | float | bool) or value is None else "this value"
        template, hint = _VALUE_PROBLEMS[kind]
        message = template.format(value=shown, **err.get("ctx", {}))
        hint = hint.format(**err.get("ctx", {}))
    elif message.startswith("Value error, "):
        message = message.removeprefix("Value error, ")
    if hint is None:  # never a bare library sentence: say what the field takes
        described = _field_description(kinds.zone_model, data, loc)
        hint = f"expected here: {described}" if described else "see `ailz schema` for what this field takes"
    return SpecIssue(path, message, hint, line, column)


# pydantic error types in the user's terms: (what is wrong, the fix)
_VALUE_PROBLEMS = {
    "int_parsing": ("{value} is not a whole number", "write a whole number, e.g. 4"),
    "int_type": ("{value} is not a whole number", "write a whole number, e.g. 4"),
    "int_from_float": ("{value} is not a whole number", "write a whole number, e.g. 4"),
    "float_parsing": ("{value} is not a number", "write a number, e.g. 0.9"),
    "float_type": ("{value} is not a number", "write a number, e.g. 0.9"),
    "bool_parsing": ("{value} is not true or false", "write true or false"),
    "bool_type": ("{value} is not true or false", "write true or false"),
    "greater_than_equal": ("{value} is too small", "use {ge} or more"),
    "greater_than": ("{value} is too small", "use more than {gt}"),
    "less_than_equal": ("{value} is too large", "use {le} or less"),
    "less_than": ("{value} is too large", "use less than {lt}"),
    "too_short": ("needs at least {min_length} item(s)", "add items (YAML: '- item' lines or [a, b])"),
    "too_long": ("has more than {max_length} item(s)", "keep at most {max_length}"),
    "string_too_short": ("{value} is too short", "use at least {min_length} character(s)"),
    "string_too_long": ("{value} is too long", "use at most {max_length} characters"),
    "string_type": ("expected text here", "write a string (quote it if it looks like a number)"),
    "list_type": ("expected a list here", "write '- item' lines below the key, or [a, b]"),
    "dict_type": ("expected a mapping here", "write 'key: value' lines indented below the key"),
    "model_type": ("expected a mapping here", "write 'key: value' lines indented below the key"),
    "model_attributes_type": ("expected a mapping here", "write 'key: value' lines indented below the key"),
}


def _field_description(zone_model: type[BaseModel], data: Any, loc: tuple) -> str | None:
    model = _model_at(zone_model, data, loc)
    if model is None or not isinstance(loc[-1], str):
        return None
    field = model.model_fields.get(loc[-1])
    return field.description if field else None


def _close(word: str, options: list[str]) -> str | None:
    import difflib

    matches = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return matches[0] if matches else None


def load_text(text: str, file: str, kinds: KindSet, check: bool = True) -> LoadedSpec:
    """Parse, validate against the kinds' models and (with `check`) cross-check a spec's text."""
    data, positions = parse_yaml(text, file)
    lines = text.splitlines()
    if not isinstance(data, dict):
        issue = SpecIssue((), "the top level must be a mapping", _OUTLINE_HINT, 1, 1)
        raise SpecError(file, [issue], lines)
    try:
        zone = kinds.zone_model.model_validate(data)
    except ValidationError as err:
        issues = [_issue_from_pydantic(e, data, positions, kinds) for e in err.errors()]
        raise SpecError(file, _dedupe(issues), lines) from None
    loaded = LoadedSpec(zone=zone, file=file, positions=positions, lines=lines)
    if zone.catalog is not None:
        base = FsPath(file).parent if file != "<stdin>" else FsPath.cwd()
        overlay = zone.catalog if FsPath(zone.catalog).is_absolute() else str(base / zone.catalog)
        try:
            load_overlay(overlay)
        except SpecError as error:
            if error.issues and error.issues[0].message == "file not found":
                line, column = positions.get(("catalog",), (None, None))
                hint = f"the path is relative to {file}; check it"
                issue = SpecIssue(
                    ("catalog",), f"catalog overlay '{zone.catalog}' not found", hint, line, column
                )
                raise SpecError(file, [issue], lines) from None
            raise
    if check:
        problems = check_zone(zone, kinds)
        if problems:
            located = []
            for problem in problems:
                path, line, column = locate(problem.path, positions)
                located.append(SpecIssue(problem.path, problem.message, problem.hint, line, column))
            raise SpecError(file, located, lines)
    return loaded


_LOADED_OVERLAYS: set[str] = set()


def load_overlay(file: str | FsPath) -> None:
    """Read a catalog overlay (the spec's limits apply) and add it to the catalog, once per file;
    a mistake in it is a SpecError at its own file and line."""
    from ailz.catalog.load import OverlayError, use_overlay

    path = FsPath(file)
    key = str(path.resolve())
    if key in _LOADED_OVERLAYS:
        return
    name = _display_name(path)
    text = _read_text(path, name)
    data, positions = parse_yaml(text, name)
    try:
        use_overlay(data)
    except OverlayError as error:
        located, line, column = locate(error.path, positions)
        issue = SpecIssue(error.path, error.message, error.hint, line, column)
        raise SpecError(name, [issue], text.splitlines()) from None
    _LOADED_OVERLAYS.add(key)


def _dedupe(issues: list[SpecIssue]) -> list[SpecIssue]:
    seen: set[tuple] = set()
    out = []
    for issue in issues:
        key = (issue.path, issue.message)
        if key not in seen:
            seen.add(key)
            out.append(issue)
    return out


def load_spec(file: str | FsPath, kinds: KindSet, check: bool = True) -> LoadedSpec:
    """Read, validate and cross-check a spec file; raises SpecError for anything the user wrote."""
    path = FsPath(file)
    name = _display_name(path)
    return load_text(_read_text(path, name), name, kinds, check=check)


def _read_text(path: FsPath, name: str) -> str:
    """A file's UTF-8 text, or a SpecError that says what is wrong with the file and the fix."""
    if not path.exists():
        raise SpecError(name, [SpecIssue((), "file not found", "check the path")])
    if path.is_dir():
        raise SpecError(name, [SpecIssue((), "is a directory", "pass a .yaml file")])
    if path.stat().st_size > MAX_SPEC_BYTES:
        _too_large(name, path.stat().st_size)
    try:
        with path.open("rb") as handle:  # bounded: a device or FIFO reports no size
            data = handle.read(MAX_SPEC_BYTES + 1)
        if len(data) > MAX_SPEC_BYTES:
            _too_large(name, len(data))
    except PermissionError:
        hint = "check the file's read permission (ls -l), or run as a user who may read it"
        raise SpecError(name, [SpecIssue((), "permission denied", hint)]) from None
    except OSError as err:
        raise SpecError(
            name, [SpecIssue((), f"cannot read the file: {err.strerror}", "check the path")]
        ) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        message = f"the file is not UTF-8 text (byte 0x{data[err.start]:02x} on line {line})"
        hint = "save it as UTF-8 (e.g. iconv -f latin1 -t utf-8); a spec is plain text"
        raise SpecError(name, [SpecIssue((), message, hint, line, None)]) from None


def _too_large(name: str, size: int) -> NoReturn:
    message = f"the file is {size / (1 << 20):.1f} MB, larger than a landing-zone spec can be (1 MB)"
    hint = "a spec is a few KB: remove generated or repeated content (tags, pools)"
    raise SpecError(name, [SpecIssue((), message, hint)])


def _display_name(path: FsPath) -> str:
    """Relative to the working directory when the file is below it, so reports (SARIF, GitHub
    annotations) carry repository-relative paths."""
    try:
        return str(path.resolve().relative_to(FsPath.cwd().resolve())) if path.is_absolute() else str(path)
    except ValueError:
        return str(path)


class LoadedSpec:
    """A validated zone plus where each of its paths came from."""

    def __init__(self, zone: LandingZone, file: str, positions: Positions, lines: list[str]):
        self.zone = zone
        self.file = file
        self.positions = positions
        self.lines = lines

    def line_of(self, path: Path) -> int | None:
        return locate(path, self.positions)[1]
