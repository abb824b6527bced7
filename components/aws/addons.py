"""EKS add-on versions: the newest build EKS offers for the cluster's Kubernetes version, checked
against the minimums ailz needs (efa-only interfaces need vpc-cni >= catalog efa_only_min_vpc_cni)."""

from __future__ import annotations

import re

# Add-ons that must run before any node joins (networking and credentials for pods).
NETWORK_ADDONS = ("vpc-cni", "kube-proxy", "eks-pod-identity-agent")
# Add-on settings ailz needs: vpc-cni enforces NetworkPolicy only when asked (EKS user guide,
# "Limit Pod traffic with Kubernetes network policies"), and every team namespace is default-deny.
ADDON_CONFIGURATION = {"vpc-cni": {"enableNetworkPolicy": "true"}}
# Add-ons whose pods need schedulable nodes.
WORKLOAD_ADDONS = ("coredns", "aws-ebs-csi-driver", "aws-fsx-csi-driver")

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
    """The version, or a clear error when EKS only offers something older than ailz needs."""
    if minimum and not at_least(version, minimum):
        raise ValueError(
            f"EKS offers {addon} {version} for this Kubernetes version, but efa-only interfaces "
            f"need {addon} >= {minimum}; choose a newer kubernetes.version"
        )
    return version
