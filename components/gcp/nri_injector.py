"""GKE's NRI device injector on GPUDirect-TCPX/TCPXO nodes.

The tcpx(o)-daemon sidecar of NCCL pods runs unprivileged and still needs the GPUs: the pod lists
them in a devices.gke.io/container.<name> annotation and this containerd NRI plugin adds them to
the container. GKE node images run containerd with NRI enabled (containerd 2.0 from GKE 1.33).
"""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from ailz.components.gcp.component import GcpComponent
from ailz.components.gcp.nccl_plugin_plan import NRI_INJECTOR, nri_injector_daemonset


class NriDeviceInjector(GcpComponent):
    """One DaemonSet on every node whose fabric profile asks for the injector."""

    def __init__(
        self,
        name: str,
        spec_path: str,
        *,
        accelerators: list[str],
        labels: dict[str, str],
        mirror: str | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("NriDeviceInjector", name, spec_path, opts)
        body = nri_injector_daemonset(accelerators, labels, mirror)
        self.daemonset = k8s.apps.v1.DaemonSet(
            name, metadata=body["metadata"], spec=body["spec"], opts=self.child()
        )
        self.register_outputs({"daemonset": NRI_INJECTOR})
