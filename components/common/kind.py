"""A target kind: everything the layers above need to know of it, registered in one place.

Each kind package has a `kind.py` that builds one TargetKind; ailz.components.kinds lists them.
Nothing here imports a provider SDK: the landing-zone component is named, and imported only by the
program that synthesizes it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ailz.catalog import Machine
from ailz.components.common.fakes import NO_FAKES, CloudFakes
from ailz.spec.common import GpuPool
from ailz.spec.kinds import SpecKind


@dataclass(frozen=True)
class PoolFacts:
    """How a kind describes a GPU pool to people: fabric, capacity and placement, in words."""

    fabric: str
    capacity: str
    placement: str


def reserved_capacity(pool: GpuPool) -> str:
    """'reservation cr-0123…', 'on-demand': the capacity kind and the reservation it draws on."""
    cap = pool.capacity
    return cap.kind + (f" {cap.reservation_id}" if cap.reservation_id else "")


@dataclass(frozen=True)
class TargetKind(SpecKind):
    """A SpecKind plus what the program, the deploy flow and the plan view need of the kind."""

    # "module:Class" of the component that builds a target's cloud infrastructure, and of the one
    # that applies its in-cluster layer through the cluster's API from the infrastructure stack's
    # outputs (each pulls in a provider SDK, so it is imported only when a program runs)
    landing_zone: str
    cluster_layer: str
    # Pulumi stack configuration that points default providers at the target's location
    stack_config: Callable[[Any], dict[str, str]]
    # how a GPU pool of this kind is described in `ailz plan`
    describe_pool: Callable[[Any, GpuPool, Machine], PoolFacts]
    # what its cloud computes, so `ailz plan` runs the program offline (none: nothing but Kubernetes)
    fakes: CloudFakes = NO_FAKES
    # what to configure when the platform stage cannot reach the cluster's API
    api_access_hint: str = "run the platform stage where the cluster's API is reachable"
