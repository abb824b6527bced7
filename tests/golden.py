"""Golden files: rendered artifacts compared byte for byte; AILZ_UPDATE_GOLDEN=1 rewrites them."""

from __future__ import annotations

import difflib
import os
from pathlib import Path
from typing import Any

import yaml


def assert_golden(directory: Path, name: str, data: Any) -> None:
    """Compare `data` (text, or YAML-dumped with sorted keys) with <directory>/<name>.yaml."""
    path = directory / f"{name}.yaml"
    text = data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=True)
    if os.environ.get("AILZ_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    assert path.exists(), f"missing golden file {path.name}; run with AILZ_UPDATE_GOLDEN=1"
    assert text == path.read_text(), f"{path.name} differs from the golden file"


def updating_golden() -> bool:
    """True when the run rewrites golden files (AILZ_UPDATE_GOLDEN=1)."""
    return os.environ.get("AILZ_UPDATE_GOLDEN") == "1"


def assert_golden_diff(directory: Path, name: str, data: Any) -> None:
    """assert_golden, with a unified diff from the golden file to `data` when they differ."""
    path = directory / f"{name}.yaml"
    text = data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=True)
    if not updating_golden() and path.exists() and text != path.read_text():
        diff = difflib.unified_diff(
            path.read_text().splitlines(keepends=True),
            text.splitlines(keepends=True),
            f"golden/{path.name}",
            "planned",
        )
        raise AssertionError(
            f"{path.name} differs from the golden file (AILZ_UPDATE_GOLDEN=1 rewrites it):\n" + "".join(diff)
        )
    assert_golden(directory, name, data)
