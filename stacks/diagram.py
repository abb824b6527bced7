"""The topology of a zone at a glance, from a plan (a spec's or a plan file's): targets and their
clusters, GPU pools with nodes, GPUs and fabric, storage tiers, team namespaces and queues, and the
residency boundary; as Mermaid (rendered by GitHub and GitLab) or Graphviz dot. With a diff, what
changes is coloured. Deterministic: the same plan gives the same bytes. Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ailz.catalog import Catalog, load_catalog
from ailz.stacks.plan import Plan


@dataclass
class Node:
    id: str
    label: str
    state: str = ""  # "added", "changed", "removed" or ""


@dataclass
class Group:
    id: str
    label: str
    nodes: list[Node] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)


@dataclass
class Topology:
    root: Group
    edges: list[tuple[str, str, str]]  # (from, to, label)


def _id(*parts: str) -> str:
    return "_".join(re.sub(r"[^A-Za-z0-9]", "_", p) for p in parts)


def _fabric(machine, catalog: Catalog, site_fabric: str | None = None) -> str:
    if machine is None:
        return "unknown machine"
    net = machine.network
    text = f"{net.gpu_nics}x {net.gbps_per_gpu_nic}G {site_fabric or net.fabric}"
    if machine.efa is not None:
        text += f", {machine.efa.max_efa_interfaces} EFA"
    if machine.gcp is not None and machine.gcp.rdma_nics:
        text += f", {machine.gcp.rdma_networks} RDMA VPC"
    elif machine.gcp is not None:
        text += f", {machine.gcp.extra_gvnic_networks} gVNIC networks"
    return text


def topology(
    plan: Plan, changed_pools: dict[tuple[str, str], str] | None = None, catalog: Catalog | None = None
) -> Topology:
    """The zone's structure; `changed_pools` maps (target, pool) to a diff state for colouring."""
    catalog = catalog or load_catalog()
    context = plan.context or {}
    changed_pools = changed_pools or {}
    residency = context.get("residency") or {}
    boundary = ", ".join(residency.get("jurisdictions") or residency.get("allowed_regions") or []) or "none"
    root = Group(_id("zone", plan.zone), f"zone {plan.zone} (residency: {boundary})")
    edges: list[tuple[str, str, str]] = []
    facts = context.get("targets") or {}
    for target in plan.targets:
        target_facts = facts.get(target.name, {})
        group = Group(_id("t", target.name), f"{target.name}: {target.kind} {target.location}")
        cluster = Node(_id("c", target.name), f"{_CLUSTER_KIND.get(target.kind, 'Kubernetes')} cluster")
        group.nodes.append(cluster)
        for pool in target_facts.get("gpu_pools", []):
            machine = catalog.machines.get(pool["machine"])
            gpus = pool["nodes"] * machine.gpu.count if machine else "?"
            node = Node(
                _id("p", target.name, pool["name"]),
                f"pool {pool['name']}: {pool['nodes']} x {pool['machine']} = {gpus} GPUs; "
                f"{_fabric(machine, catalog, target_facts.get('fabric'))}; "
                f"{pool.get('capacity') or 'on-demand'}",
                changed_pools.get((target.name, pool["name"]), ""),
            )
            group.nodes.append(node)
            edges.append((cluster.id, node.id, ""))
        listed = {pool["name"] for pool in target_facts.get("gpu_pools", [])}
        for (owner, name), state in sorted(changed_pools.items()):
            if owner == target.name and state == "removed" and name not in listed:
                node = Node(_id("p", target.name, name), f"pool {name}: removed", "removed")
                group.nodes.append(node)
                edges.append((cluster.id, node.id, ""))
        storage = target_facts.get("storage") or {}
        for tier in ("hot", "warm", "cold"):
            body = storage.get(tier)
            if not body:
                continue
            size = f" {body['capacity_gib']} GiB" if body.get("capacity_gib") else ""
            node = Node(_id("s", target.name, tier), f"{tier}: {body.get('kind', '')}{size}")
            group.nodes.append(node)
            edges.append((cluster.id, node.id, "mounts" if tier != "cold" else "reads/writes"))
        for team in context.get("teams", []):
            if target.name in team.get("targets", []):
                node = Node(
                    _id("n", target.name, team["name"]),
                    f"team {team['name']}: namespace + queue, {team.get('gpu_quota', 0)} GPUs",
                )
                group.nodes.append(node)
                edges.append((node.id, cluster.id, "submits"))
        root.groups.append(group)
    return Topology(root, edges)


_CLUSTER_KIND = {"aws": "EKS", "gcp": "GKE", "onprem": "existing Kubernetes"}
_COLOURS = {"added": "#d4f7d4", "changed": "#fff3c4", "removed": "#f9d0d0"}


def _quote(text: str) -> str:
    return text.replace('"', "'")


def mermaid(top: Topology) -> str:
    lines = ["flowchart TB"]

    def group(g: Group, indent: str) -> None:
        lines.append(f'{indent}subgraph {g.id}["{_quote(g.label)}"]')
        for node in g.nodes:
            lines.append(f'{indent}  {node.id}["{_quote(node.label)}"]')
        for sub in g.groups:
            group(sub, indent + "  ")
        lines.append(f"{indent}end")

    group(top.root, "  ")
    for a, b, label in top.edges:
        lines.append(f"  {a} -->|{_quote(label)}| {b}" if label else f"  {a} --> {b}")
    for state, colour in _COLOURS.items():
        lines.append(f"  classDef {state} fill:{colour}")
    for node in _all_nodes(top.root):
        if node.state:
            lines.append(f"  class {node.id} {node.state}")
    return "\n".join(lines) + "\n"


def dot(top: Topology) -> str:
    lines = [
        "digraph ailz {",
        "  rankdir=TB;",
        '  node [shape=box, style="rounded,filled", fillcolor=white];',
    ]

    def group(g: Group, indent: str) -> None:
        lines.append(f"{indent}subgraph cluster_{g.id} {{")
        lines.append(f'{indent}  label="{_quote(g.label)}";')
        for node in g.nodes:
            colour = f', fillcolor="{_COLOURS[node.state]}"' if node.state else ""
            lines.append(f'{indent}  {node.id} [label="{_quote(node.label)}"{colour}];')
        for sub in g.groups:
            group(sub, indent + "  ")
        lines.append(f"{indent}}}")

    group(top.root, "  ")
    for a, b, label in top.edges:
        lines.append(f'  {a} -> {b} [label="{_quote(label)}"];' if label else f"  {a} -> {b};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _all_nodes(group: Group) -> list[Node]:
    return [*group.nodes, *(n for sub in group.groups for n in _all_nodes(sub))]


def pool_states(base: Plan, head: Plan) -> dict[tuple[str, str], str]:
    """(target, pool) -> added, changed or removed, for the pools whose facts differ between two
    plans (the colours of `topology`)."""

    def pools(plan: Plan) -> dict[tuple[str, str], dict]:
        targets = (plan.context or {}).get("targets") or {}
        return {(t, p["name"]): p for t, facts in targets.items() for p in facts.get("gpu_pools", [])}

    old, new = pools(base), pools(head)
    states = {
        key: "added" if key not in old else "changed" for key, value in new.items() if old.get(key) != value
    }
    states.update({key: "removed" for key in old if key not in new})
    return states
