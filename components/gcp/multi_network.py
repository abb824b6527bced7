"""GKE multi-networking objects: one GKENetworkParamSet and one Network per extra NIC."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from ailz.components.gcp.component import GcpComponent

API_VERSION = "networking.gke.io/v1"


def param_set_spec(vpc: str, subnet: str, device_mode: str) -> dict:
    return {"vpc": vpc, "vpcSubnet": subnet, "deviceMode": device_mode}


def network_spec(name: str) -> dict:
    return {
        "type": "Device",
        "parametersRef": {"group": "networking.gke.io", "kind": "GKENetworkParamSet", "name": name},
    }


class GkeNetworkObjects(GcpComponent):
    """Cluster-scoped objects pods name in networking.gke.io/interfaces to get a fabric NIC.

    `nics`: {name, vpc, subnet, deviceMode} of each extra NIC network, as the infrastructure stack
    exports them (`gkeNetworks`).

    Names come from stacks.naming.gke_extra_networks, which the NCCL job renderer uses too.
    """

    def __init__(
        self,
        name: str,
        spec_path: str,
        *,
        nics: list[dict[str, Any]],
        labels: dict[str, str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("GkeNetworkObjects", name, spec_path, opts)
        self.names: list[str] = []
        for nic in nics:
            net_name = nic["name"]
            param_set = k8s.apiextensions.CustomResource(
                f"{name}-{net_name}-params",
                api_version=API_VERSION,
                kind="GKENetworkParamSet",
                metadata={"name": net_name, "labels": labels},
                spec=param_set_spec(nic["vpc"], nic["subnet"], nic["deviceMode"]),
                opts=self.child(),
            )
            k8s.apiextensions.CustomResource(
                f"{name}-{net_name}",
                api_version=API_VERSION,
                kind="Network",
                metadata={"name": net_name, "labels": labels},
                spec=network_spec(net_name),
                opts=self.child(depends_on=[param_set]),
            )
            self.names.append(net_name)
        self.register_outputs({"networks": self.names})
