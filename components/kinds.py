"""The registry of target kinds. Adding a kind is one package under components/ and one line here."""

from __future__ import annotations

from pathlib import Path

from ailz.components.aws.kind import AWS
from ailz.components.common.kind import TargetKind
from ailz.components.gcp.kind import GCP
from ailz.components.onprem.kind import ONPREM
from ailz.spec import loader
from ailz.spec.kinds import KindSet

KINDS: KindSet[TargetKind] = KindSet([AWS, GCP, ONPREM])


def load_spec(file: str | Path, check: bool = True) -> loader.LoadedSpec:
    """Read, validate and cross-check a spec file with every registered kind."""
    return loader.load_spec(file, KINDS, check=check)


def load_text(text: str, file: str = "<spec>", check: bool = True) -> loader.LoadedSpec:
    """Validate and cross-check a spec's text with every registered kind."""
    return loader.load_text(text, file, KINDS, check=check)
