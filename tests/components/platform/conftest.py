"""Plans of the platform on cloud-like cluster handles, synthesized once per session."""

from __future__ import annotations

import pytest

from tests.conftest import EXAMPLES
from tests.kinds import swap_landing_zone

STUB = "tests.components.platform.cloud_stub:CloudClusterStub"
NO_INFRA = "tests.components.platform.cloud_stub:NoInfrastructure"


@pytest.fixture(scope="session")
def cloud_plan():
    """cloud_plan('aws-p5-training') -> Plan of the real ClusterPlatform on a stub cloud cluster."""
    from ailz.components.kinds import load_spec
    from ailz.stacks.synth import synthesize

    cache = {}

    def get(name: str):
        if name not in cache:
            with pytest.MonkeyPatch.context() as mp:
                swap_landing_zone(mp, "aws", NO_INFRA, STUB)
                swap_landing_zone(mp, "gcp", NO_INFRA, STUB)
                cache[name] = synthesize(load_spec(EXAMPLES / f"{name}.yaml"))
        return cache[name]

    return get
