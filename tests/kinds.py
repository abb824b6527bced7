"""Test helper: let a registered kind build its targets with another landing-zone component."""

from __future__ import annotations

from dataclasses import replace

import pytest


def swap_landing_zone(
    mp: pytest.MonkeyPatch, kind: str, component: str, cluster_layer: str | None = None
) -> None:
    """Until `mp` undoes it, targets of `kind` are built by `component` ("module:Class"), and their
    platform stage by `cluster_layer` (default: the kind's own)."""
    from ailz.components.kinds import KINDS

    changes = {"landing_zone": component}
    if cluster_layer is not None:
        changes["cluster_layer"] = cluster_layer
    mp.setitem(KINDS._kinds, kind, replace(KINDS[kind], **changes))


class NoClusterLayer:
    """A platform stage that declares nothing: for tests about the infrastructure program alone."""

    def __init__(self, ctx, infra, opts=None) -> None:
        self.cluster = None
        self.outputs: dict = {}


NO_LAYER = "tests.kinds:NoClusterLayer"
