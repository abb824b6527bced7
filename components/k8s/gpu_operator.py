"""The NVIDIA GPU Operator: driver, container toolkit, device plugin, DCGM exporter, NFD."""

from __future__ import annotations

import pulumi

from ailz.components.base import AilzComponent
from ailz.components.context import ClusterHandle
from ailz.components.k8s.charts import chart_source
from ailz.components.k8s.gpu_operator_values import GpuStackOptions, gpu_operator_values
from ailz.components.k8s.objects import declare, helm_release, namespace
from ailz.components.k8s.team_manifests import psa_labels


class GpuOperator(AilzComponent):
    def __init__(
        self,
        name: str,
        spec_path: str,
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
        self.release = helm_release(
            "gpu-operator", source, self.values, self, cluster.kubernetes_provider, [ns, *cluster.depends_on]
        )
        self.register_outputs({"chartVersion": source.version})
