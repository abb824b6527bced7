"""Test helper: run a small Pulumi program under mocks and keep what the engine would receive."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pulumi
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import settings
from pulumi.runtime.stack import run_pulumi_func


class _Mocks(pulumi.runtime.Mocks):
    def __init__(self, call: Callable | None = None) -> None:
        self._call = call

    def new_resource(self, args):
        return f"{args.name}-id", {**args.inputs, "arn": f"arn:aws:test::{args.name}"}

    def call(self, args):
        return self._call(args) if self._call else {}


def register(program: Callable[[], None], call: Callable | None = None) -> dict[str, dict]:
    """{"type::name": {urn, parent, aliases: [(type, parent URN)], retain_on_delete, import_id}} of
    every resource the program registers, URNs as Pulumi's mocks form them. `call` answers invokes
    (MockCallArgs -> outputs, or (outputs, failures)); default: every lookup finds an empty result."""
    seen: dict[str, dict] = {}

    class Monitor(pulumi_mocks.MockMonitor):
        def RegisterResource(self, request):  # noqa: N802 (gRPC method name)
            aliases = [(a.spec.type, a.spec.parentUrn) for a in request.aliases]
            response = super().RegisterResource(request)
            seen[f"{request.type}::{request.name}"] = {
                "urn": response.urn,
                "parent": request.parent,
                "aliases": aliases,
                "retain_on_delete": bool(request.retainOnDelete),
                "import_id": request.importId or None,
            }
            return response

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        settings.reset_options()
        mocks = _Mocks(call)
        pulumi.runtime.set_mocks(mocks, project="ailz", stack="s", preview=False, monitor=Monitor(mocks))
        loop.run_until_complete(run_pulumi_func(program))
    finally:
        settings.reset_options()
        asyncio.set_event_loop(None)
        loop.close()
    return seen
