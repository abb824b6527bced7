"""Test helper: let a registered kind build its targets with another landing-zone component."""

from __future__ import annotations

from dataclasses import replace

import pytest


def swap_landing_zone(mp: pytest.MonkeyPatch, kind: str, component: str) -> None:
    """Until `mp` undoes it, targets of `kind` are built by `component` ("module:Class")."""
    from ailz.components.kinds import KINDS

    mp.setitem(KINDS._kinds, kind, replace(KINDS[kind], landing_zone=component))
