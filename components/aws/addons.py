"""EKS add-on versions: the newest build EKS offers for the cluster's Kubernetes version, checked
against the minimums ailz needs (efa-only interfaces need vpc-cni >= catalog efa_only_min_vpc_cni)."""

from __future__ import annotations

import re

from ailz.components.common.names import GPU_TAINT_KEY

# Add-ons that must run before any node joins (networking and credentials for pods).
NETWORK_ADDONS = ("vpc-cni", "kube-proxy", "eks-pod-identity-agent")
# Add-on settings ailz needs: vpc-cni enforces NetworkPolicy only when asked (EKS user guide,
# "Limit Pod traffic with Kubernetes network policies"), and every team namespace is default-deny.
# The node monitoring agent's DCGM server tolerates no taint by default (its chart's values and
# configuration schema, dcgmAgent.tolerations): let it onto the tainted GPU nodes, whose accelerated
# hardware faults node auto repair only sees through it (EKS user guide, "Node health").
ADDON_CONFIGURATION: dict[str, dict] = {
    "vpc-cni": {"enableNetworkPolicy": "true"},
    "eks-node-monitoring-agent": {
        "dcgmAgent": {"tolerations": [{"key": GPU_TAINT_KEY, "operator": "Exists", "effect": "NoSchedule"}]}
    },
}
# VPC CNI prefix delegation (amazon-vpc-cni-k8s README): /28 prefixes, one kept warm.
PREFIX_DELEGATION = {"ENABLE_PREFIX_DELEGATION": "true", "WARM_PREFIX_TARGET": "1"}
# Add-ons whose pods need schedulable nodes.
WORKLOAD_ADDONS = ("coredns", "aws-ebs-csi-driver", "aws-fsx-csi-driver", "eks-node-monitoring-agent")


def addon_configuration(addon: str, prefix_delegation: bool = False) -> dict | None:
    """The add-on's configuration values ailz sets, or None."""
    config = dict(ADDON_CONFIGURATION.get(addon, {}))
    if addon == "vpc-cni" and prefix_delegation:
        config["env"] = dict(PREFIX_DELEGATION)
    return config or None


_VERSION = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)")


def parse_version(text: str) -> tuple[int, int, int]:
    """'v1.19.2-eksbuild.1' -> (1, 19, 2)."""
    match = _VERSION.match(text)
    if not match:
        raise ValueError(f"not an add-on version: {text!r}")
    return int(match[1]), int(match[2]), int(match[3])


def at_least(version: str, minimum: str) -> bool:
    return parse_version(version) >= parse_version(minimum)


def require_minimum(addon: str, version: str, minimum: str | None) -> str:
    """The version, or a clear error when EKS only offers something older than ailz needs (the
    caller's minimum, e.g. efa-only interfaces on vpc-cni, or the catalog's `eks_addons`)."""
    from ailz.catalog import load_catalog

    minimum = minimum or load_catalog().eks_addons.minimum_versions.get(addon)
    if minimum and not at_least(version, minimum):
        raise ValueError(
            f"EKS offers {addon} {version} for this Kubernetes version, but ailz needs "
            f"{addon} >= {minimum}; choose a newer kubernetes.version"
        )
    return version
