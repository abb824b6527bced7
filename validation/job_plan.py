"""Plans one NCCL run from the spec and the catalog: target, pool, machine, fabric profile, pod layout.

Pure: rendering the job (render.py) and running it (runner.py) start from the JobPlan made here.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from ailz.catalog import FabricProfile, Machine, load_catalog
from ailz.components.common import names as naming
from ailz.components.common.images import mirrored_image, pinned
from ailz.components.common.nccl import nccl_profile_name, nccl_test_image

MANAGED_BY = {"app.kubernetes.io/managed-by": "ailz", "app.kubernetes.io/component": "nccl-validation"}
RUN_LABEL = "ailz.io/validation-run"
# What ailz puts on a node it found bad (label value: bad, flaky or suspect); only nodes passing a
# re-test lose them (`ailz validate nccl clear`). The admission policy lets the validator touch
# only these (naming.VALIDATOR_NODE_KEYS).
BAD_NODE_LABEL = naming.VALIDATOR_NODE_KEYS
BAD_NODE_TAINT = f"{naming.VALIDATOR_NODE_KEYS}-bad"


class RenderError(ValueError):
    """The spec asks for something ailz cannot render a job for (user input, exit 2)."""


@cache
def fabric_pods() -> dict[str, dict[str, Any]]:
    """NCCL test pod layout per fabric profile (catalog/fabrics.yaml `nccl_pods`), as plain data;
    `image` None means the profile's image."""
    return {name: pod.model_dump() for name, pod in load_catalog().nccl_pods.items()}


@dataclass
class JobPlan:
    """Everything about one NCCL run that does not depend on the job kind."""

    name: str
    zone: str
    target: Any
    pool: Any
    machine: Machine
    profile: FabricProfile
    pod: dict[str, Any]
    nodes: int
    collective: str
    settings: Any  # stacks.spec.NcclValidation
    job_kind: str
    pin_nodes: list[str] = field(default_factory=list)
    image: str = ""
    tolerate_bad_nodes: bool = False  # re-tests of nodes ailz tainted

    @property
    def ranks(self) -> int:
        return self.nodes * self.machine.gpus

    @property
    def labels(self) -> dict[str, str]:
        return {**MANAGED_BY, RUN_LABEL: self.name, naming.POOL_LABEL: self.pool.name}

    @property
    def expect_gdr(self) -> bool:
        return bool(self.pod["expect_gdr"]) and self.nodes > 1


def _digest(*parts: Any) -> str:
    text = json.dumps(
        [p.model_dump(mode="json") if hasattr(p, "model_dump") else p for p in parts], sort_keys=True
    )
    return hashlib.sha256(text.encode()).hexdigest()[:6]


def plan_job(
    spec: Any,
    target_name: str,
    pool_name: str,
    nodes: int | None = None,
    collective: str | None = None,
    name: str | None = None,
    pin_nodes: list[str] | None = None,
    image: str | None = None,
    tolerate_bad_nodes: bool = False,
    within_pool: bool = True,
) -> JobPlan:
    """Resolve target, pool, machine and fabric; raise RenderError naming what to fix."""
    try:
        target = spec.target(target_name)
    except KeyError:
        names = ", ".join(t.name for t in spec.targets)
        raise RenderError(f"no target {target_name!r} in the spec (targets: {names})") from None
    pool = next((p for p in target.gpu_pools if p.name == pool_name), None)
    if pool is None:
        names = ", ".join(p.name for p in target.gpu_pools) or "none"
        raise RenderError(f"target {target_name!r} has no GPU pool {pool_name!r} (pools: {names})")
    catalog = load_catalog()
    machine = catalog.machine(pool.machine)
    profile_name = nccl_profile_name(machine, target)
    profile = catalog.fabric_profiles[profile_name]
    pod = fabric_pods().get(profile_name)
    if pod is None:
        raise RenderError(f"no NCCL test pod layout for fabric profile {profile_name!r}")
    settings = spec.validation.nccl
    # two nodes by default, the pool's maximum (an autoscaled pool grows for the job) permitting:
    # one node measures NVLink only, never the fabric
    count = nodes if nodes is not None else min(pool.scaling[2], 2)
    if count < 1:
        raise RenderError("--nodes must be at least 1")
    if within_pool and count > pool.scaling[2]:  # a user's --nodes; a cluster may have grown past the spec
        raise RenderError(
            f"--nodes {count}: pool {pool.name!r} has at most {pool.scaling[2]} nodes (max_nodes, else nodes)"
        )
    if pin_nodes and len(pin_nodes) != count:
        raise RenderError(f"{len(pin_nodes)} pinned nodes for a {count}-node job")
    collective = collective or settings.collective
    # the same inputs always give the same name, so rendered manifests can be committed (GitOps)
    digest = _digest(spec.name, target.name, pool.name, count, collective, image, settings)
    run_name = name or f"nccl-{pool.name}-{digest}"
    if len(run_name) > 40:
        raise RenderError(f"job name {run_name!r} is longer than 40 characters (pod hostnames must fit 63)")
    mirror = target.registries.mirror if target.registries is not None else None
    # the image a user names runs as named; ailz's own are pinned where the spec gives a digest
    chosen_image = image or nccl_test_image(profile_name, target)
    sidecar = pod.get("sidecar")
    if sidecar and sidecar.get("image"):  # the GPUDirect receive daemon, from the mirror too
        sidecar_image = mirrored_image(pinned(sidecar["image"], target.image_digests), mirror)
        pod = {**pod, "sidecar": {**sidecar, "image": sidecar_image}}
    return JobPlan(
        name=run_name,
        zone=spec.name,
        target=target,
        pool=pool,
        machine=machine,
        profile=profile,
        pod=pod,
        nodes=count,
        collective=collective,
        settings=settings,
        job_kind=settings.job,
        pin_nodes=list(pin_nodes or []),
        image=chosen_image,
        tolerate_bad_nodes=tolerate_bad_nodes,
    )
