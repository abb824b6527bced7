"""Composition: the Pulumi program for one target of a zone, the same for every engine."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from ailz.catalog import Catalog
from ailz.stacks import naming
from ailz.stacks.spec import LandingZone

# Target kind -> the component that builds it. Imported lazily: each pulls in one provider SDK.
TARGET_COMPONENTS = {
    "aws": "ailz.components.aws.landing_zone:AwsLandingZone",
    "gcp": "ailz.components.gcp.landing_zone:GcpLandingZone",
    "onprem": "ailz.components.k8s.onprem:OnpremLandingZone",
}

PROJECT = "ailz"


def stack_name(zone: LandingZone, target_name: str) -> str:
    return naming.stack_name(zone.name, target_name)


def _component_class(kind: str):
    module, _, cls = TARGET_COMPONENTS[kind].partition(":")
    return getattr(importlib.import_module(module), cls)


def target_program(zone: LandingZone, index: int, catalog: Catalog) -> Callable[[], None]:
    """The inline program for zone.targets[index]; exports the target's outputs."""

    def program() -> None:
        import pulumi

        from ailz.components.context import TargetContext

        ctx = TargetContext(zone=zone, index=index, catalog=catalog)
        component = _component_class(ctx.target.kind)(ctx)
        if component.cluster is not None:
            from ailz.components.k8s.platform import ClusterPlatform

            ClusterPlatform(ctx, component.cluster, opts=pulumi.ResourceOptions(parent=component))
        for key, value in component.outputs.items():
            pulumi.export(key, value)

    return program
