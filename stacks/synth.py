"""Offline synthesis: run the real target programs under Pulumi's mocks and capture a Plan."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import Any

from ailz.catalog import Catalog, load_catalog
from ailz.components.common.fakes import InvokeFailure
from ailz.components.kinds import KINDS
from ailz.components.platform.fakes import KUBERNETES_FAKES
from ailz.spec.loader import LoadedSpec
from ailz.spec.zone import LandingZone
from ailz.stacks.fakes import computed_outputs, fake_id, invoke
from ailz.stacks.plan import Plan, PlanResource, PlanTarget, zone_context
from ailz.stacks.program import INFRA, PLATFORM, PROJECT, stack_name, target_program

_SPEC_INDEX = re.compile(r"\[(\d+)\]")


class SynthesisError(Exception):
    """The program failed under offline synthesis: a bug in ailz or a spec it cannot build."""


def _spec_parts(spec_path: str) -> tuple[str | int, ...]:
    parts: list[str | int] = []
    for chunk in spec_path.split("."):
        name = chunk.split("[", 1)[0]
        if name:
            parts.append(name)
        parts.extend(int(i) for i in _SPEC_INDEX.findall(chunk))
    return tuple(parts)


def _run_target(
    zone: LandingZone,
    index: int,
    catalog: Catalog,
    stage: str = INFRA,
    infra_outputs: dict[str, Any] | None = None,
) -> tuple[list[dict], dict]:
    """(registrations, exports) of one stack of zone.targets[index] under Pulumi's mocks."""
    import pulumi
    from pulumi.runtime import mocks as pulumi_mocks
    from pulumi.runtime import rpc, settings
    from pulumi.runtime.stack import run_pulumi_func

    target = zone.targets[index]
    kind_fakes = KINDS[target.kind].fakes
    fake = kind_fakes.locate(target)
    clouds = [kind_fakes, KUBERNETES_FAKES]

    class Mocks(pulumi.runtime.Mocks):
        def new_resource(self, args: pulumi.runtime.MockResourceArgs):
            if not args.custom:
                return None, dict(args.inputs)
            computed = computed_outputs(args.typ, args.name, args.inputs, fake, clouds)
            return fake_id(args.typ, args.name), {**args.inputs, **computed}

        def call(self, args: pulumi.runtime.MockCallArgs):
            try:
                return invoke(args.token, args.args, fake, clouds)
            except InvokeFailure as failure:  # as the engine reports a failed invoke
                return {}, [("", str(failure))]

    class Monitor(pulumi_mocks.MockMonitor):
        """Records what the engine would see: parent, dependencies and the raw inputs."""

        def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
            super().__init__(mocks)
            self.registrations: list[dict] = []

        def RegisterResource(self, request):  # noqa: N802 (gRPC method name)
            response = super().RegisterResource(request)
            if request.type == "pulumi:pulumi:Stack":
                return response
            inputs = rpc.deserialize_properties(request.object)
            self.registrations.append(
                {
                    "type": request.type,
                    "name": request.name,
                    "urn": response.urn,
                    "parent": request.parent or None,
                    "custom": bool(request.custom),
                    "provider": request.provider or None,
                    "dependencies": sorted(set(request.dependencies)),
                    "property_dependencies": {
                        key: sorted(set(value.urns))
                        for key, value in request.propertyDependencies.items()
                        if value.urns
                    },
                    "inputs": _plain(inputs),
                    "options": _options(request),
                    # (type, parent URN) of each alias: what lets a renamed or moved resource keep
                    # its state; checked in tests, not part of the plan format
                    "aliases": [(alias.spec.type, alias.spec.parentUrn) for alias in request.aliases],
                }
            )
            return response

    exports: dict[str, Any] = {}
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    policy, created = asyncio.get_event_loop_policy(), []
    make_loop = policy.new_event_loop

    def tracked_loop() -> asyncio.AbstractEventLoop:
        """The SDK makes event loops of its own on worker threads and leaves them open; they are
        closed below, or their finalizers print errors when the process exits."""
        made = make_loop()
        created.append(made)
        return made

    policy.new_event_loop = tracked_loop  # type: ignore[method-assign]
    try:
        settings.reset_options()
        mocks = Mocks()
        monitor = Monitor(mocks)
        pulumi.runtime.set_mocks(
            mocks, project=PROJECT, stack=stack_name(zone, target.name, stage), preview=False, monitor=monitor
        )
        program = target_program(zone, index, catalog, stage, infra_outputs)
        loop.run_until_complete(run_pulumi_func(program))
        exports = _stack_outputs(loop)
    except SynthesisError:
        raise
    except Exception as err:  # surfaced with the target's name; the cause stays chained
        raise SynthesisError(f"synthesis of target '{target.name}' ({stage}) failed: {err}") from err
    finally:
        settings.reset_options()
        asyncio.set_event_loop(None)
        loop.close()
        policy.new_event_loop = make_loop  # type: ignore[method-assign]
        for extra in created:
            if not extra.is_running() and not extra.is_closed():
                extra.close()
    return _stable_order(monitor.registrations), exports


def _options(request) -> dict[str, Any]:
    """The resource options of a registration that differ from the engine's defaults."""
    timeouts = request.customTimeouts
    found: dict[str, Any] = {
        "protect": request.protect,
        "retain_on_delete": request.retainOnDelete,
        "delete_before_replace": request.deleteBeforeReplace,
        "ignore_changes": sorted(request.ignoreChanges),
        "replace_on_changes": sorted(request.replaceOnChanges),
        "additional_secret_outputs": sorted(request.additionalSecretOutputs),
        "custom_timeouts": {
            name: getattr(timeouts, name)
            for name in ("create", "update", "delete")
            if getattr(timeouts, name)
        },
    }
    return {key: value for key, value in found.items() if value}


def _stable_order(registrations: list[dict]) -> list[dict]:
    """Mocked registrations arrive in thread-pool order; plans list parents first, then by URN."""
    children: dict[str | None, list[dict]] = {}
    urns = {reg["urn"] for reg in registrations}
    for reg in registrations:
        parent = reg["parent"] if reg["parent"] in urns else None
        children.setdefault(parent, []).append(reg)
    ordered: list[dict] = []
    stack = sorted(children.get(None, []), key=lambda r: r["urn"], reverse=True)
    while stack:
        reg = stack.pop()
        ordered.append(reg)
        stack.extend(sorted(children.get(reg["urn"], []), key=lambda r: r["urn"], reverse=True))
    return ordered


def _stack_outputs(loop: asyncio.AbstractEventLoop) -> dict[str, Any]:
    from pulumi.runtime.settings import get_root_resource

    root = get_root_resource()
    outputs = getattr(root, "outputs", None) or {}
    resolved: dict[str, Any] = {}
    for key, value in outputs.items():
        future = getattr(value, "future", None)
        resolved[key] = loop.run_until_complete(future()) if future else value
    return _plain(resolved)


def _plain(value: Any) -> Any:
    """Make deserialized Pulumi values JSON-friendly (resource refs become URNs)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    urn = getattr(value, "urn", None)
    if urn is not None:
        return f"<resource {getattr(value, '_name', '')}>"
    return str(value)


def synthesize(
    loaded: LoadedSpec,
    targets: list[str] | None = None,
    catalog: Catalog | None = None,
    on_progress: Callable[[str], None] | None = None,
) -> Plan:
    """Plan every (or the chosen) target of a validated spec, offline; `on_progress` hears which
    target and stack is being synthesized (a large zone takes seconds to minutes)."""
    zone = loaded.zone
    catalog = catalog or load_catalog()
    wanted = targets if targets else [t.name for t in zone.targets]
    report = on_progress or (lambda text: None)
    count = sum(1 for t in zone.targets if t.name in wanted)
    plan_targets: list[PlanTarget] = []
    resources: list[PlanResource] = []
    for index, target in enumerate(zone.targets):
        if target.name not in wanted:
            continue
        # the platform stack is built from the infrastructure stack's outputs, as the deploy flow does
        done = len(plan_targets)
        report(f"synthesizing {target.name} ({done + 1}/{count}): infrastructure stack")
        registrations, exports = _run_target(zone, index, catalog, INFRA)
        report(f"synthesizing {target.name} ({done + 1}/{count}): platform stack")
        platform, platform_exports = _run_target(zone, index, catalog, PLATFORM, exports)
        infra_stack, platform_stack = stack_name(zone, target.name), stack_name(zone, target.name, PLATFORM)
        plan_targets.append(
            PlanTarget(
                name=target.name,
                kind=target.kind,
                stack=infra_stack,
                location=target.location,
                outputs=exports,
                platform_stack=platform_stack,
                platform_outputs=platform_exports,
            )
        )
        resources.extend(_to_resources(registrations, target.name, loaded, infra_stack))
        resources.extend(_to_resources(platform, target.name, loaded, platform_stack))
    return Plan(
        zone=zone.name,
        spec_file=loaded.file,
        targets=plan_targets,
        resources=resources,
        context=zone_context(zone),
    )


def _to_resources(
    registrations: list[dict], target: str, loaded: LoadedSpec, stack: str
) -> list[PlanResource]:
    spec_paths: dict[str, str | None] = {}
    out: list[PlanResource] = []
    for reg in registrations:
        own = reg["inputs"].get("specPath") if not reg["custom"] else None
        spec_path = own or spec_paths.get(reg["parent"] or "")
        spec_paths[reg["urn"]] = spec_path
        source = None
        if spec_path:
            line = loaded.line_of(_spec_parts(spec_path))
            source = {"file": loaded.file, "line": line, "path": spec_path}
        fields = {key: value for key, value in reg.items() if key != "aliases"}
        out.append(PlanResource(target=target, stack=stack, spec_path=spec_path, source=source, **fields))
    return out
