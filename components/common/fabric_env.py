"""NCCL's RoCE settings on a site fabric. The GID: an index pinned only when the spec says so, else
NCCL's own selection (2.21 and later) restricted to the rails' addresses. With the shared RDMA
device plugin a pod shares the HCA, whose GID table also holds the host's and other pods' addresses:
a fixed index (NCCL used to default to 3) may be someone else's, and queue pairs fail. The traffic
class: the IP ToS byte NCCL's queue pairs send with (NCCL_IB_TC, default 0), which must be the
switches' lossless class. Pure."""

from __future__ import annotations

import ipaddress
from typing import Any


def rails_range(fabric: Any) -> str:
    """The smallest range holding every rail subnet (the IP pool they are carved from)."""
    if not fabric.rail_subnets:
        return str(fabric.ip_pool)
    nets = [ipaddress.ip_network(s) for s in fabric.rail_subnets]
    span = nets[0]
    while not all(n.subnet_of(span) for n in nets):
        span = span.supernet()
    return str(span)


def roce_env(fabric: Any) -> dict[str, str]:
    """NCCL_IB_* variables choosing the GID and traffic class of a RoCE fabric (none on InfiniBand)."""
    if fabric.kind != "roce":
        return {}
    if fabric.gid_index is not None:
        env = {"NCCL_IB_GID_INDEX": str(fabric.gid_index)}
    else:
        env = {"NCCL_IB_ADDR_FAMILY": "AF_INET", "NCCL_IB_ADDR_RANGE": rails_range(fabric)}
    if fabric.traffic_class is not None:
        env["NCCL_IB_TC"] = str(fabric.traffic_class)
    # each rail is its own subnet: a ring leaving through rail m must arrive on rail m of the peer,
    # which nothing routes to from rail n (NCCL_CROSS_NIC defaults to 2, crossing allowed)
    env["NCCL_CROSS_NIC"] = "0"
    return env


def sriov_hca_command(rails: int) -> str:
    """Shell that prints NCCL_IB_HCA's value for an SR-IOV pod: exactly the RDMA devices behind its
    rail interfaces. Its VFs have mlx5 names known only inside the pod; the exclusive RDMA mode shows
    it only those, and naming them still holds NCCL to the rails on a node left in shared mode.
    Multus names the rail interfaces net1.. in the order of the networks annotation."""
    devices = f"for i in $(seq 1 {rails}); do ls /sys/class/net/net$i/device/infiniband; done"
    return f"echo =$({devices} | paste -sd, -)"


def sriov_hca_check(rails: int) -> str:
    """Shell that stops a rank whose NCCL_IB_HCA does not name one device per rail: a missing rail
    interface would otherwise leave NCCL on fewer rails, silently."""
    return (
        f'[ "$(echo "${{NCCL_IB_HCA#=}}" | tr , "\\n" | grep -c .)" -eq {rails} ] || '
        f'{{ echo "expected {rails} RDMA devices behind net1..net{rails}, found: $NCCL_IB_HCA" >&2; '
        "exit 1; }"
    )
