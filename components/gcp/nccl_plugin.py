"""The NCCL plugin of a GPUDirect fabric on its GKE nodes: fabric bandwidth needs it on the host.

One installer per fabric profile in the target (gIB for A3 Ultra / A4, GPUDirect-TCPX for A3 High,
GPUDirect-TCPXO for A3 Mega). Each leaves NCCL and the plugin in /home/kubernetes/bin/nvidia/lib64,
which NCCL pods mount at /usr/local/nvidia/lib64 (gIB also in /home/kubernetes/bin/gib, mounted at
/usr/local/gib); the TCPXO installer also prepares /dev/aperture_devices for FasTrak.
"""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from ailz.components.gcp.component import GcpComponent
from ailz.components.gcp.nccl_plugin_plan import installer_daemonset, installer_name


class NcclPluginInstaller(GcpComponent):
    """Installs one fabric profile's NCCL plugin (image from the catalog profile) on its nodes."""

    def __init__(
        self,
        name: str,
        spec_path: str,
        *,
        profile: str,
        image: str,
        accelerators: list[str],
        labels: dict[str, str],
        mirror: str | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("NcclPluginInstaller", name, spec_path, opts)
        body = installer_daemonset(profile, image, accelerators, labels, mirror)
        self.daemonset = k8s.apps.v1.DaemonSet(
            name, metadata=body["metadata"], spec=body["spec"], opts=self.child()
        )
        self.register_outputs({"daemonset": installer_name(profile)})
