"""The gIB NCCL plugin on A3 Ultra / A4 nodes: GPUDirect RDMA needs it on the host.

GKE's RDMA guide installs the plugin with a DaemonSet that runs the plugin image's installer
and leaves the libraries in host directories GPU pods mount: /home/kubernetes/bin/nvidia/lib64
(NCCL, seen in pods as /usr/local/nvidia/lib64) and /home/kubernetes/bin/gib (the plugin and its
set_nccl_env.sh, mounted by NCCL jobs at /usr/local/gib).
"""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from ailz.components.gcp.component import GcpComponent

NAME = "ailz-nccl-gib-installer"
NAMESPACE = "kube-system"
HOST_NVIDIA_LIB = "/home/kubernetes/bin/nvidia/lib64"
HOST_GIB = "/home/kubernetes/bin/gib"
PAUSE_IMAGE = "registry.k8s.io/pause:3.10"
ACCELERATOR_LABEL = "cloud.google.com/gke-accelerator"


def installer_daemonset(image: str, accelerators: list[str], labels: dict[str, str]) -> dict:
    """DaemonSet body: an init container installs, a pause container keeps the pod for updates."""
    selector = {"k8s-app": NAME}
    install = (
        "set -ex\n"
        "/scripts/container_entry.sh install --install-nccl\n"
        "cp -r /var/lib/gib/lib64/. /host/nvidia/lib64\n"
        "cp -r /var/lib/gib/. /host/gib\n"
    )
    return {
        "metadata": {"name": NAME, "namespace": NAMESPACE, "labels": {**labels, **selector}},
        "spec": {
            "selector": {"matchLabels": selector},
            "updateStrategy": {"type": "RollingUpdate"},
            "template": {
                "metadata": {"labels": {**labels, **selector}},
                "spec": {
                    "priorityClassName": "system-node-critical",
                    "affinity": {
                        "nodeAffinity": {
                            "requiredDuringSchedulingIgnoredDuringExecution": {
                                "nodeSelectorTerms": [
                                    {
                                        "matchExpressions": [
                                            {
                                                "key": ACCELERATOR_LABEL,
                                                "operator": "In",
                                                "values": accelerators,
                                            }
                                        ]
                                    }
                                ]
                            }
                        }
                    },
                    "tolerations": [{"operator": "Exists"}],
                    "hostNetwork": True,
                    "hostPID": True,
                    "volumes": [
                        {
                            "name": "nvidia-lib",
                            "hostPath": {"path": HOST_NVIDIA_LIB, "type": "DirectoryOrCreate"},
                        },
                        {"name": "gib", "hostPath": {"path": HOST_GIB, "type": "DirectoryOrCreate"}},
                    ],
                    "initContainers": [
                        {
                            "name": "install",
                            "image": image,
                            "command": ["/bin/sh", "-c"],
                            "args": [install],
                            "securityContext": {"privileged": True},
                            "resources": {"requests": {"cpu": "150m"}},
                            "volumeMounts": [
                                {"name": "nvidia-lib", "mountPath": "/host/nvidia/lib64"},
                                {"name": "gib", "mountPath": "/host/gib"},
                            ],
                        }
                    ],
                    "containers": [
                        {
                            "name": "pause",
                            "image": PAUSE_IMAGE,
                            "resources": {"requests": {"cpu": "1m", "memory": "8Mi"}},
                        }
                    ],
                },
            },
        },
    }


class RdmaPluginInstaller(GcpComponent):
    """Installs the gIB plugin (image from the catalog's `gib` fabric profile) on RDMA nodes."""

    def __init__(
        self,
        name: str,
        spec_path: str,
        *,
        image: str,
        accelerators: list[str],
        labels: dict[str, str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("RdmaPluginInstaller", name, spec_path, opts)
        body = installer_daemonset(image, accelerators, labels)
        self.daemonset = k8s.apps.v1.DaemonSet(
            name, metadata=body["metadata"], spec=body["spec"], opts=self.child()
        )
        self.register_outputs({"daemonset": NAME})
