"""Recurring node health checks of one GPU pool (validation.health): manifests in health_manifests.py."""

from __future__ import annotations

from typing import Any

import pulumi

from ailz.catalog import Machine
from ailz.components.common.base import AilzComponent
from ailz.components.common.context import ClusterHandle
from ailz.components.platform.health_manifests import health_cronjob, health_rbac
from ailz.components.platform.objects import declare


class PoolHealthCheck(AilzComponent):
    def __init__(
        self,
        name: str,
        spec_path: str,
        *,
        cluster: ClusterHandle,
        pool: Any,
        machine: Machine,
        target: Any,
        settings: Any,
        min_fraction: float,
        labels: dict[str, str],
        depends_on: list[Any],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("k8s", "PoolHealthCheck", name, spec_path, opts)
        provider = cluster.kubernetes_provider
        access = [declare(obj, self, provider, depends_on) for obj in health_rbac(pool.name, labels)]
        config_map, cronjob = health_cronjob(pool, machine, target, settings, min_fraction, labels)
        script = declare(config_map, self, provider, depends_on)
        self.cronjob = declare(cronjob, self, provider, [*depends_on, script, *access])
        self.register_outputs({})
