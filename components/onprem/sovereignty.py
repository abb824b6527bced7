"""Sovereignty controls: allowed registries, no load balancers, and the API server files
(KMS v2 encryption, audit policy) rendered for the cluster admin, who alone can apply them."""

from __future__ import annotations

from typing import Any

import pulumi

from ailz.components.common.base import AilzComponent
from ailz.components.common.context import ClusterHandle
from ailz.components.onprem.sovereignty_manifests import (
    SYSTEM_NAMESPACE,
    apiserver_config_map,
    audit_policy,
    encryption_configuration,
    load_balancer_policy,
    registry_policy,
    render,
)
from ailz.components.platform.objects import declare, namespace


class SovereigntyControls(AilzComponent):
    def __init__(
        self,
        name: str,
        spec_path: str,
        *,
        target: Any,
        cluster: ClusterHandle,
        labels: dict[str, str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("k8s", "SovereigntyControls", name, spec_path, opts)
        provider, after = cluster.kubernetes_provider, cluster.depends_on
        sovereignty = target.sovereignty
        policies: list[dict[str, Any]] = []
        if target.registries is not None and target.registries.allowed:
            policies += registry_policy(
                target.registries.allowed, labels, tuple(target.registries.exempt_namespaces)
            )
        if not sovereignty.allow_load_balancers:
            policies += load_balancer_policy(labels)
        for i in range(0, len(policies), 2):
            policy = declare(policies[i], self, provider, after)
            declare(policies[i + 1], self, provider, [policy])
        kms = sovereignty.kms
        self.encryption_configuration = render(
            encryption_configuration(kms.name, kms.endpoint, kms.timeout_seconds)
        )
        self.audit_policy = render(audit_policy())
        ns = declare(namespace(SYSTEM_NAMESPACE, labels), self, provider, after)
        declare(
            apiserver_config_map(self.encryption_configuration, self.audit_policy, labels),
            self,
            provider,
            [ns],
        )
        self.register_outputs(
            {"encryptionConfiguration": self.encryption_configuration, "auditPolicy": self.audit_policy}
        )
