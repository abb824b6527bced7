"""The Pulumi programs of one target, composed through the kind registry: the same programs run
under offline synthesis and under the Automation API.

Each target is two stacks. The infrastructure program builds the kind's landing zone (network, keys,
cluster, node pools, storage, identities) and declares no Kubernetes resource. The platform program
builds the kind's cluster layer and the shared in-cluster platform through a Kubernetes provider made
from the infrastructure stack's outputs, which the caller passes in: nothing is computed twice.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from ailz.catalog import Catalog
from ailz.components.common import names
from ailz.components.kinds import KINDS
from ailz.spec.zone import LandingZone

PROJECT = "ailz"
INFRA, PLATFORM, STAGES = names.INFRA, names.PLATFORM, names.STAGES


def stack_name(zone: LandingZone, target_name: str, stage: str = INFRA) -> str:
    return names.stack_name(zone.name, target_name, stage)


def _component_class(kind: str, stage: str = INFRA):
    """The kind's component for the stage, imported only now: it pulls in one provider SDK."""
    entry = KINDS[kind].landing_zone if stage == INFRA else KINDS[kind].cluster_layer
    module, _, cls = entry.partition(":")
    return getattr(importlib.import_module(module), cls)


def target_program(
    zone: LandingZone,
    index: int,
    catalog: Catalog,
    stage: str = INFRA,
    infra_outputs: dict[str, Any] | None = None,
) -> Callable[[], None]:
    """The inline program of zone.targets[index] for one stage; exports the stage's outputs.
    The platform stage needs the infrastructure stack's outputs (plain values)."""
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}: one of {', '.join(STAGES)}")
    if stage == PLATFORM and infra_outputs is None:
        raise ValueError("the platform stage is built from the infrastructure stack's outputs")

    def program() -> None:
        import pulumi

        from ailz.components.common.context import TargetContext

        ctx = TargetContext(zone=zone, index=index, catalog=catalog)
        if stage == INFRA:
            component = _component_class(ctx.target.kind, INFRA)(ctx)
        else:
            from ailz.components.platform.platform import ClusterPlatform

            component = _component_class(ctx.target.kind, PLATFORM)(ctx, dict(infra_outputs or {}))
            if component.cluster is not None:
                ClusterPlatform(ctx, component.cluster, opts=pulumi.ResourceOptions(parent=component))
        for key, value in component.outputs.items():
            pulumi.export(key, value)

    return program
