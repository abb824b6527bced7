"""Offline synthesis: run the real target programs under Pulumi's mocks and capture a Plan."""

from __future__ import annotations

import asyncio
import gc
import re
import threading
import traceback
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
from ailz.stacks.workers import NoPool, WorkerDied, plan_workers, run_forked

# Allocations between young-generation collections while a stack is synthesized (CPython's default
# is 700): registrations make many short-lived futures, few of them in cycles.
GC_YOUNG_THRESHOLD = 50_000
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
    from pulumi.runtime import resource as sdk_resource
    from pulumi.runtime import settings
    from pulumi.runtime.stack import run_pulumi_func

    target = zone.targets[index]
    kind_fakes = KINDS[target.kind].fakes
    fake = kind_fakes.locate(target)
    clouds = [kind_fakes, KUBERNETES_FAKES]

    seen = threading.local()  # the inputs the monitor just deserialized, on its own thread

    class Mocks(pulumi.runtime.Mocks):
        def new_resource(self, args: pulumi.runtime.MockResourceArgs):
            seen.inputs = args.inputs
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
            inputs = seen.inputs  # deserialized once, by the mock monitor for new_resource
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
    # Registrations allocate many short-lived futures, few in cycles: the cyclic collector runs
    # less often while a stack is synthesized (a third less time, the same peak memory).
    thresholds = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, *thresholds[1:])
    # The SDK walks the whole Python stack of every registration for the engine's source positions;
    # offline plans carry spec paths instead, and ailz's nested components make those stacks deep.
    stack_trace = getattr(sdk_resource, "_get_stack_trace", None)
    if stack_trace is not None:
        sdk_resource._get_stack_trace = _no_stack_trace
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
    except Exception as err:  # surfaced with the target's name and the first failure's own words
        # the same failure waits in every output that depended on it: reported once, here
        loop.set_exception_handler(lambda _loop, _context: None)
        raise SynthesisError(
            f"synthesis of target '{target.name}' ({stage}) failed: {_first_failure(err)}"
        ) from err
    finally:
        try:
            # a failed program leaves registrations waiting on the failure: end them before the loop
            pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
            for task in pending:
                task.cancel()
            if pending:
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            settings.reset_options()
            loop.run_until_complete(loop.shutdown_default_executor())
        finally:
            asyncio.set_event_loop(None)
            loop.close()
            policy.new_event_loop = make_loop  # type: ignore[method-assign]
            if stack_trace is not None:
                sdk_resource._get_stack_trace = stack_trace
            gc.set_threshold(*thresholds)
            for extra in created:
                if not extra.is_running() and not extra.is_closed():
                    extra.close()
    return _stable_order(monitor.registrations), exports


def _no_stack_trace():
    from pulumi.runtime.proto import source_pb2

    return source_pb2.StackTrace()


def _first_failure(err: BaseException) -> BaseException:
    """The error that started it: the SDK wraps a failed input once per resource and input that
    waited on it (`raise ValueError("While processing ...") from e`), so the failure's own words
    are at the end of the explicit causes (an error raised while handling another is its own)."""
    seen = {id(err)}
    while (cause := err.__cause__) is not None and id(cause) not in seen:
        seen.add(id(cause))
        err = cause
    return err


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


# (zone, catalog) of each spec being synthesized; set before the workers fork, read in them
_WORK: list[tuple[LandingZone, Catalog]] = []


def _target_stacks(job: tuple[int, int], say: Callable[[str], None] = lambda stack: None) -> tuple:
    """Both stacks of one target; the platform stack is built from the infrastructure stack's
    outputs, as the deploy flow does. `say` hears which stack starts."""
    spec, index = job
    zone, catalog = _WORK[spec]
    say("infrastructure stack")
    registrations, exports = _run_target(zone, index, catalog, INFRA)
    say("platform stack")
    platform, platform_exports = _run_target(zone, index, catalog, PLATFORM, exports)
    return registrations, exports, platform, platform_exports


def _in_worker(job: tuple[int, int]) -> tuple | str:
    """A worker's answer: the stacks, or the failure in words (tracebacks of bugs included)."""
    try:
        return _target_stacks(job)
    except SynthesisError as error:
        return str(error)
    except Exception:  # an ailz bug: the parent reports it whole
        zone, _ = _WORK[job[0]]
        return f"synthesis of target '{zone.targets[job[1]].name}' failed:\n{traceback.format_exc()}"


def synthesize(
    loaded: LoadedSpec,
    targets: list[str] | None = None,
    catalog: Catalog | None = None,
    on_progress: Callable[[str], None] | None = None,
) -> Plan:
    """Plan every (or the chosen) target of a validated spec, offline; `on_progress` hears which
    target and stack is being synthesized (a large zone takes seconds to minutes)."""
    return synthesize_all([(loaded, targets)], catalog, on_progress)[0]


def synthesize_all(
    specs: list[tuple[LoadedSpec, list[str] | None]],
    catalog: Catalog | None = None,
    on_progress: Callable[[str], None] | None = None,
) -> list[Plan]:
    """Plans of several specs (`ailz diff` plans two), every target its own job: in parallel worker
    processes when there are several and cores to run them (plan_workers), else here. The plans
    are the same bytes either way: each target's program is independent, results are put in spec
    order."""
    catalog = catalog or load_catalog()
    report = on_progress or (lambda text: None)
    jobs = [
        (s, index)
        for s, (loaded, wanted) in enumerate(specs)
        for index, target in enumerate(loaded.zone.targets)
        if not wanted or target.name in wanted
    ]
    names = {(s, i): specs[s][0].zone.targets[i].name for s, i in jobs}
    _WORK[:] = [(loaded.zone, catalog) for loaded, _ in specs]
    results: dict[tuple[int, int], tuple] = {}
    try:
        workers = plan_workers(len(jobs))
        if workers > 1:
            report(f"synthesizing {len(jobs)} targets in {workers} processes")

            def finished(job: tuple[int, int], answer: tuple | str, done: int) -> None:
                if isinstance(answer, str):
                    raise SynthesisError(answer)
                results[job] = answer
                report(f"synthesized {names[job]} ({done}/{len(jobs)}, {workers} processes)")

            try:
                run_forked(_in_worker, jobs, workers, finished)
            except NoPool:  # no shared memory or semaphores here: this process does it all
                workers = 1
            except WorkerDied as error:
                raise SynthesisError(
                    f"a synthesis worker process ended unexpectedly ({error}); run with "
                    "AILZ_PLAN_WORKERS=1 to plan in one process"
                ) from None
        if workers == 1:
            for done, job in enumerate(jobs):
                step = f"synthesizing {names[job]} ({done + 1}/{len(jobs)})"
                results[job] = _target_stacks(job, lambda stack, step=step: report(f"{step}: {stack}"))
    finally:
        _WORK.clear()
    return [
        _plan(loaded, [(i, results[(s, i)]) for t, i in jobs if t == s])
        for s, (loaded, _) in enumerate(specs)
    ]


def _plan(loaded: LoadedSpec, targets: list[tuple[int, tuple]]) -> Plan:
    zone = loaded.zone
    plan_targets: list[PlanTarget] = []
    resources: list[PlanResource] = []
    for index, (registrations, exports, platform, platform_exports) in targets:
        target = zone.targets[index]
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
