"""Who reaches the Kubernetes API is written in the spec: never the internet by default."""

from __future__ import annotations

import pytest

from ailz.components.kinds import load_text
from ailz.policies.evaluate import evaluate
from ailz.policies.table import RULES
from ailz.spec.errors import SpecError
from ailz.stacks.synth import synthesize
from tests.conftest import EXAMPLES
from tests.inventory import one

EXAMPLE = (EXAMPLES / "aws-p5-training.yaml").read_text()
KUBERNETES = '    kubernetes:\n      version: "1.35"\n      endpoint: private\n'
MANDATORY = {rule.id: "mandatory" for rule in RULES}


def with_kubernetes(extra: str) -> str:
    """The example's kubernetes block, its endpoint line replaced by `extra` when that sets one."""
    assert KUBERNETES in EXAMPLE
    head = KUBERNETES if "endpoint:" not in extra else KUBERNETES.replace("      endpoint: private\n", "")
    return EXAMPLE.replace(KUBERNETES, head + extra)


def api_findings(plan) -> list[str]:
    return [f.message for f in evaluate(plan, MANDATORY) if f.rule_id == "AILZ-EXP-009"]


def test_public_endpoint_without_networks_is_refused():
    with pytest.raises(SpecError) as error:
        load_text(with_kubernetes("      endpoint: public-and-private\n"), "zone.yaml")
    assert "needs the networks allowed to reach it" in error.value.render()


def test_public_networks_on_a_private_endpoint_are_refused():
    with pytest.raises(SpecError) as error:
        load_text(with_kubernetes("      api_access_cidrs: [203.0.113.0/24]\n"), "zone.yaml")
    assert "endpoint: private turns off" in error.value.render()


def test_public_endpoint_admits_exactly_the_named_networks_and_passes_the_gate():
    spec = "      endpoint: public-and-private\n      api_access_cidrs: [203.0.113.0/24]\n"
    plan = synthesize(load_text(with_kubernetes(spec), "zone.yaml"))
    vpc = one(plan, "aws:eks/cluster:Cluster").inputs["vpcConfig"]
    assert vpc["endpointPublicAccess"] is True and vpc["publicAccessCidrs"] == ["203.0.113.0/24"]
    assert api_findings(plan) == []


def test_the_whole_internet_only_when_written_and_then_the_gate_flags_it():
    spec = "      endpoint: public-and-private\n      api_access_cidrs: [0.0.0.0/0]\n"
    plan = synthesize(load_text(with_kubernetes(spec), "zone.yaml"))
    assert api_findings(plan) == [
        "publicAccessCidrs includes 0.0.0.0/0: the API endpoint answers the whole internet"
    ]


def test_connected_networks_reach_the_private_endpoint_over_https():
    spec = EXAMPLE.replace(
        "connected_cidrs: [10.100.0.0/16]", "connected_cidrs: [10.100.0.0/16, 10.101.0.0/16]"
    )
    plan = synthesize(load_text(spec, "z"))
    cluster = one(plan, "aws:eks/cluster:Cluster")
    assert cluster.inputs["vpcConfig"]["endpointPublicAccess"] is False
    assert "publicAccessCidrs" not in cluster.inputs["vpcConfig"]
    rules = [
        r
        for r in plan.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
        if "-api-" in r.name
    ]
    # the VPC itself (a runner or bastion there) and every connected network
    assert sorted(r.inputs["cidrIpv4"] for r in rules) == ["10.100.0.0/16", "10.101.0.0/16", "10.20.0.0/16"]
    assert all(r.inputs["fromPort"] == r.inputs["toPort"] == 443 for r in rules)
    assert all(r.inputs["securityGroupId"].startswith("sg-") for r in rules)  # the cluster's own group
    assert api_findings(plan) == []
