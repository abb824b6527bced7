"""Deploying targets: policy gate before `up`, override recording, progress, Ctrl-C, outputs.

Plain Python around the engine interface in deploy/engine.py, so it is tested with a fake engine.
"""

from __future__ import annotations

import contextlib
import signal
import socket
import threading
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

import yaml

from ailz.catalog import Catalog, load_catalog
from ailz.components.kinds import KINDS
from ailz.deploy.backend import DeploySettings
from ailz.deploy.engine import (
    PULUMI_INSTALL_HINT,
    DeployError,
    OpenStack,
    StackEngine,
    StackOutput,
    StackRequest,
    explain_failure,
    is_command_error,
)
from ailz.deploy.events import EventTally
from ailz.spec.loader import LoadedSpec
from ailz.stacks.program import INFRA, PLATFORM, STAGES, stack_name, target_program

OVERRIDE_TAG = "ailz:override"
SECRET_MASK = "[secret]"


def stack_config(target: Any) -> dict[str, str]:
    """Provider config for the stack. The components pass explicit providers for resources; this
    also points default providers (used by any invoke without an explicit provider) at the same
    region/project, so nothing can land outside the target's location."""
    return KINDS[target.kind].stack_config(target)


def stack_request(
    loaded: LoadedSpec,
    target_name: str,
    settings: DeploySettings,
    catalog: Catalog | None = None,
    create: bool = True,
    stage: str = INFRA,
    infra_outputs: dict[str, Any] | None = None,
) -> StackRequest:
    """The stack of one stage of a target. The platform program is built from the infrastructure
    stack's outputs; a destroy never runs it, so it may go without them."""
    zone = loaded.zone
    index = zone.target_index(target_name)
    if stage == PLATFORM and infra_outputs is None:
        infra_outputs = {}
    return StackRequest(
        stack=stack_name(zone, target_name, stage),
        # exactly the program offline synthesis runs
        program=target_program(zone, index, catalog or load_catalog(), stage, infra_outputs),
        settings=settings,
        config=stack_config(zone.targets[index]) if stage == INFRA else {},
        create=create,
    )


# --------------------------------------------------------------------------- running an operation


@dataclass
class RunResult:
    stack: str
    operation: str
    tally: EventTally
    error: DeployError | None = None
    interrupted: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None and not self.interrupted


@contextlib.contextmanager
def cancel_on_interrupt(engine: StackEngine) -> Iterator[dict[str, bool]]:
    """First Ctrl-C (or SIGTERM, as CI sends on cancel) asks the engine to cancel cleanly, letting
    in-flight steps finish; a second one stops waiting.

    The Pulumi CLI shares our terminal's process group, so it receives the same SIGINT and stops
    scheduling new steps; stack.cancel() also stops it on backends that support remote cancel.
    """
    state = {"interrupted": False}
    if threading.current_thread() is not threading.main_thread():
        yield state
        return

    def handler(signum: int, frame: Any) -> None:
        if state["interrupted"]:
            raise KeyboardInterrupt
        state["interrupted"] = True

        def cancel() -> None:
            # nothing running yet, or the backend cannot cancel remotely
            with contextlib.suppress(Exception):
                engine.cancel()

        threading.Thread(target=cancel, daemon=True).start()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield state
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def run_operation(
    engine: StackEngine,
    operation: str,
    on_event: Any,
    backend_url: str,
    message: str | None = None,
) -> RunResult:
    """Run preview/up/destroy with progress, Ctrl-C cancellation and failures explained.

    `on_event` is a progress object (PlainProgress/LiveProgress): a context manager that is also
    the event callback and holds the tally.
    """
    result = RunResult(stack=engine.name, operation=operation, tally=on_event.tally)
    with cancel_on_interrupt(engine) as state, on_event:
        try:
            if operation == "preview":
                engine.preview(on_event)
            elif operation == "up":
                engine.up(on_event, message=message)
            elif operation == "destroy":
                engine.destroy(on_event, message=message)
            else:
                raise ValueError(f"unknown operation {operation}")
        except DeployError as error:
            result.error = error
        except FileNotFoundError as error:
            result.error = DeployError(f"cannot run the Pulumi CLI: {error}", PULUMI_INSTALL_HINT, 2)
        except Exception as error:  # CommandError from the CLI: explain it with what the events said
            if not is_command_error(error):
                raise
            detail = "\n".join(d.message for d in result.tally.errors) or None
            result.error = explain_failure(str(error), engine.name, backend_url, detail)
        except KeyboardInterrupt:  # a second Ctrl-C: stop waiting for the engine
            state["interrupted"] = True
        result.interrupted = state["interrupted"]
    return result


# --------------------------------------------------------------------------- the policy gate


GateFn = Callable[..., Any]


def load_gate() -> GateFn:
    """The policy gate; refusing to apply without it is safer than applying ungated."""
    try:
        from ailz.policies.gate import gate
    except ImportError as error:
        raise DeployError(
            f"the policy gate (ailz.policies.gate) cannot be imported: {error}",
            "reinstall ailz with its policies package; `ailz up` never applies without the gate",
            2,
        ) from None
    return gate


@dataclass
class GateDecision:
    result: Any
    override: str | None

    @property
    def passed(self) -> bool:
        return bool(self.result.passed)

    @property
    def allowed(self) -> bool:
        return self.passed or bool(self.override)

    @property
    def overridden(self) -> bool:
        return not self.passed and bool(self.override)


def check_gate(
    loaded: LoadedSpec,
    target_name: str,
    gate_fn: GateFn,
    override: str | None = None,
    profile: str | None = None,
    config: str | None = None,
    waivers: str | None = None,
    synthesize: Callable[..., Any] | None = None,
) -> GateDecision:
    """Synthesize the target offline and run the gate on that plan, as `ailz policy check` does."""
    from ailz.stacks.synth import SynthesisError

    if synthesize is None:
        from ailz.stacks.synth import synthesize
    try:
        plan = synthesize(loaded, targets=[target_name])
    except SynthesisError as error:
        cause = f" ({type(error.__cause__).__name__}: {error.__cause__})" if error.__cause__ else ""
        raise DeployError(
            f"cannot gate {target_name}, its plan does not synthesize: {error}{cause}",
            f"run `ailz plan {loaded.file} --target {target_name}` to see the problem",
            1,
        ) from None
    try:
        result = gate_fn(plan, profile=profile, config=config, waivers=waivers)
    except Exception as error:  # a bad profile/config/waivers file: nothing is applied ungated
        raise DeployError(
            f"the policy gate could not run: {type(error).__name__}: {error}",
            "check --policy-profile, --policy-config and --waivers",
            2,
        ) from None
    return GateDecision(result=result, override=(override or "").strip() or None)


def override_message(decision: GateDecision) -> str:
    ids = sorted({_finding_id(f) for f in decision.result.blocking})
    return f"policy gate overridden ({len(decision.result.blocking)} blocking: {', '.join(ids)}): " + (
        decision.override or ""
    )


def _finding_id(finding: Any) -> str:
    for attr in ("policy", "rule", "id", "name"):
        value = getattr(finding, attr, None)
        if isinstance(value, str) and value:
            return value
        if value is not None and isinstance(getattr(value, "name", None), str):
            return value.name
    if isinstance(finding, Mapping):
        return str(finding.get("policy") or finding.get("rule") or finding.get("id") or "finding")
    return "finding"


def record_override(engine: StackEngine, decision: GateDecision) -> str | None:
    """Tag the stack with the override reason; returns a warning if the backend refused the tag.

    The reason is also the update message, which every backend keeps in the stack history.
    """
    try:
        engine.set_tag(OVERRIDE_TAG, (decision.override or "")[:256])
    except Exception as error:
        return f"could not tag the stack with {OVERRIDE_TAG} ({error}); the reason is in the update message"
    return None


# --------------------------------------------------------------------------- outputs


def masked_outputs(outputs: Mapping[str, StackOutput], show_secrets: bool = False) -> dict[str, Any]:
    return {
        key: (out.value if show_secrets or not out.secret else SECRET_MASK)
        for key, out in sorted(outputs.items())
    }


# --------------------------------------------------------------------------- the commands' flow


def tcp_reach(host: str, port: int, timeout: float = 5.0) -> None:
    """Open and close a TCP connection; raises OSError when nothing answers."""
    with socket.create_connection((host, port), timeout=timeout):
        pass


ProgressFactory = Callable[[str, str], Any]  # (operation, stack) -> PlainProgress-like


@dataclass
class Session:
    """One command on one target: the spec, where its state lives and how to reach the engine."""

    loaded: LoadedSpec
    target: str
    settings: DeploySettings
    open_stack: OpenStack
    progress: ProgressFactory
    catalog: Catalog | None = None
    # how the platform stage checks that the cluster's API answers (a TCP connection)
    reach: Callable[[str, int], None] = tcp_reach

    def request(
        self, create: bool = True, stage: str = INFRA, infra_outputs: dict[str, Any] | None = None
    ) -> StackRequest:
        return stack_request(
            self.loaded, self.target, self.settings, self.catalog, create, stage, infra_outputs
        )

    def open(
        self, create: bool = True, stage: str = INFRA, infra_outputs: dict[str, Any] | None = None
    ) -> StackEngine:
        return self.open_stack(self.request(create, stage, infra_outputs))

    def outputs(self, stage: str = INFRA) -> tuple[str, dict[str, StackOutput]]:
        """(stack name, outputs) of an existing stack; engine failures explained."""
        engine = self.open(create=False, stage=stage)
        try:
            return engine.name, engine.outputs()
        except DeployError:
            raise
        except Exception as error:
            if is_command_error(error):
                raise explain_failure(str(error), engine.name, self.settings.backend_url) from None
            raise

    def infra_outputs(self) -> dict[str, Any]:
        """The infrastructure stack's outputs, which the platform stack is built from."""
        name, outputs = self.outputs(INFRA)
        if not outputs:
            raise DeployError(
                f"the infrastructure stack {name} has no outputs: it is not deployed",
                f"apply it first: ailz up {self.loaded.file} --target {self.target} --stage infra",
                2,
            )
        return {key: out.value for key, out in outputs.items()}

    def run(self, engine: StackEngine, operation: str, message: str | None = None) -> RunResult:
        progress = self.progress(operation, engine.name)
        return run_operation(engine, operation, progress, self.settings.backend_url, message)


def api_server(kubeconfig: str) -> tuple[str, int] | None:
    """(host, port) of the API server a kubeconfig names (its current context's cluster)."""
    try:
        config = yaml.safe_load(kubeconfig) or {}
        clusters = {c["name"]: c["cluster"] for c in config.get("clusters") or []}
        contexts = {c["name"]: c["context"] for c in config.get("contexts") or []}
        current = contexts.get(config.get("current-context"), {}).get("cluster")
        server = (clusters.get(current) or next(iter(clusters.values()), {})).get("server")
    except (yaml.YAMLError, AttributeError, KeyError, TypeError):
        return None
    url = urlparse(server or "")
    return (url.hostname, url.port or 443) if url.hostname else None


def check_api_reachable(session: Session, infra: dict[str, Any]) -> None:
    """Before the platform stage touches anything: can this machine reach the cluster's API? A
    private endpoint answers only from its network and the connected ones (docs/deploy.md)."""
    kubeconfig = infra.get("kubeconfig")
    server = api_server(str(kubeconfig)) if kubeconfig else None
    if server is None:
        return  # an existing cluster reached through the spec's own kubeconfig context
    host, port = server
    if urllib.request.getproxies().get("https") and not urllib.request.proxy_bypass(host):
        return  # the Kubernetes client goes through the proxy: a direct connection proves nothing
    try:
        session.reach(host, port)
    except OSError as error:
        target = session.loaded.zone.target(session.target)
        raise DeployError(
            f"the Kubernetes API of {session.target} ({host}:{port}) is not reachable from here: "
            f"{error.strerror or error}; nothing in the platform stack was touched",
            KINDS[target.kind].api_access_hint,
            2,
        ) from None


@dataclass
class StageRun:
    """One stage's stack in an `ailz up`: its preview (when asked) and its update."""

    stage: str
    preview: RunResult | None = None
    result: RunResult | None = None
    declined: bool = False


@dataclass
class UpReport:
    decision: GateDecision
    runs: list[StageRun] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def blocked(self) -> bool:
        return not self.decision.allowed

    @property
    def declined(self) -> bool:
        return any(run.declined for run in self.runs)

    @property
    def ok(self) -> bool:
        return bool(self.runs) and all(run.result is not None and run.result.ok for run in self.runs)

    @property
    def result(self) -> RunResult | None:
        """The last stage's update (None when a stage stopped before updating)."""
        return self.runs[-1].result if self.runs else None


def up_target(
    session: Session,
    gate_fn: GateFn,
    override: str | None = None,
    confirm: Callable[[RunResult], bool] | None = None,
    gate_options: Mapping[str, str | None] | None = None,
    synthesize: Callable[..., Any] | None = None,
    on_gate: Callable[[GateDecision], None] | None = None,
    stages: tuple[str, ...] = STAGES,
    recreate_in_cluster: bool = False,
) -> UpReport:
    """Gate both stacks of the target once, then apply the stages in order: the infrastructure
    stack, then the platform stack built from its outputs. Each stage is previewed and confirmed
    first unless `confirm` is None (--yes); a stage that fails or is declined stops the rest."""
    decision = check_gate(
        session.loaded, session.target, gate_fn, override, synthesize=synthesize, **(gate_options or {})
    )
    report = UpReport(decision=decision)
    if on_gate is not None:
        on_gate(decision)
    if not decision.allowed:
        return report
    for stage in STAGES:
        if stage not in stages:
            continue
        run = StageRun(stage)
        report.runs.append(run)
        infra = None
        if stage == PLATFORM:
            infra = session.infra_outputs()
            check_api_reachable(session, infra)
        engine = session.open(create=True, stage=stage, infra_outputs=infra)
        if stage == INFRA and not recreate_in_cluster:
            _refuse_deleting_what_the_platform_now_holds(engine)
        if confirm is not None:
            run.preview = session.run(engine, "preview")
            if not run.preview.ok or not confirm(run.preview):
                run.declined = run.preview.ok
                return report
        message = f"ailz up {session.loaded.file} --target {session.target} --stage {stage}"
        if decision.overridden:
            message += f"; {override_message(decision)}"
            warning = record_override(engine, decision)
            if warning:
                report.warnings.append(warning)
        run.result = session.run(engine, "up", message=message)
        if not run.result.ok:
            return report
    return report


def preview_target(session: Session, stages: tuple[str, ...] = STAGES) -> tuple[list[RunResult], list[str]]:
    """Preview each stage; the platform stage only once the infrastructure stack has outputs to
    build it from (before that, `ailz up` previews it after applying the infrastructure)."""
    results: list[RunResult] = []
    notes: list[str] = []
    for stage in STAGES:
        if stage not in stages:
            continue
        infra = None
        if stage == PLATFORM:
            try:
                infra = session.infra_outputs()
            except DeployError as error:
                notes.append(f"platform stage not previewed: {error}")
                continue
        results.append(session.run(session.open(create=True, stage=stage, infra_outputs=infra), "preview"))
        if not results[-1].ok:
            break
    return results, notes


def destroy_target(
    session: Session, confirm: Callable[[str], bool] | None = None, stages: tuple[str, ...] = STAGES
) -> list[RunResult] | None:
    """Destroy the platform stack, then the infrastructure stack (the reverse of `up`); None when
    the user declined. A platform stack that was never created is skipped."""
    if PLATFORM not in stages:
        _refuse_orphaning_the_platform(session)
    results: list[RunResult] = []
    for stage in reversed(STAGES):
        if stage not in stages:
            continue
        try:
            engine = session.open(create=False, stage=stage)
        except DeployError as error:
            if stage == PLATFORM and "does not exist" in str(error) and INFRA in stages:
                continue  # infrastructure applied, platform never: nothing in the cluster to remove
            raise
        if confirm is not None and not confirm(engine.name):
            return None
        results.append(
            session.run(
                engine,
                "destroy",
                message=f"ailz destroy {session.loaded.file} --target {session.target} --stage {stage}",
            )
        )
        if not results[-1].ok:
            break
    return results


def _refuse_deleting_what_the_platform_now_holds(engine: StackEngine) -> None:
    """A stack deployed before the infrastructure and the in-cluster layer were two stacks still
    holds Kubernetes resources; applying the infrastructure program would delete them (the platform
    stack then creates them again)."""
    in_cluster = [t for t in engine.resource_types() if t.startswith("kubernetes:")]
    if in_cluster:
        raise DeployError(
            f"{engine.name} still holds {len(in_cluster)} Kubernetes resources from before the platform "
            "had its own stack; applying it would delete them (team namespaces and their workloads "
            "included) before the platform stack creates them again",
            "plan a window and pass --recreate-in-cluster to accept that, or move them yourself "
            "(docs/deploy.md, 'Stacks deployed before the split')",
            2,
        )


def _refuse_orphaning_the_platform(session: Session) -> None:
    """Destroying the infrastructure under a platform stack that still holds resources would leave
    them in a state no later destroy can reach (the cluster is gone)."""
    try:
        platform = session.open(create=False, stage=PLATFORM)
    except DeployError as error:
        if "does not exist" in str(error):
            return
        raise
    held = len(platform.resource_types())
    if held:
        raise DeployError(
            f"the platform stack {platform.name} still holds {held} resources in the cluster",
            f"destroy it first (ailz destroy {session.loaded.file} --target {session.target} --stage "
            "platform), or destroy both stages in order without --stage",
            2,
        )


def target_outputs(session: Session, show_secrets: bool = False, stage: str = INFRA) -> dict[str, Any]:
    _, outputs = session.outputs(stage)
    return masked_outputs(outputs, show_secrets)


def target_kubeconfig(session: Session) -> str:
    """The kubeconfig the target's stack exported (exec-credential plugins, no static secret)."""
    name, outputs = session.outputs(INFRA)
    kubeconfig = outputs.get("kubeconfig")
    if kubeconfig is None or not kubeconfig.value:
        raise DeployError(
            f"stack {name} has no kubeconfig output",
            f"deploy it first: ailz up <spec> --target {session.target}",
            2,
        )
    return str(kubeconfig.value)
