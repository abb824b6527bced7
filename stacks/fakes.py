"""Answers Pulumi's mocks during offline synthesis from the fakes of the clouds a target uses.

The fakes themselves live with what they fake: each kind's `fakes.py` (registered in its kind.py)
and the platform layer's for Kubernetes.
"""

from __future__ import annotations

from typing import Any

from ailz.components.common.fakes import CloudFakes, FakeContext, short_hash


def fake_id(type_token: str, name: str) -> str:
    return f"{name}-{short_hash(type_token, name)[:8]}"


def computed_outputs(
    type_token: str, name: str, inputs: dict[str, Any], ctx: FakeContext, clouds: list[CloudFakes]
) -> dict[str, Any]:
    """What the provider fills in for every resource of its own, then what this type adds."""
    provider = type_token.split(":", 1)[0]
    out: dict[str, Any] = {}
    for cloud in clouds:
        if cloud.provider == provider and cloud.every_resource and not type_token.startswith("pulumi:"):
            out.update(cloud.every_resource(type_token, name, inputs, ctx))
    for cloud in clouds:
        if type_token in cloud.types:
            out.update(cloud.types[type_token](name, inputs, ctx))
    return out


def invoke(token: str, args: dict[str, Any], ctx: FakeContext, clouds: list[CloudFakes]) -> dict[str, Any]:
    """What the data source returns; an invoke no cloud fakes returns {} (Pulumi's mock default)."""
    for cloud in clouds:
        if token in cloud.invokes:
            return cloud.invokes[token](args, ctx)
    return {}
