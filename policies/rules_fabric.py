"""Fabric rules: EFA placement, zones, interface layout and security groups; GKE RDMA networks."""

from __future__ import annotations

from ailz.policies import props as P
from ailz.policies.index import PlanIndex
from ailz.policies.registry import Messages, Params, resource_rule, stack_rule
from ailz.stacks.plan import PlanResource

LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
PLACEMENT_GROUP = "aws:ec2/placementGroup:PlacementGroup"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
SG_INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
SG_EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
NODE_POOL = "gcp:container/nodePool:NodePool"
GCP_NETWORK = "gcp:compute/network:Network"
EFA_TYPES = ("efa", "efa-only")
# Extended resources and annotations that put a pod on the RDMA fabric.
RDMA_RESOURCE_PREFIXES = ("vpc.amazonaws.com/efa", "rdma/", "nvidia.com/sriov", "networking.gke.io.networks/")
GKE_INTERFACES_ANNOTATION = "networking.gke.io/interfaces"


def efa_interfaces(lt) -> list[dict]:
    return [
        nic
        for nic in P.known_list(lt.inputs, "networkInterfaces")
        if isinstance(nic, dict) and P.get(nic, "interfaceType") in EFA_TYPES
    ]


def _named(ix, type_token: str, name: str):
    for r in ix.of_type(type_token):
        if name in (r.name, P.get(r.inputs, "name")):
            return r
    return None


def on_capacity_block(ix, lt) -> bool:
    """EC2 places Capacity Block instances together in an UltraCluster itself (EC2 API, CapacityBlock)."""
    if P.get(lt.inputs, "instanceMarketOptions", "marketType") == "capacity-block":
        return True
    return any(
        str(P.get(ng.inputs, "capacityType") or "").upper() == "CAPACITY_BLOCK"
        for ng in ix.referrers(lt, NODE_GROUP)
    )


def on_reservation(lt) -> bool:
    """The template launches into one capacity reservation, which decides placement: an ODCR made
    in a cluster placement group is consumed only from that group (which the spec names), one made
    outside any group cannot be consumed from a group ailz would create."""
    return P.present(
        lt.inputs, "capacityReservationSpecification", "capacityReservationTarget", "capacityReservationId"
    )


@stack_rule("AILZ-FAB-001", LAUNCH_TEMPLATE)
def efa_in_cluster_placement_group(lt: PlanResource, ix: PlanIndex, params: Params) -> Messages:
    if not efa_interfaces(lt):
        return
    if not P.present(lt.inputs, "placement", "groupName"):
        if not on_capacity_block(ix, lt) and not on_reservation(lt):
            yield "EFA launch template has no placement.groupName (needs a 'cluster' placement group)"
        return
    linked = ix.refs(lt, "placement", PLACEMENT_GROUP)
    group = linked[0].name if linked else P.get(lt.inputs, "placement", "groupName")
    pg = linked[0] if linked else _named(ix, PLACEMENT_GROUP, group)
    if pg is None:
        if on_reservation(lt):
            return  # the reservation's own group, made with it
        yield f"placement group '{group}' is not part of the plan; its strategy cannot be verified"
    elif P.get(pg.inputs, "strategy") != "cluster":
        yield f"placement group '{group}' has strategy '{P.get(pg.inputs, 'strategy')}', EFA needs 'cluster'"


def _node_group_lts(ix, ng):
    found = ix.refs(ng, "launchTemplate", LAUNCH_TEMPLATE)
    if not found:
        name = P.get(ng.inputs, "launchTemplate", "name")
        lt = _named(ix, LAUNCH_TEMPLATE, name) if name else None
        found = [lt] if lt else []
    return found


@stack_rule("AILZ-FAB-002", NODE_GROUP)
def efa_single_zone(ng: PlanResource, ix: PlanIndex, params: Params) -> Messages:
    if any(efa_interfaces(lt) for lt in _node_group_lts(ix, ng)):
        subnets = P.list_length(ng.inputs, "subnetIds")  # subnet ids are unknown before apply
        if subnets != 1:
            yield f"EFA node group spans {subnets} subnets; it must use exactly one (one AZ)"


def _instance_type(ix, lt) -> str | None:
    own = P.get(lt.inputs, "instanceType")
    if own:
        return own
    for ng in ix.referrers(lt, NODE_GROUP):
        types = P.known_list(ng.inputs, "instanceTypes")
        if types:
            return types[0]
    return None


@stack_rule("AILZ-FAB-003", LAUNCH_TEMPLATE)
def efa_layout_matches_machine(lt: PlanResource, ix: PlanIndex, params: Params) -> Messages:
    efa = efa_interfaces(lt)
    if not efa:
        return
    instance_type = _instance_type(ix, lt)
    machine = ix.machine(instance_type)
    if machine is None or machine.efa is None:
        yield f"instance type '{instance_type}' has no EFA facts in the catalog; layout unverifiable"
        return
    layout = machine.efa
    nics = [n for n in P.known_list(lt.inputs, "networkInterfaces") if isinstance(n, dict)]
    if len(efa) != layout.max_efa_interfaces:
        yield (
            f"{len(efa)} EFA interfaces on {instance_type}; the machine takes "
            f"{layout.max_efa_interfaces} (catalog max_efa_interfaces)"
        )
    slots = [(int(P.get(n, "networkCardIndex") or 0), int(P.get(n, "deviceIndex") or 0)) for n in nics]
    if len(set(slots)) != len(slots):
        yield "two network interfaces share a (networkCardIndex, deviceIndex) slot"
    missing = sorted(set(range(layout.network_cards)) - {card for card, _ in slots})
    if missing:
        yield f"network cards {missing} of {instance_type} carry no interface"
    primary = next((n for n, slot in zip(nics, slots, strict=True) if slot == (0, 0)), None)
    kind = P.get(primary, "interfaceType") if primary else None
    if primary is None or (kind == "efa") != (layout.primary_interface == "efa") or kind == "efa-only":
        yield (
            f"the primary interface (card 0, device 0) is '{kind or 'interface'}'; the catalog "
            f"prescribes {layout.primary_interface.upper()}"
        )


def _sg_rules(ix, sg):
    """(direction, description, is_self, opens_elsewhere) for inline and standalone rules."""
    for direction in ("ingress", "egress"):
        for rule in P.known_list(sg.inputs, direction):
            if not isinstance(rule, dict):
                continue
            elsewhere = bool(
                P.get(rule, "cidrBlocks")
                or P.get(rule, "ipv6CidrBlocks")
                or P.get(rule, "prefixListIds")
                or P.get(rule, "securityGroups")
            )
            yield direction, "inline rule", P.truthy(P.get(rule, "self")), elsewhere
    for type_token, direction in ((SG_INGRESS, "ingress"), (SG_EGRESS, "egress")):
        for rule in ix.referrers_via(sg, "securityGroupId", type_token):
            # the engine's own record says which group the reference is: an id unknown before
            # apply that is this group's output is this group
            is_self = sg.urn in rule.property_dependencies.get("referencedSecurityGroupId", [])
            elsewhere = bool(
                P.get(rule.inputs, "cidrIpv4")
                or P.get(rule.inputs, "cidrIpv6")
                or P.get(rule.inputs, "prefixListId")
                or (not is_self and P.get(rule.inputs, "referencedSecurityGroupId"))
            )
            yield direction, f"rule {rule.name}", is_self, elsewhere


@stack_rule("AILZ-FAB-004", LAUNCH_TEMPLATE)
def efa_security_group_self_only(lt: PlanResource, ix: PlanIndex, params: Params) -> Messages:
    if not efa_interfaces(lt):
        return
    groups = ix.refs(lt, "networkInterfaces", SECURITY_GROUP) + ix.refs(
        lt, "vpcSecurityGroupIds", SECURITY_GROUP
    )
    if not groups:
        yield "EFA interfaces use no security group from the plan; self-only rules unverifiable"
    for sg in {g.urn: g for g in groups}.values():
        rules = list(_sg_rules(ix, sg))
        for direction in ("ingress", "egress"):
            if not any(d == direction and is_self for d, _, is_self, _ in rules):
                yield sg, f"EFA security group has no self-referencing {direction} rule"
        for direction, what, _, elsewhere in rules:
            if elsewhere:
                yield sg, f"EFA security group {direction} {what} reaches beyond the group itself"


@resource_rule("AILZ-FAB-005", NODE_POOL)
def gke_rdma_networks(resource: PlanResource, ix: PlanIndex, params: Params) -> Messages:
    from ailz.components.common.names import gke_extra_networks

    machine = ix.machine(P.get(resource.inputs, "nodeConfig", "machineType"))
    if machine is None or machine.gcp is None:
        return
    expected = len(gke_extra_networks(machine))
    attached = P.known_list(resource.inputs, "networkConfig", "additionalNodeNetworkConfigs")
    if len(attached) != expected:
        yield (
            f"{machine.name} needs {expected} additional node networks "
            f"(gVNIC + RDMA), the pool attaches {len(attached)}"
        )
    placement = P.get(resource.inputs, "placementPolicy") or {}
    # a reserved pool is placed by its reservation (block or the reservation's own policy)
    reserved = P.get(resource.inputs, "nodeConfig", "reservationAffinity", "consumeReservationType")
    if (
        machine.gcp.compact_placement
        and reserved != "SPECIFIC_RESERVATION"
        and not (P.get(placement, "type") == "COMPACT" or P.get(placement, "policyName"))
    ):
        yield f"{machine.name} pools need placementPolicy.type COMPACT (catalog compact_placement)"


@resource_rule("AILZ-FAB-006", GCP_NETWORK)
def roce_network_profile(resource: PlanResource, ix: PlanIndex, params: Params) -> Messages:
    profile = P.get(resource.inputs, "networkProfile") or ""
    name = str(P.get(resource.inputs, "name") or resource.name)
    if "roce" not in profile:
        if "rdma" in name:
            yield f"network '{name}' looks like an RDMA network but sets no '*-vpc-roce' networkProfile"
        return
    mtu = P.get(resource.inputs, "mtu")
    wanted = {params["rdma_mtu"]} if params["rdma_mtu"] else catalog_rdma_mtus(ix)
    if mtu is None or int(mtu) not in wanted:
        yield f"RoCE network '{name}' has mtu {mtu}; RDMA needs {' or '.join(map(str, sorted(wanted)))}"


def catalog_rdma_mtus(ix) -> set[int]:
    """The RDMA MTUs the catalog records for GCP machines (one value today: 8896)."""
    return {m.gcp.rdma_mtu for m in ix.catalog.machines.values() if m.gcp and m.gcp.rdma_mtu}


@resource_rule("AILZ-FAB-007", *P.MULTI_NODE_KINDS)
def gpu_jobs_request_rdma(resource: PlanResource, ix: PlanIndex, params: Params) -> Messages:
    for where, spec, meta in P.pod_specs(resource.type, resource.inputs):
        gpu = [c for c in P.containers(spec) if (P.gpu_count(c) or 0) > 0]
        if not gpu:
            continue
        if GKE_INTERFACES_ANNOTATION in (P.get(meta, "annotations") or {}):
            continue
        for container in gpu:
            wanted = {
                **(P.get(container, "resources", "limits") or {}),
                **(P.get(container, "resources", "requests") or {}),
            }
            if not any(key.startswith(RDMA_RESOURCE_PREFIXES) for key in wanted):
                yield (
                    f"{where}: container '{P.get(container, 'name')}' requests GPUs but no RDMA "
                    "device (vpc.amazonaws.com/efa, rdma/*) or GKE network interfaces"
                )
