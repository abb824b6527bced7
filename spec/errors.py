"""Spec errors that point at a file, a YAML path and a line, with what would be right."""

from __future__ import annotations

from dataclasses import dataclass, field

Path = tuple[str | int, ...]


def format_path(path: Path) -> str:
    """('targets', 0, 'region') -> 'targets[0].region'."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(document)"


@dataclass(frozen=True)
class SpecIssue:
    path: Path
    message: str
    hint: str | None = None
    line: int | None = None
    column: int | None = None


@dataclass
class SpecError(Exception):
    """One or more problems in a spec file; rendered for humans by `render`."""

    file: str
    issues: list[SpecIssue]
    source_lines: list[str] = field(default_factory=list, repr=False)

    def __str__(self) -> str:
        return self.render()

    def render(self, limit: int = 12) -> str:
        lines: list[str] = []
        for issue in self.issues[:limit]:
            where = self.file
            if issue.line is not None:
                where += f":{issue.line}:{issue.column or 1}"
            lines.append(f"{where}: {format_path(issue.path)}: {issue.message}")
            if issue.line is not None and 0 < issue.line <= len(self.source_lines):
                text = self.source_lines[issue.line - 1].rstrip()
                lines.append(f"    {issue.line:>4} | {text}")
                lines.append("         | " + " " * max((issue.column or 1) - 1, 0) + "^")
            if issue.hint:
                lines.append(f"    fix: {issue.hint}")
        if len(self.issues) > limit:
            lines.append(f"... and {len(self.issues) - limit} more problems")
        return "\n".join(lines)
