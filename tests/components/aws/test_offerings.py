"""The zone-offering invoke: the pool stops on machines a zone does not offer."""

from __future__ import annotations

import pytest

from ailz.components.aws.fakes import AWS_FAKES
from ailz.components.aws.gpu_pool_plan import offered_machine
from ailz.components.common.fakes import FakeContext

TOKEN = "aws:ec2/getInstanceTypeOfferings:getInstanceTypeOfferings"


def ask(machine: str, zone: str) -> list[str]:
    args = {
        "locationType": "availability-zone",
        "filters": [{"name": "instance-type", "values": [machine]}, {"name": "location", "values": [zone]}],
    }
    return AWS_FAKES.invokes[TOKEN](args, FakeContext(region="eu-west-1", zone=zone))["instanceTypes"]


def test_fake_follows_the_catalog(monkeypatch):
    import ailz.catalog as catalog_module

    real = catalog_module.load_catalog()
    p5 = real.machines["p5.48xlarge"].model_copy(update={"zones": ["eu-west-1b"]})
    patched = real.model_copy(update={"machines": {**real.machines, "p5.48xlarge": p5}})
    monkeypatch.setattr(catalog_module, "load_catalog", lambda: patched)
    assert ask("p5.48xlarge", "eu-west-1b") == ["p5.48xlarge"]
    assert ask("p5.48xlarge", "eu-west-1a") == []
    assert ask("p4d.24xlarge", "eu-west-1a") == ["p4d.24xlarge"]  # no zones listed: offered


def test_offered_machine():
    assert offered_machine("p5.48xlarge", "eu-west-1a", ["p5.48xlarge"]) == "p5.48xlarge"
    with pytest.raises(ValueError, match="not offered in eu-west-1a"):
        offered_machine("p5.48xlarge", "eu-west-1a", [])


def test_a_zone_without_the_machine_fails_the_plan_and_one_question_serves_every_pool(monkeypatch):
    """Spec checks catch this first; the program itself still refuses (catalog data can lag EC2)."""
    import yaml

    import ailz.catalog as catalog_module
    from ailz.components.kinds import load_text
    from ailz.stacks import fakes
    from ailz.stacks.synth import SynthesisError, synthesize
    from tests.conftest import EXAMPLES

    asked = []
    real_invoke = fakes.invoke

    def counting(token, args, fake, clouds):
        if token == TOKEN:
            asked.append(args)
        return real_invoke(token, args, fake, clouds)

    monkeypatch.setattr("ailz.stacks.synth.invoke", counting)
    data = yaml.safe_load((EXAMPLES / "aws-p5-training.yaml").read_text())
    synthesize(load_text(yaml.safe_dump(data), "spec.yaml"))
    machines = sorted({p["machine"] for p in data["targets"][0]["gpu_pools"]})
    assert len(machines) > 1 and len(asked) == 1
    assert asked[0]["filters"][0] == {"name": "instance-type", "values": machines}

    real = catalog_module.load_catalog()
    p5 = real.machines["p5.48xlarge"].model_copy(update={"zones": ["eu-west-1b"]})
    patched = real.model_copy(update={"machines": {**real.machines, "p5.48xlarge": p5}})
    monkeypatch.setattr(catalog_module, "load_catalog", lambda: patched)
    loaded = load_text(yaml.safe_dump(data), "spec.yaml", check=False)
    with pytest.raises(SynthesisError, match="p5.48xlarge is not offered in eu-west-1a; pick a zone"):
        synthesize(loaded)


def test_a_target_without_gpu_pools_asks_nothing(monkeypatch):
    """EC2 takes one or more values in a filter: no pools, no question."""
    import yaml

    from ailz.components.kinds import load_text
    from ailz.stacks import fakes
    from ailz.stacks.synth import synthesize
    from tests.conftest import EXAMPLES

    asked = []
    real_invoke = fakes.invoke
    monkeypatch.setattr(
        "ailz.stacks.synth.invoke",
        lambda token, args, fake, clouds: asked.append(token) or real_invoke(token, args, fake, clouds),
    )
    data = yaml.safe_load((EXAMPLES / "aws-p5-training.yaml").read_text())
    data["targets"][0]["gpu_pools"] = []
    data["targets"][0]["storage"].pop("warm", None)
    data.pop("teams", None)
    plan = synthesize(load_text(yaml.safe_dump(data), "spec.yaml"))
    assert (
        plan.of_type("aws:eks/cluster:Cluster") and len(plan.of_type("aws:eks/nodeGroup:NodeGroup")) == 1
    )  # system
    assert TOKEN not in asked
