"""Names that components and validation must agree on (components create them, jobs request them).

Pure functions of the spec and the catalog, so validation never needs to import components.
"""

from __future__ import annotations

import hashlib

from ailz.catalog import Machine

# Namespaces ailz owns in every cluster.
VALIDATION_NAMESPACE = "ailz-validation"
FABRIC_NAMESPACE = "ailz-fabric"
WORKLOAD_SERVICE_ACCOUNT = "workload"

# The extended resource of a GPU (NVIDIA device plugin), in quotas, flavors and pod requests.
GPU_RESOURCE = "nvidia.com/gpu"

# The taint every GPU node carries (value and effect spelling differ per platform API), so only
# pods that tolerate it (GPU workloads, device plugins) land there.
GPU_TAINT_KEY = GPU_RESOURCE

# Node labels every GPU node carries, whatever the platform.
POOL_LABEL = "ailz.io/pool"
TARGET_LABEL = "ailz.io/target"


def shorten(name: str, limit: int, tail: str = "") -> str:
    """`name` when it fits `limit`, else its head, a stable hash of the whole, and `tail`, so
    shortened names stay unique and identical across runs."""
    if len(name) <= limit:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    keep = limit - len(digest) - 1 - (len(tail) + 1 if tail else 0)
    return "-".join(part for part in (name[:keep].rstrip("-"), digest, tail) if part)


# Two stacks per target: the cloud infrastructure (network, keys, cluster, node pools, storage,
# identities), and the platform applied through the cluster's API from the first one's outputs.
INFRA, PLATFORM = "infra", "platform"
STAGES = (INFRA, PLATFORM)


def stack_name(zone_name: str, target_name: str, stage: str = INFRA) -> str:
    """`<zone>-<target>` and `<zone>-<target>-platform`: a broken target never blocks another, and
    the platform stage may run where the cluster's private API is reachable."""
    base = f"{zone_name}-{target_name}"
    return base if stage == INFRA else f"{base}-{stage}"


def team_namespace(team_name: str) -> str:
    return team_name


def team_service_account(team_name: str) -> str:
    """The Kubernetes ServiceAccount bound to the team's cloud identity (workload identity)."""
    return WORKLOAD_SERVICE_ACCOUNT


def gke_extra_networks(machine: Machine) -> list[dict[str, str]]:
    """GKE multi-network objects a machine family needs, in pod-interface order.

    Each item: name (of the GKENetworkParamSet and Network), interface (in the pod), and
    device_mode (NetDevice for gVNIC, RDMA for RoCE NICs).
    """
    facts = machine.gcp
    if facts is None:
        return []
    networks: list[dict[str, str]] = []
    if facts.rdma_nics:
        # A3 Ultra / A4: eth0 default, eth1 the second gVNIC, eth2.. the RDMA NICs.
        for i in range(facts.extra_gvnic_networks):
            networks.append(
                {"name": f"gvnic-{i + 1}", "interface": f"eth{i + 1}", "device_mode": "NetDevice"}
            )
        first = facts.extra_gvnic_networks + 1
        for i in range(facts.rdma_nics):
            networks.append({"name": f"rdma-{i}", "interface": f"eth{first + i}", "device_mode": "RDMA"})
    else:
        # A3 High / Mega: eth0 default, eth1..ethN the GPU gVNIC networks.
        for i in range(facts.extra_gvnic_networks):
            networks.append({"name": f"vpc{i + 1}", "interface": f"eth{i + 1}", "device_mode": "NetDevice"})
    return networks


def onprem_network_names(fabric_kind: str, hca_count: int) -> list[str]:
    """Secondary network (NetworkAttachmentDefinition) per rail, in FABRIC_NAMESPACE."""
    prefix = "ib" if fabric_kind == "infiniband" else "roce"
    return [f"{prefix}-rail{i}" for i in range(hca_count)]


def onprem_rdma_request(device_plugin: str, hca_count: int) -> dict[str, int]:
    """What a pod that uses every rail of its node requests: the shared device plugin hands all
    HCAs to a pod for one unit; SR-IOV one virtual function of each rail, from that rail's own
    resource, so the VF kubelet picks is the one wired into the rail's network."""
    if device_plugin == "shared":
        return {onprem_rdma_resource(device_plugin): 1}
    return {onprem_rail_resource(i): 1 for i in range(hca_count)}


def onprem_rdma_resource(device_plugin: str = "shared") -> str:
    """Extended resource a pod requests for RDMA: the shared device plugin's, or the prefix of the
    SR-IOV rails' resources (onprem_rail_resource)."""
    return "rdma/rdma_shared" if device_plugin == "shared" else "nvidia.com/sriov_rdma"


def onprem_rail_resource(rail: int) -> str:
    """SR-IOV: the virtual functions of one rail's physical function, a resource of their own."""
    return f"{onprem_rdma_resource('sriov')}_rail{rail}"


# The PersistentVolume of a target's warm file system that team claims bind by volumeName, on every
# kind: Lustre (FSx for Lustre, Managed Lustre) or Filestore.
WARM_VOLUMES = {"lustre": "ailz-lustre", "filestore": "ailz-filestore"}

# The Kueue LocalQueue in every team and validation namespace (jobs set kueue.x-k8s.io/queue-name).
LOCAL_QUEUE = "default"
# every ClusterQueue of a target (its teams' and validation's) shares GPUs in this Kueue cohort
KUEUE_COHORT = "ailz"
# workload namespaces (teams, validation) whose jobs and pods Kueue manages, queue name or not
KUEUE_MANAGED_LABEL = "ailz.io/kueue-managed"
# the node labels, taints and annotations fabric validation may set (ailz.io/nccl, ailz.io/nccl-bad)
VALIDATOR_NODE_KEYS = "ailz.io/nccl"
