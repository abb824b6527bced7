"""Packaging: the root folders become the `ailz.*` namespace, with every sub-package found on its own,
so a new package (a target kind, say) needs no list entry. Everything else is in pyproject.toml."""

from setuptools import find_packages, setup

ROOTS = ("catalog", "spec", "components", "stacks", "policies", "deploy", "validation", "cli")
PACKAGES = [f"{root}.{sub}" for root in ROOTS for sub in find_packages(root)]

setup(
    packages=[f"ailz.{name}" for name in (*ROOTS, *PACKAGES)],
    package_dir={f"ailz.{root}": root for root in ROOTS},
)
