"""The built wheel holds every package directory and every data file the project ships.

An editable install imports any new sub-package from the source tree, so only a real wheel shows
one missing from pyproject's package list.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = (".yaml", ".j2")
NOT_SHIPPED = {"tests", "benchmarks"}


def _package_dirs() -> dict[str, Path]:
    """ailz.* package name -> its source directory, for every package directory in the tree."""
    roots = [p for p in ROOT.iterdir() if (p / "__init__.py").exists() and p.name not in NOT_SHIPPED]
    found = {}
    for root in roots:
        for init in root.rglob("__init__.py"):
            found[".".join(["ailz", *init.parent.relative_to(ROOT).parts])] = init.parent
    return found


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory) -> set[str]:
    out = tmp_path_factory.mktemp("wheel")
    # a copy, so the build never leaves a build/ folder (with stale modules) in the work tree
    source = out / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".git", "build", "*.egg-info", "__pycache__"))
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "--no-build-isolation", "-q",
         "-w", str(out)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    (wheel,) = out.glob("ailz-*.whl")
    return set(zipfile.ZipFile(wheel).namelist())


def test_every_package_directory_reaches_the_wheel(wheel_names):
    missing = [
        name
        for name in sorted(_package_dirs())
        if "/".join(name.split(".")) + "/__init__.py" not in wheel_names
    ]
    assert missing == [], f"setup.py leaves out {missing}: add the root folder to ROOTS"


def test_every_data_file_reaches_the_wheel(wheel_names):
    data = []
    for package, folder in _package_dirs().items():
        prefix = "/".join(package.split("."))
        data += [f"{prefix}/{f.relative_to(folder)}" for f in folder.rglob("*") if f.suffix in DATA]
    assert data, "the catalog and the job templates are data files"
    assert sorted(set(data) - wheel_names) == []
