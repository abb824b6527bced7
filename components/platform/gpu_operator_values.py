"""Helm values of the NVIDIA GPU Operator, derived from what the nodes already have; pure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ailz.components.platform.charts import image_repository

MIG_STRATEGIES = ("none", "single", "mixed")

# values path -> catalog/platform.yaml image key of its upstream repository (gpu-operator chart
# v25.10.1 values.yaml): every image a pod of the operator pulls, so a mirror serves them all
_IMAGE_KEYS = {
    "operator": "nvidia",
    "operator.initContainer": "nvidia",
    "validator": "nvidia",
    "driver": "nvidia",
    "driver.manager": "nvidia-cloud-native",
    "toolkit": "nvidia-k8s",
    "devicePlugin": "nvidia",
    "dcgm": "nvidia-cloud-native",
    "dcgmExporter": "nvidia-k8s",
    "gfd": "nvidia",
    "migManager": "nvidia-cloud-native",
    "nodeStatusExporter": "nvidia",
    "gds": "nvidia-cloud-native",
    "gdrcopy": "nvidia-cloud-native",
    "vgpuManager.driverManager": "nvidia-cloud-native",
    "vfioManager.driverManager": "nvidia-cloud-native",
}


@dataclass(frozen=True)
class GpuStackOptions:
    driver_preinstalled: bool
    toolkit_preinstalled: bool = False
    rdma: bool = False  # GPUDirect RDMA over an InfiniBand/RoCE fabric
    host_mofed: bool = True  # the hosts run DOCA/MOFED themselves (not the Network Operator)
    dma_buf: bool = False  # GPUDirect RDMA through DMA-BUF instead of the nvidia-peermem module
    gds: bool = False  # GPUDirect Storage to a parallel filesystem
    gdrcopy: bool = False
    mig_strategy: str = "single"
    registry_mirror: str | None = None
    nfd: bool = True  # deploy Node Feature Discovery (False: the cluster runs one already)
    # ConfigMaps (in the operator's namespace) with the site's OS package repository and its CA,
    # from which the driver container installs kernel headers without egress
    repo_config: str | None = None
    cert_config: str | None = None


def gpu_operator_values(opts: GpuStackOptions, pod_labels: dict[str, str]) -> dict[str, Any]:
    """Values for the gpu-operator chart; the driver parts only when the operator owns the driver."""
    if opts.mig_strategy not in MIG_STRATEGIES:
        raise ValueError(f"mig strategy {opts.mig_strategy!r} is not one of {MIG_STRATEGIES}")
    driver: dict[str, Any] = {"enabled": not opts.driver_preinstalled}
    if not opts.driver_preinstalled:
        # driver.rdma.enabled builds and loads the legacy nvidia-peermem module; DMA-BUF leaves it
        # off and needs the open kernel modules (GPU Operator v25.10 GPUDirect RDMA docs)
        peermem = opts.rdma and not opts.dma_buf
        driver["rdma"] = {"enabled": peermem, "useHostMofed": peermem and opts.host_mofed}
        if opts.dma_buf:
            driver["kernelModuleType"] = "open"
        if opts.repo_config:
            driver["repoConfig"] = {"configMapName": opts.repo_config}
        if opts.cert_config:
            driver["certConfig"] = {"name": opts.cert_config}
    values: dict[str, Any] = {
        "nfd": {"enabled": opts.nfd},
        "operator": {"labels": dict(pod_labels)},
        "daemonsets": {"labels": dict(pod_labels)},
        "driver": driver,
        "toolkit": {"enabled": not opts.toolkit_preinstalled},
        "devicePlugin": {"enabled": True},
        "dcgmExporter": {"enabled": True},
        "mig": {"strategy": opts.mig_strategy},
        "gds": {"enabled": opts.gds and not opts.driver_preinstalled},
        "gdrcopy": {"enabled": opts.gdrcopy and not opts.driver_preinstalled},
    }
    if opts.registry_mirror:
        for path, image_key in _IMAGE_KEYS.items():
            node = values
            for part in path.split("."):
                node = node.setdefault(part, {})
            node["repository"] = image_repository(image_key, opts.registry_mirror)
        if opts.nfd:
            values["node-feature-discovery"] = {
                "image": {"repository": image_repository("nfd", opts.registry_mirror)}
            }
    return values
