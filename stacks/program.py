"""The Pulumi program for one target of a zone, composed through the kind registry; the same program
runs under offline synthesis and under the Automation API."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from ailz.catalog import Catalog
from ailz.components.common import names
from ailz.components.kinds import KINDS
from ailz.spec.zone import LandingZone

PROJECT = "ailz"


def stack_name(zone: LandingZone, target_name: str) -> str:
    return names.stack_name(zone.name, target_name)


def _component_class(kind: str):
    """The kind's landing-zone component, imported only now: it pulls in one provider SDK."""
    module, _, cls = KINDS[kind].landing_zone.partition(":")
    return getattr(importlib.import_module(module), cls)


def target_program(zone: LandingZone, index: int, catalog: Catalog) -> Callable[[], None]:
    """The inline program for zone.targets[index]; exports the target's outputs."""

    def program() -> None:
        import pulumi

        from ailz.components.common.context import TargetContext

        ctx = TargetContext(zone=zone, index=index, catalog=catalog)
        component = _component_class(ctx.target.kind)(ctx)
        if component.cluster is not None:
            from ailz.components.platform.platform import ClusterPlatform

            ClusterPlatform(ctx, component.cluster, opts=pulumi.ResourceOptions(parent=component))
        for key, value in component.outputs.items():
            pulumi.export(key, value)

    return program
