"""Plans of the platform on cloud-like cluster handles, synthesized once per session."""

from __future__ import annotations

import pytest

from tests.conftest import EXAMPLES

STUB = "tests.components.k8s.cloud_stub:CloudClusterStub"


@pytest.fixture(scope="session")
def cloud_plan():
    """cloud_plan('aws-p5-training') -> Plan of the real ClusterPlatform on a stub cloud cluster."""
    from ailz.stacks import compose
    from ailz.stacks.loader import load_spec
    from ailz.stacks.synth import synthesize

    cache = {}

    def get(name: str):
        if name not in cache:
            with pytest.MonkeyPatch.context() as mp:
                mp.setitem(compose.TARGET_COMPONENTS, "aws", STUB)
                mp.setitem(compose.TARGET_COMPONENTS, "gcp", STUB)
                cache[name] = synthesize(load_spec(EXAMPLES / f"{name}.yaml"))
        return cache[name]

    return get
