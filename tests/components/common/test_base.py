"""A renamed component tells the engine its former type, so deployed stacks keep their state."""

from __future__ import annotations

import asyncio

import pulumi
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import settings
from pulumi.runtime.stack import run_pulumi_func

from ailz.components.common.base import AilzComponent


class _Mocks(pulumi.runtime.Mocks):
    def new_resource(self, args):
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args):
        return {}


def _registered_aliases(program) -> dict[str, list[str]]:
    """type -> the alias specs its registration carried, as the engine receives them."""
    seen: dict[str, list[str]] = {}

    class Monitor(pulumi_mocks.MockMonitor):
        def RegisterResource(self, request):  # noqa: N802 (gRPC method name)
            seen[request.type] = [str(alias.spec.type) for alias in request.aliases]
            return super().RegisterResource(request)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        settings.reset_options()
        mocks = _Mocks()
        pulumi.runtime.set_mocks(mocks, project="ailz", stack="s", preview=False, monitor=Monitor(mocks))
        loop.run_until_complete(run_pulumi_func(program))
    finally:
        settings.reset_options()
        asyncio.set_event_loop(None)
        loop.close()
    return seen


def test_formerly_sends_an_alias_to_the_old_type_under_the_same_parent():
    def program():
        zone = AilzComponent("gcp", "LandingZone", "lz", "targets[0]")
        AilzComponent(
            "gcp", "Network", "net", "targets[0].network",
            opts=pulumi.ResourceOptions(parent=zone), formerly="PrimaryNetwork",
        )  # fmt: skip

    seen = _registered_aliases(program)
    assert seen["ailz:gcp:Network"] == ["ailz:gcp:PrimaryNetwork"]
    assert seen["ailz:gcp:LandingZone"] == []
