"""Golden files: rendered artifacts compared byte for byte; AILZ_UPDATE_GOLDEN=1 rewrites them."""

from __future__ import annotations

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
