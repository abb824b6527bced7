"""Registers the onprem target kind."""

from __future__ import annotations

from ailz.catalog import Machine
from ailz.components.common.kind import PoolFacts, TargetKind
from ailz.components.onprem.checks import check_onprem_target
from ailz.components.onprem.spec import OnpremTarget
from ailz.spec.common import GpuPool


def stack_config(target: OnpremTarget) -> dict[str, str]:
    return {}  # the Kubernetes provider is built from the spec's kubeconfig and context


def describe_pool(target: OnpremTarget, pool: GpuPool, machine: Machine) -> PoolFacts:
    # the site's fabric decides between InfiniBand and RoCE
    fabric = target.fabric.kind if target.fabric is not None else machine.fabric
    return PoolFacts(fabric=fabric, capacity="owned servers", placement="node labels on the existing cluster")


ONPREM = TargetKind(
    model=OnpremTarget,
    check=check_onprem_target,
    cluster_layer="ailz.components.onprem.cluster_layer:OnpremClusterLayer",
    landing_zone="ailz.components.onprem.landing_zone:OnpremLandingZone",
    stack_config=stack_config,
    describe_pool=describe_pool,
)
