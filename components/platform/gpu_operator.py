"""The NVIDIA GPU Operator: driver, container toolkit, device plugin, DCGM exporter, NFD."""

from __future__ import annotations

import pulumi

from ailz.components.common.base import AilzComponent
from ailz.components.common.context import ClusterHandle
from ailz.components.common.os_packages import os_package_config_maps
from ailz.components.platform.charts import chart_source
from ailz.components.platform.gpu_operator_values import GpuStackOptions, gpu_operator_values
from ailz.components.platform.objects import declare, helm_release, namespace
from ailz.components.platform.team_manifests import psa_labels


class GpuOperator(AilzComponent):
    def __init__(
        self,
        name: str,
        spec_path: str,
        *,
        cluster: ClusterHandle,
        options: GpuStackOptions,
        labels: dict[str, str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("k8s", "GpuOperator", name, spec_path, opts)
        source = chart_source("gpu-operator", cluster.chart_mirror)
        self.values = gpu_operator_values(options, labels)
        # the operator's DaemonSets load kernel modules and mount host paths: privileged by design
        ns = declare(
            namespace(source.namespace, {**labels, **psa_labels("privileged")}),
            self,
            cluster.kubernetes_provider,
            cluster.depends_on,
        )
        packages = [
            declare(config, self, cluster.kubernetes_provider, [ns])
            for config in (
                os_package_config_maps(cluster.os_packages, source.namespace, labels)
                if cluster.os_packages and not options.driver_preinstalled
                else []
            )
        ]
        self.release = helm_release(
            "gpu-operator",
            source,
            self.values,
            self,
            cluster.kubernetes_provider,
            [ns, *packages, *cluster.depends_on],
        )
        self.register_outputs({"chartVersion": source.version})
