"""Test helper: run a small Pulumi program under mocks and keep what the engine would receive."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pulumi
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import settings
from pulumi.runtime.stack import run_pulumi_func


class _Mocks(pulumi.runtime.Mocks):
    def new_resource(self, args):
        return f"{args.name}-id", {**args.inputs, "arn": f"arn:aws:test::{args.name}"}

    def call(self, args):
        return {}


def register(program: Callable[[], None]) -> dict[str, dict]:
    """{"type::name": {urn, parent, aliases: [(type, parent URN)]}} of every resource the program
    registers, URNs as Pulumi's mocks form them."""
    seen: dict[str, dict] = {}

    class Monitor(pulumi_mocks.MockMonitor):
        def RegisterResource(self, request):  # noqa: N802 (gRPC method name)
            aliases = [(a.spec.type, a.spec.parentUrn) for a in request.aliases]
            response = super().RegisterResource(request)
            seen[f"{request.type}::{request.name}"] = {
                "urn": response.urn,
                "parent": request.parent,
                "aliases": aliases,
            }
            return response

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
