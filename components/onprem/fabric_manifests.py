"""RDMA fabric objects for the NVIDIA Network Operator: rails, IP pools, device plugin; pure."""

from __future__ import annotations

import ipaddress
import json
import math
from typing import Any

from ailz.components.common import names as naming
from ailz.components.common.fabric_env import roce_env, sriov_hca_command
from ailz.components.common.images import mirrored_image
from ailz.components.common.os_packages import driver_references
from ailz.components.common.pool_split import rollout_batch
from ailz.components.platform.charts import chart_facts, image_repository, platform_facts

MELLANOX_VENDOR = "15b3"
RDMA_HCA_MAX = 63  # pods that may share one HCA through the shared device plugin
MIN_BLOCK = 4
POLICY_READY_SECONDS = 3600  # the DOCA driver compiles on every node it installs on


def carve_rail_subnets(pool: str, rails: int) -> list[str]:
    """Split `pool` into equal subnets, one per rail, as large as the count allows."""
    net = ipaddress.ip_network(pool)
    if rails < 1:
        return []
    extra_bits = math.ceil(math.log2(rails)) if rails > 1 else 0
    if net.prefixlen + extra_bits > 30:
        raise ValueError(f"{pool} is too small for {rails} rail subnets")
    subnets = net.subnets(prefixlen_diff=extra_bits)
    return [str(next(subnets)) for _ in range(rails)]


def rail_subnets(fabric: Any) -> list[str]:
    return list(fabric.rail_subnets) or carve_rail_subnets(fabric.ip_pool, len(fabric.hcas))


def per_node_block(subnet: str, nodes: int) -> int:
    """Addresses nv-ipam hands each node: the largest power of two that fits every node."""
    usable = ipaddress.ip_network(subnet).num_addresses - 2
    share = usable // max(nodes, 1)
    if share < MIN_BLOCK:
        raise ValueError(f"{subnet} holds {usable} addresses, too few for {nodes} nodes")
    return min(2 ** int(math.log2(share)), 256)


def _resource_parts(device_plugin: str) -> tuple[str, str]:
    prefix, _, name = naming.onprem_rdma_resource(device_plugin).partition("/")
    return prefix, name


def _component(image: str, mirror: str | None) -> dict[str, Any]:
    facts = chart_facts("network-operator")
    return {
        "image": image,
        "repository": image_repository("nvidia-mellanox", mirror),
        "version": facts["component_version"],
    }


def nic_cluster_policy(
    fabric: Any,
    mirror: str | None,
    labels: dict[str, str],
    packages: tuple[str, str, str | None] | None = None,
) -> dict[str, Any]:
    """The NicClusterPolicy: the shared RDMA device plugin (SR-IOV brings its own, see
    sriov_node_policies), Multus, CNI plugins, nv-ipam, and the DOCA driver when the hosts lack it."""
    prefix, name = _resource_parts(fabric.device_plugin)
    link_type = "infiniband" if fabric.kind == "infiniband" else "ether"
    spec: dict[str, Any] = {}
    if fabric.install_driver:
        spec["ofedDriver"] = {
            **_component("doca-driver", mirror),
            "version": chart_facts("network-operator")["doca_driver_version"],
            "upgradePolicy": {
                "autoUpgrade": True,
                "maxParallelUpgrades": 1,
                "drain": {"enable": True, "force": True, "deleteEmptyDir": True, "timeoutSeconds": 300},
            },
        }
        repo_config, cert_config = driver_references(packages)
        if repo_config:
            spec["ofedDriver"]["repoConfig"] = {"name": repo_config}
        if cert_config:
            spec["ofedDriver"]["certConfig"] = {"name": cert_config}
    if fabric.device_plugin == "shared":
        config = {
            "configList": [
                {
                    "resourceName": name,
                    "resourcePrefix": prefix,
                    "rdmaHcaMax": RDMA_HCA_MAX,
                    "selectors": {
                        "vendors": [MELLANOX_VENDOR],
                        "ifNames": list(fabric.interfaces),
                        "linkTypes": [link_type],
                    },
                }
            ]
        }
        spec["rdmaSharedDevicePlugin"] = {
            **_component("k8s-rdma-shared-dev-plugin", mirror),
            "config": json.dumps(config, indent=2),
        }
    secondary: dict[str, Any] = {
        "cniPlugins": _component("plugins", mirror),
        "multus": _component("multus-cni", mirror),
    }
    if fabric.kind == "infiniband" and fabric.device_plugin == "shared":
        secondary["ipoib"] = _component("ipoib-cni", mirror)
    spec["secondaryNetwork"] = secondary
    spec["nvIpam"] = {**_component("nvidia-k8s-ipam", mirror), "enableWebhook": False}
    # the operator's DaemonSets (driver, Multus, CNI, nv-ipam) only on the GPU nodes: the chart's
    # NodeFeatureRule labels every node with a Mellanox NIC, control-plane nodes included
    spec["nodeAffinity"] = {
        "requiredDuringSchedulingIgnoredDuringExecution": {
            "nodeSelectorTerms": [{"matchExpressions": [{"key": naming.POOL_LABEL, "operator": "Exists"}]}]
        }
    }
    return {
        "apiVersion": "mellanox.com/v1alpha1",
        "kind": "NicClusterPolicy",
        # the Network Operator only reconciles the policy with this name; Pulumi waits until it is
        # ready: the operator installs nv-ipam's IPPool CRD while reconciling it, and the IPPools
        # that depend on the policy fail without it (network-operator v25.7.0 state-nv-ipam-cni)
        "metadata": {
            "name": "nic-cluster-policy",
            "labels": dict(labels),
            # a DOCA driver build on the nodes takes well beyond Pulumi's default 10 minutes
            "annotations": {
                "pulumi.com/waitFor": "jsonpath={.status.state}=ready",
                "pulumi.com/timeoutSeconds": str(POLICY_READY_SECONDS),
            },
        },
        "spec": spec,
    }


def ip_pools(fabric: Any, nodes: int, labels: dict[str, str]) -> list[dict[str, Any]]:
    """One nv-ipam IPPool per rail, in the Network Operator's namespace where nv-ipam reads them."""
    names = naming.onprem_network_names(fabric.kind, len(fabric.hcas))
    namespace = chart_facts("network-operator")["namespace"]
    pools = []
    for i, (name, subnet) in enumerate(zip(names, rail_subnets(fabric), strict=True)):
        gpu_nodes = {"matchExpressions": [{"key": naming.POOL_LABEL, "operator": "Exists"}]}
        spec: dict[str, Any] = {
            "subnet": subnet,
            "perNodeBlockSize": per_node_block(subnet, nodes),
            "nodeSelector": {"nodeSelectorTerms": [gpu_nodes]},
        }
        spec.update(rail_routing(fabric, i))
        if fabric.rail_exclusions and fabric.rail_exclusions[i]:
            spec["exclusions"] = [
                {"startIP": start, "endIP": end}
                for start, end in map(address_range, fabric.rail_exclusions[i])
            ]
        pools.append(
            {
                "apiVersion": "nv-ipam.nvidia.com/v1alpha1",
                "kind": "IPPool",
                "metadata": {"name": name, "namespace": namespace, "labels": dict(labels)},
                "spec": spec,
            }
        )
    return pools


def address_range(text: str) -> tuple[str, str]:
    """'a' or 'a-b' -> (a, b), both IPv4 addresses; ValueError otherwise."""
    start, _, end = text.partition("-")
    first, last = ipaddress.IPv4Address(start.strip()), ipaddress.IPv4Address((end or start).strip())
    if last < first:
        raise ValueError(f"{text} ends before it starts")
    return str(first), str(last)


def rail_routing(fabric: Any, rail: int) -> dict[str, Any]:
    """An L3 rail's gateway and the routes through it, as nv-ipam hands them to the pod's interface
    of that rail: routes only with a gateway, never a default route, so the pod's own network keeps
    its default (nvidia-k8s-ipam at network-operator-v25.7.0: IPPool gateway and routes[].dst)."""
    if not fabric.rail_gateways:
        return {}
    out: dict[str, Any] = {"gateway": fabric.rail_gateways[rail]}
    routes = fabric.rail_routes[rail] if fabric.rail_routes else []
    if routes:
        out["routes"] = [{"dst": dst} for dst in routes]
    return out


def rail_networks(fabric: Any, labels: dict[str, str]) -> list[dict[str, Any]]:
    """One secondary network per rail; the operator renders a NetworkAttachmentDefinition of that name
    in FABRIC_NAMESPACE, which pods and NCCL jobs reference."""
    names = naming.onprem_network_names(fabric.kind, len(fabric.hcas))
    out = []
    for i, name in enumerate(names):
        ipam = json.dumps({"type": "nv-ipam", "poolName": name})
        spec: dict[str, Any] = {"networkNamespace": naming.FABRIC_NAMESPACE}
        metadata: dict[str, Any] = {"name": name, "labels": dict(labels)}
        api = "mellanox.com/v1alpha1"
        if fabric.device_plugin == "sriov":
            # the SR-IOV operator only reconciles networks in its own namespace and renders the
            # NetworkAttachmentDefinition into networkNamespace; the RDMA CNI, chained after the
            # SR-IOV CNI, moves the VF's RDMA device into the pod (exclusive RDMA mode)
            api, kind = "sriovnetwork.openshift.io/v1", "SriovNetwork"
            metadata["namespace"] = chart_facts("network-operator")["namespace"]
            spec["resourceName"] = naming.onprem_rail_resource(i).partition("/")[2]  # this rail's VFs
            spec["metaPlugins"] = json.dumps({"type": "rdma"})
        elif fabric.kind == "infiniband":
            kind = "IPoIBNetwork"
            spec["master"] = fabric.interfaces[i]
        else:
            kind = "MacvlanNetwork"
            spec.update({"master": fabric.interfaces[i], "mode": "bridge", "mtu": fabric.mtu})
        spec["ipam"] = ipam
        out.append({"apiVersion": api, "kind": kind, "metadata": metadata, "spec": spec})
    return out


def sriov_node_policies(fabric: Any, pools: list[str], labels: dict[str, str]) -> list[dict[str, Any]]:
    """Per GPU pool and rail, the VFs the SR-IOV operator creates on that rail's port, as that
    rail's resource: a VF kubelet hands a pod is always wired into the rail's network. The operator
    may set the NIC's firmware (SR-IOV on, VF count) and reboot the node to apply it."""
    namespace = chart_facts("network-operator")["namespace"]
    link_type = "ib" if fabric.kind == "infiniband" else "eth"
    return [
        {
            "apiVersion": "sriovnetwork.openshift.io/v1",
            "kind": "SriovNetworkNodePolicy",
            "metadata": {"name": f"{pool}-rail{i}", "namespace": namespace, "labels": dict(labels)},
            "spec": {
                "resourceName": naming.onprem_rail_resource(i).partition("/")[2],
                "nodeSelector": {naming.POOL_LABEL: pool},
                "numVfs": fabric.sriov_vfs,
                "nicSelector": {"vendor": MELLANOX_VENDOR, "pfNames": [interface]},
                "deviceType": "netdevice",
                "isRdma": True,
                "linkType": link_type,
                "mtu": fabric.mtu,
            },
        }
        for pool in pools
        for i, interface in enumerate(fabric.interfaces)
    ]


def sriov_pool_config(nodes: int, labels: dict[str, str]) -> dict[str, Any]:
    """The GPU nodes' RDMA subsystem in exclusive mode: a pod sees only the RDMA devices of its own
    VFs, which the RDMA CNI moves into its network namespace. Switching sets a kernel argument and
    reboots each node, so at most a tenth of them (at least one) at a time: without maxUnavailable
    the operator drains every node of the pool at once."""
    return {
        "apiVersion": "sriovnetwork.openshift.io/v1",
        "kind": "SriovNetworkPoolConfig",
        "metadata": {
            "name": "ailz-gpu-nodes",
            "namespace": chart_facts("network-operator")["namespace"],
            "labels": dict(labels),
        },
        "spec": {
            "nodeSelector": {"matchExpressions": [{"key": naming.POOL_LABEL, "operator": "Exists"}]},
            "maxUnavailable": rollout_batch(nodes),
            "rdmaMode": "exclusive",
        },
    }


def nccl_fabric_config(fabric: Any, labels: dict[str, str]) -> dict[str, Any]:
    """What a training pod needs to use the fabric: networks, RDMA resource, NCCL settings."""
    names = naming.onprem_network_names(fabric.kind, len(fabric.hcas))
    request = naming.onprem_rdma_request(fabric.device_plugin, len(fabric.hcas))
    data = {
        "networks": ",".join(f"{naming.FABRIC_NAMESPACE}/{n}" for n in names),
        # one of each: the shared resource, or a VF of every rail
        "rdmaResource": ",".join(request),
        "NCCL_IB_DISABLE": "0",
        # bootstrap over the pod's own network, never a rail interface
        "NCCL_SOCKET_IFNAME": "eth0",
        "mtu": str(fabric.mtu),
    }
    if fabric.device_plugin == "shared":
        # the pod shares the host's HCAs under their own names
        data["NCCL_IB_HCA"] = "=" + ",".join(fabric.hcas)
    else:
        # an SR-IOV pod's VFs have names known only inside it: `export NCCL_IB_HCA=$(<this>)`
        data["NCCL_IB_HCA_COMMAND"] = sriov_hca_command(len(fabric.hcas))
    data.update(roce_env(fabric))
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "nccl-fabric", "namespace": naming.FABRIC_NAMESPACE, "labels": dict(labels)},
        "data": data,
    }


def network_operator_values(mirror: str | None, sriov: bool = False) -> dict[str, Any]:
    """The operator and its Node Feature Discovery; ailz writes the NicClusterPolicy. The chart's
    NodeFeatureRule (labels nodes with Mellanox NICs, which the operator's DaemonSets select) needs
    NFD's CRDs at install, so NFD comes from this chart, its CRD hook installing them first, and
    the GPU Operator uses it (ClusterHandle.nfd_installed). With a mirror, every image the chart
    itself pulls: the operator (also the pre-install CRD hook's image), the DOCA driver's init
    container, NFD (network-operator v25.7.0 values.yaml and templates). SR-IOV fabrics enable the
    SR-IOV Network Operator subchart, every image of it named (catalog subchart_images)."""
    facts = platform_facts().charts["network-operator"]
    values: dict[str, Any] = {
        "nfd": {"enabled": True, "deployNodeFeatureRules": True},
        "sriovNetworkOperator": {"enabled": sriov},
    }
    if sriov:
        images = facts.subchart_images["sriov-network-operator"]
        values["sriov-network-operator"] = {
            # the rail resources are named nvidia.com/sriov_rdma_rail<i>
            "operator": {"resourcePrefix": naming.onprem_rdma_resource("sriov").partition("/")[0]},
            "sriovOperatorConfig": {"deploy": True},
            "images": {key: mirrored_image(image, mirror) for key, image in images.items()},
        }
    if mirror:
        values["operator"] = {
            "repository": image_repository("nvidia-cloud-native", mirror),
            "ofedDriver": {"initContainer": {"repository": image_repository("nvidia-mellanox", mirror)}},
        }
        values["node-feature-discovery"] = {
            "image": {"repository": f"{image_repository('nvidia-mellanox', mirror)}/node-feature-discovery"}
        }
    return values
