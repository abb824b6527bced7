"""On-prem storage tiers: local NVMe (hot), the parallel filesystem (warm), object store (cold)."""

from __future__ import annotations

from typing import Any

import pulumi

from ailz.components.common.base import AilzComponent
from ailz.components.common.context import ClusterHandle
from ailz.components.onprem.storage_manifests import hot_class, local_provisioner_values, warm_class
from ailz.components.platform.charts import chart_source
from ailz.components.platform.objects import declare, helm_release, namespace
from ailz.components.platform.team_manifests import psa_labels


class StorageTiers(AilzComponent):
    def __init__(
        self,
        name: str,
        spec_path: str,
        *,
        storage: Any,
        cluster: ClusterHandle,
        labels: dict[str, str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("k8s", "StorageTiers", name, spec_path, opts)
        provider, after = cluster.kubernetes_provider, cluster.depends_on
        self.classes: list[str] = []
        if storage.hot is not None:
            source = chart_source("local-static-provisioner", cluster.chart_mirror)
            # the provisioner discovers mounts on the host
            ns = declare(
                namespace(source.namespace, {**labels, **psa_labels("privileged")}), self, provider, after
            )
            hot = declare(hot_class(labels), self, provider, after)
            helm_release(
                "local-static-provisioner",
                source,
                local_provisioner_values(cluster.registry_mirror),
                self,
                provider,
                [ns, hot],
            )
            self.classes.append(hot_class(labels)["metadata"]["name"])
        if storage.warm is not None and storage.warm.csi_driver:
            warm = warm_class(storage.warm.csi_driver, storage.warm.parameters, labels)
            declare(warm, self, provider, after)
            self.classes.append(warm["metadata"]["name"])
        self.register_outputs({"storageClasses": self.classes})
