"""The offline engine captures what the real engine would see: graph, inputs, invokes, outputs."""

from __future__ import annotations

import pulumi
import pytest

from ailz.components.common.base import AilzComponent
from ailz.components.kinds import load_spec
from ailz.stacks.synth import SynthesisError, synthesize
from tests.conftest import EXAMPLES
from tests.inventory import assert_subset, one
from tests.kinds import NO_LAYER, swap_landing_zone


class ProbeZone(AilzComponent):
    """A tiny AWS target: a VPC, a subnet in the first AZ the provider reports, an output."""

    def __init__(self, ctx, opts=None):
        import pulumi_aws as aws

        super().__init__("aws", "LandingZone", ctx.target.name, ctx.path(), opts)
        provider = aws.Provider("probe", region=ctx.target.region, opts=self.child())
        vpc = aws.ec2.Vpc("vpc", cidr_block="10.9.0.0/16", opts=self.child(provider=provider))
        zones = aws.get_availability_zones_output(opts=pulumi.InvokeOutputOptions(provider=provider))
        subnet = aws.ec2.Subnet(
            "subnet",
            vpc_id=vpc.id,
            cidr_block="10.9.0.0/24",
            availability_zone=zones.names[0],
            opts=self.child(provider=provider),
        )
        self.cluster = None
        self.outputs = {"vpc_arn": vpc.arn, "subnet_az": subnet.availability_zone}
        self.register_outputs(self.outputs)


class Waiting(AilzComponent):
    def __init__(self, provider, opts=None):
        import pulumi_aws as aws

        super().__init__("aws", "Waiting", "waiting", "targets[0]", opts)
        aws.ec2.Vpc("inner", cidr_block="10.8.0.0/16", opts=self.child(provider=provider))
        self.register_outputs({})


class InheritingZone(AilzComponent):
    """A component created with depends_on: its children wait for the same resources."""

    def __init__(self, ctx, opts=None):
        import pulumi_aws as aws

        super().__init__("aws", "LandingZone", ctx.target.name, ctx.path(), opts)
        provider = aws.Provider("probe", region=ctx.target.region, opts=self.child())
        first = aws.ec2.Vpc("first", cidr_block="10.9.0.0/16", opts=self.child(provider=provider))
        Waiting(provider, opts=pulumi.ResourceOptions(parent=self, depends_on=[first]))
        self.cluster = None
        self.outputs = {}
        self.register_outputs({})


class BrokenZone(AilzComponent):
    def __init__(self, ctx, opts=None):
        super().__init__("aws", "LandingZone", ctx.target.name, ctx.path(), opts)
        raise RuntimeError("boom")


@pytest.fixture
def probe(monkeypatch):
    def use(cls: str):
        swap_landing_zone(monkeypatch, "aws", f"tests.stacks.test_synth:{cls}", NO_LAYER)
        return synthesize(load_spec(EXAMPLES / "aws-p5-training.yaml"))

    return use


def test_graph_inputs_and_outputs(probe):
    plan = probe("ProbeZone")
    vpc = one(plan, "aws:ec2/vpc:Vpc")
    subnet = one(plan, "aws:ec2/subnet:Subnet")
    component = one(plan, "ailz:aws:LandingZone")
    assert vpc.parent == component.urn and subnet.parent == component.urn
    assert vpc.urn in subnet.dependencies
    assert subnet.property_dependencies["vpcId"] == [vpc.urn]
    assert_subset({"cidrBlock": "10.9.0.0/24", "availabilityZone": "eu-west-1a"}, subnet.inputs)
    assert subnet.inputs["vpcId"].startswith("vpc-")
    assert subnet.provider and subnet.provider.startswith(one(plan, "pulumi:providers:aws").urn)
    outputs = plan.targets[0].outputs
    assert outputs["vpc_arn"].startswith("arn:aws:ec2:eu-west-1:")
    assert outputs["subnet_az"] == "eu-west-1a"
    assert subnet.source["line"] == 14 and subnet.spec_path == "targets[0]"


def test_failures_name_the_target(probe):
    with pytest.raises(SynthesisError, match="target 'aws-train'.*boom"):
        probe("BrokenZone")
    # the runtime is reset: the next synthesis in the same process works
    assert probe("ProbeZone").resources


def test_children_wait_for_what_their_component_waits_for(probe):
    plan = probe("InheritingZone")
    first = one(plan, "aws:ec2/vpc:Vpc", "first")
    inner = one(plan, "aws:ec2/vpc:Vpc", "inner")
    assert first.urn in inner.dependencies
