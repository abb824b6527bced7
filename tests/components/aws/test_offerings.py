"""The zone-offering invoke: the pool stops on machines a zone does not offer."""

from __future__ import annotations

import pytest

from ailz.components.aws.fakes import AWS_FAKES
from ailz.components.aws.gpu_pool_plan import check_offered
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


def test_check_offered():
    check_offered("p5.48xlarge", "eu-west-1a", ["p5.48xlarge"])
    with pytest.raises(ValueError, match="not offered in eu-west-1a"):
        check_offered("p5.48xlarge", "eu-west-1a", [])
