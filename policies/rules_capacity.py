"""Capacity and cost rules: no spot for training, reservations for large pools, cost tags."""

from __future__ import annotations

from ailz.components.common.labels import COST_KEYS, POOL_COST_KEYS
from ailz.policies import props as P
from ailz.policies.index import PlanIndex, provider_urn
from ailz.policies.registry import Messages, Params, resource_rule
from ailz.stacks.plan import PlanResource

NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
NODE_POOL = "gcp:container/nodePool:NodePool"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
POOL_TYPES = (NODE_GROUP, NODE_POOL)


def is_gpu_pool(resource, ix) -> bool:
    """A node group or node pool of GPU machines (catalog machines, AWS p/g families, GKE accelerators)."""
    if resource.type == NODE_GROUP:
        types = list(P.known_list(resource.inputs, "instanceTypes"))
        types += [P.get(lt.inputs, "instanceType") for lt in _launch_templates(ix, resource)]
        return any(
            isinstance(t, str) and (ix.machine(t) is not None or t.startswith(("p", "g"))) for t in types
        )
    machine = P.get(resource.inputs, "nodeConfig", "machineType")
    accelerators = P.known_list(resource.inputs, "nodeConfig", "guestAccelerators")
    return ix.machine(machine) is not None or bool(accelerators)


def _purpose(resource) -> str:
    """Pools without a purpose tag are treated as training, the spec's default."""
    return P.purpose_of(resource.type, resource.inputs) or "training"


def _launch_templates(ix, node_group):
    return ix.refs(node_group, "launchTemplate", LAUNCH_TEMPLATE)


@resource_rule("AILZ-CAP-001", NODE_GROUP, NODE_POOL)
def no_spot_for_training(resource: PlanResource, ix: PlanIndex, params: Params) -> Messages:
    if _purpose(resource) != "training" or not is_gpu_pool(resource, ix):
        return
    if resource.type == NODE_GROUP:
        if str(P.get(resource.inputs, "capacityType") or "").upper() == "SPOT":
            yield "training node group uses capacityType SPOT"
        for lt in _launch_templates(ix, resource):
            if P.get(lt.inputs, "instanceMarketOptions", "marketType") == "spot":
                yield f"training node group's launch template {lt.name} requests spot instances"
    else:
        for key in ("spot", "preemptible"):
            if P.truthy(P.get(resource.inputs, "nodeConfig", key)):
                yield f"training node pool sets nodeConfig.{key}"


def _pool_size(resource) -> int:
    if resource.type == NODE_GROUP:
        values = [P.get(resource.inputs, "scalingConfig", k) for k in ("desiredSize", "maxSize")]
    else:
        values = [P.get(resource.inputs, k) for k in ("nodeCount", "initialNodeCount")] + [
            P.get(resource.inputs, "autoscaling", k) for k in ("maxNodeCount", "totalMaxNodeCount")
        ]
    return max([int(v) for v in values if v is not None] or [0])


def _reserved(resource, ix) -> bool:
    if resource.type == NODE_GROUP:
        if str(P.get(resource.inputs, "capacityType") or "").upper() == "CAPACITY_BLOCK":
            return True
        for lt in _launch_templates(ix, resource):
            target = P.get(lt.inputs, "capacityReservationSpecification", "capacityReservationTarget") or {}
            if P.present(target, "capacityReservationId") or P.present(
                target, "capacityReservationResourceGroupArn"
            ):
                return True
            if P.get(lt.inputs, "instanceMarketOptions", "marketType") == "capacity-block":
                return True
        return False
    affinity = P.get(resource.inputs, "nodeConfig", "reservationAffinity") or {}
    if P.get(affinity, "consumeReservationType") == "SPECIFIC_RESERVATION" and P.get(affinity, "values"):
        return True
    flex = P.get(resource.inputs, "nodeConfig", "flexStart")
    queued = P.get(resource.inputs, "queuedProvisioning", "enabled")
    return P.truthy(flex) or P.truthy(queued)


@resource_rule("AILZ-CAP-002", NODE_GROUP, NODE_POOL)
def large_pools_reserved(resource: PlanResource, ix: PlanIndex, params: Params) -> Messages:
    if not is_gpu_pool(resource, ix):
        return
    size = _pool_size(resource)
    if size >= int(params["large_pool_nodes"]) and not _reserved(resource, ix):
        yield (
            f"pool of {size} nodes consumes no reservation or capacity block "
            f"(threshold {params['large_pool_nodes']} nodes)"
        )


def _default_tags(resource, ix) -> dict:
    """Tags the provider adds to every resource (aws defaultTags.tags, gcp defaultLabels)."""
    provider = ix.by_urn.get(provider_urn(resource.provider) or "")
    if provider is None:
        return {}
    found = P.get(provider.inputs, "defaultTags", "tags") or P.get(provider.inputs, "defaultLabels")
    return found if isinstance(found, dict) else {}


@resource_rule("AILZ-CAP-003", prefixes=("aws:", "gcp:"))
def cost_tags(resource: PlanResource, ix: PlanIndex, params: Params) -> Messages:
    tags = P.tags_of(resource.type, resource.inputs)
    if tags is None:
        return
    tags = {**_default_tags(resource, ix), **tags}
    missing = [key for key in COST_KEYS if not tags.get(key)]
    if missing:
        where = ".".join(P.tag_path(resource.type) or ())
        yield f"{where} lacks cost keys: {', '.join(missing)}"


@resource_rule("AILZ-CAP-004", *POOL_TYPES)
def pool_cost_tags(resource: PlanResource, ix: PlanIndex, params: Params) -> Messages:
    if not is_gpu_pool(resource, ix):
        return
    tags = {**_default_tags(resource, ix), **(P.tags_of(resource.type, resource.inputs) or {})}
    missing = [key for key in POOL_COST_KEYS if not tags.get(key)]
    if missing:
        yield f"pool resource lacks pool cost keys: {', '.join(missing)}"


CLUSTER_QUEUE = "kubernetes:kueue.x-k8s.io/v1beta1:ClusterQueue"


def _cost(ix: PlanIndex):
    """The plan's cost estimate (stacks/cost.py), made once per gate run."""
    cached = ix.__dict__.get("_cost")
    if cached is None:
        from ailz.stacks.cost import estimate

        cached = ix.__dict__["_cost"] = estimate(ix.plan)
    return cached


@resource_rule("AILZ-CAP-006", CLUSTER_QUEUE)
def team_quota_within_budget(resource: PlanResource, ix: PlanIndex, params: Params) -> Messages:
    name = P.get(resource.inputs, "metadata", "name")
    budgets = {t["name"]: t.get("budget_usd_month") for t in ix.context.get("teams", [])}
    budget = budgets.get(name)
    if budget is None:
        return
    cost = _cost(ix)
    team = next((t for t in cost.teams if t.name == name), None)
    if team is None or team.hourly_usd is None:
        yield f"team {name} has a budget of {budget:,.0f} USD/month but its GPU quota cannot be priced"
        return
    monthly = team.hourly_usd * cost.hours_per_month
    if team.over_budget(cost.hours_per_month):
        yield (
            f"team {name}'s GPU quota ({team.gpu_quota} GPUs) costs {monthly:,.0f} USD/month at its pools' "
            f"list prices, above its budget of {budget:,.0f} USD/month"
        )
