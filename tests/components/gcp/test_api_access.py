"""GKE admits the networks the spec names to its control plane, and nothing more."""

from __future__ import annotations

from ailz.components.kinds import load_text
from ailz.stacks.synth import synthesize
from tests.conftest import EXAMPLES
from tests.inventory import one

EXAMPLE = (EXAMPLES / "gcp-a3-ultra.yaml").read_text()
KUBERNETES = '    kubernetes:\n      version: "1.35"\n'


def test_connected_and_listed_networks_join_the_authorized_networks():
    assert KUBERNETES in EXAMPLE
    extra = (
        "      endpoint: public-and-private\n"
        "      api_access_cidrs: [203.0.113.0/24]\n"
        "      connected_cidrs: [10.100.0.0/16]\n"
    )
    plan = synthesize(load_text(EXAMPLE.replace(KUBERNETES, KUBERNETES + extra), "zone.yaml"))
    cluster = one(plan, "gcp:container/cluster:Cluster").inputs
    blocks = [b["cidrBlock"] for b in cluster["masterAuthorizedNetworksConfig"]["cidrBlocks"]]
    assert blocks == ["10.40.0.0/16", "10.100.0.0/16", "203.0.113.0/24"]
    assert cluster["privateClusterConfig"]["enablePrivateEndpoint"] is False
