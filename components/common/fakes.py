"""Deterministic stand-ins for what a cloud computes (ids, ARNs, endpoints) when ailz plans offline.

Values depend only on a resource's type, name and inputs, so plans diff cleanly. Each target kind
brings the fakes of its cloud (kind.py), the platform layer those of Kubernetes; offline synthesis
(stacks/synth.py) answers Pulumi's mocks from them. Pure Python: nothing here imports a provider SDK.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


class FakeContext:
    """Where the fake cloud is: the target's region, zone and project, and the target's spec for
    data sources that describe what the spec names (an existing network)."""

    def __init__(self, region: str = "", zone: str = "", project: str = "", spec: Any = None) -> None:
        self.region, self.zone, self.project, self.spec = region, zone, project, spec


# (type token, resource name, inputs, where) -> outputs the provider computes for every resource
ProviderFn = Callable[[str, str, dict[str, Any], FakeContext], dict[str, Any]]
# (resource name, inputs, where) -> outputs the cloud computes for one resource type
ComputedFn = Callable[[str, dict[str, Any], FakeContext], dict[str, Any]]
# (invoke arguments, where) -> what the data source returns
InvokeFn = Callable[[dict[str, Any], FakeContext], dict[str, Any]]


@dataclass(frozen=True)
class CloudFakes:
    """The fakes of one provider: outputs every resource gets, per-type outputs, data sources."""

    provider: str | None = None  # type-token prefix, e.g. "aws"
    # where a target of the kind is (its region, zone, project)
    locate: Callable[[Any], FakeContext] = lambda target: FakeContext(region=target.location)
    every_resource: ProviderFn | None = None
    types: dict[str, ComputedFn] = field(default_factory=dict)
    invokes: dict[str, InvokeFn] = field(default_factory=dict)


NO_FAKES = CloudFakes()


class InvokeFailure(Exception):
    """A fake data source's refusal, answered the way the engine answers a failed invoke (the
    program sees `invoke of <token> failed: <reason>`), e.g. an IAM role that does not exist."""


def short_hash(*parts: str) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:12]


def module_and_kind(type_token: str) -> tuple[str, str, str]:
    """'aws:ec2/vpc:Vpc' -> ('aws', 'ec2', 'Vpc')."""
    provider, _, rest = type_token.partition(":")
    module, _, kind = rest.partition(":")
    return provider, module.split("/")[0], kind
