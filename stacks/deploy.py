"""Deploying targets: one Pulumi stack per target, driven through the Automation API.

Everything that talks to the Pulumi CLI sits behind `StackEngine` (one stack) and `open_stack`
(selecting or creating it). The orchestration around it — policy gate before `up`, override
recording, Ctrl-C cancellation, turning engine failures into clear messages — is plain Python
and is tested with a fake engine.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import signal
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from ailz.catalog import Catalog, load_catalog
from ailz.stacks.backend import DeploySettings, local_state_dir
from ailz.stacks.compose import PROJECT, stack_name, target_program
from ailz.stacks.loader import LoadedSpec
from ailz.stacks.progress import EventTally

PULUMI_INSTALL_HINT = (
    "install the Pulumi CLI: https://www.pulumi.com/docs/install/ "
    "(or `curl -fsSL https://get.pulumi.com | sh`), then make sure `pulumi` is on PATH"
)
OVERRIDE_TAG = "ailz:override"
SECRET_MASK = "[secret]"


class DeployError(Exception):
    """A deploy step cannot go on; `code` is the CLI exit code (2: setup/usage, 1: failure)."""

    def __init__(self, message: str, hint: str | None = None, code: int = 1) -> None:
        super().__init__(message)
        self.hint = hint
        self.code = code


# --------------------------------------------------------------------------- the engine interface


@dataclass(frozen=True)
class StackOutput:
    value: Any
    secret: bool = False


OnEvent = Callable[[Any], None]


class StackEngine(Protocol):
    """One target's stack. The real one wraps pulumi.automation.Stack."""

    name: str

    def preview(self, on_event: OnEvent) -> None: ...

    def up(self, on_event: OnEvent, message: str | None = None) -> None: ...

    def destroy(self, on_event: OnEvent, message: str | None = None) -> None: ...

    def outputs(self) -> dict[str, StackOutput]: ...

    def cancel(self) -> None: ...

    def set_tag(self, key: str, value: str) -> None: ...


@dataclass(frozen=True)
class StackRequest:
    """What opening a target's stack needs; `create` False only selects an existing stack."""

    stack: str
    program: Callable[[], None]
    settings: DeploySettings
    config: dict[str, str] = field(default_factory=dict)
    create: bool = True


OpenStack = Callable[[StackRequest], StackEngine]


def stack_config(target: Any) -> dict[str, str]:
    """Provider config for the stack. The components pass explicit providers for resources; this
    also points default providers (used by any invoke without an explicit provider) at the same
    region/project, so nothing can land outside the target's location."""
    if target.kind == "aws":
        return {"aws:region": target.region}
    if target.kind == "gcp":
        return {"gcp:project": target.project, "gcp:region": target.region, "gcp:zone": target.zone}
    return {}


def stack_request(
    loaded: LoadedSpec,
    target_name: str,
    settings: DeploySettings,
    catalog: Catalog | None = None,
    create: bool = True,
) -> StackRequest:
    zone = loaded.zone
    index = zone.target_index(target_name)
    return StackRequest(
        stack=stack_name(zone, target_name),
        # exactly the program offline synthesis runs
        program=target_program(zone, index, catalog or load_catalog()),
        settings=settings,
        config=stack_config(zone.targets[index]),
        create=create,
    )


# --------------------------------------------------------------------------- the real engine


def pulumi_cli_path() -> str | None:
    return shutil.which("pulumi")


def require_pulumi_cli() -> str:
    path = pulumi_cli_path()
    if path is None:
        raise DeployError("the Pulumi CLI is not installed (no `pulumi` on PATH)", PULUMI_INSTALL_HINT, 2)
    return path


class AutomationStack:
    """StackEngine over pulumi.automation (imported only here, when a deploy command runs)."""

    def __init__(self, stack: Any) -> None:
        self._stack = stack
        self.name: str = stack.name

    def preview(self, on_event: OnEvent) -> None:
        self._stack.preview(on_event=on_event, color="never", suppress_progress=True)

    def up(self, on_event: OnEvent, message: str | None = None) -> None:
        self._stack.up(on_event=on_event, message=message, color="never", suppress_progress=True)

    def destroy(self, on_event: OnEvent, message: str | None = None) -> None:
        self._stack.destroy(on_event=on_event, message=message, color="never", suppress_progress=True)

    def outputs(self) -> dict[str, StackOutput]:
        return {key: StackOutput(out.value, out.secret) for key, out in self._stack.outputs().items()}

    def cancel(self) -> None:
        self._stack.cancel()

    def set_tag(self, key: str, value: str) -> None:
        self._stack.set_tag(key, value)


def open_automation_stack(request: StackRequest) -> AutomationStack:
    """Create or select the target's stack in a LocalWorkspace running the inline program."""
    require_pulumi_cli()
    from pulumi import automation as auto

    settings = request.settings
    state_dir = local_state_dir(settings.backend_url)
    if state_dir is not None:
        state_dir.mkdir(parents=True, exist_ok=True)
    settings.work_dir.mkdir(parents=True, exist_ok=True)
    opts = auto.LocalWorkspaceOptions(
        work_dir=str(settings.work_dir),
        project_settings=auto.ProjectSettings(
            name=PROJECT, runtime="python", backend=auto.ProjectBackend(settings.backend_url)
        ),
        secrets_provider=settings.secrets_provider,
        env_vars=dict(settings.env_vars),
    )
    try:
        if request.create:
            stack = auto.create_or_select_stack(request.stack, PROJECT, request.program, opts=opts)
        else:
            stack = auto.select_stack(request.stack, PROJECT, request.program, opts=opts)
        for key, value in request.config.items():
            stack.set_config(key, auto.ConfigValue(value))
    except FileNotFoundError as error:  # the CLI vanished between the check and the call
        raise DeployError(f"cannot run the Pulumi CLI: {error}", PULUMI_INSTALL_HINT, 2) from None
    except auto.errors.InvalidVersionError as error:
        raise DeployError(f"the installed Pulumi CLI is too old: {error}", PULUMI_INSTALL_HINT, 2) from None
    except auto.errors.CommandError as error:
        raise explain_failure(str(error), request.stack, settings.backend_url) from None
    return AutomationStack(stack)


# --------------------------------------------------------------------------- engine failures


@dataclass(frozen=True)
class FailureRule:
    pattern: str
    message: str
    hint: str
    code: int


# Engine and provider error texts -> what the user should do. First match wins.
FAILURE_RULES: tuple[FailureRule, ...] = (
    FailureRule(
        r"incorrect passphrase|failed to decrypt",
        "the passphrase does not decrypt this stack's secrets",
        "set PULUMI_CONFIG_PASSPHRASE to the passphrase the stack was created with",
        2,
    ),
    FailureRule(
        r"PULUMI_CONFIG_PASSPHRASE|passphrase must be set"
        r"|constructing secrets manager of type \"passphrase\"",
        "the stack's secrets are encrypted with a passphrase, and none is set",
        "export PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE) with the stack's passphrase",
        2,
    ),
    FailureRule(
        r"unable to validate AWS credentials|NoCredentialProviders|no valid credential sources"
        r"|No valid credential sources found"
        r"|failed to refresh cached credentials|unable to load AWS credentials|InvalidClientTokenId"
        r"|get identity: get credentials",
        "no usable AWS credentials",
        "configure credentials (aws sso login, AWS_PROFILE, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY); "
        "check with `aws sts get-caller-identity`",
        2,
    ),
    FailureRule(
        r"ExpiredToken|security token included in the request is expired",
        "the AWS credentials have expired",
        "refresh them (e.g. `aws sso login`) and run the command again",
        2,
    ),
    FailureRule(
        r"could not find default credentials|google: could not find|invalid_grant|reauth related error",
        "no usable Google Cloud credentials",
        "run `gcloud auth application-default login`, or set GOOGLE_APPLICATION_CREDENTIALS",
        2,
    ),
    FailureRule(
        r"invalid configuration: no configuration has been provided|unable to load kubeconfig"
        r"|context \"[^\"]*\" does not exist|failed to read kubernetes config",
        "no usable kubeconfig for the cluster",
        "set the target's cluster.kubeconfig/context in the spec, or export KUBECONFIG",
        2,
    ),
    FailureRule(
        r"NoSuchBucket|bucket does not exist|storage: bucket doesn't exist",
        "the state backend bucket does not exist",
        "create the bucket first, or choose another backend with --backend / AILZ_BACKEND_URL",
        2,
    ),
    FailureRule(
        r"no stack named",
        "the stack does not exist in this backend",
        "deploy it first with `ailz up`, or point --backend at the backend that holds it",
        2,
    ),
    FailureRule(
        r"is currently locked by|Another update is currently in progress",
        "another update of this stack is in progress (or a crashed one left its lock)",
        "wait for it to finish; if it crashed, run `pulumi cancel` (Pulumi Cloud) or remove the lock "
        "under .pulumi/locks in the state backend",
        1,
    ),
    FailureRule(
        r"no resource plugin '[^']+' found|failed to load plugin|could not find plugin",
        "a Pulumi provider plugin is missing and could not be downloaded",
        "install it, e.g. `pulumi plugin install resource aws`, or allow downloads from get.pulumi.com",
        2,
    ),
)


def explain_failure(text: str, stack: str, backend_url: str, detail: str | None = None) -> DeployError:
    """Map an engine failure to a clear message; unknown failures show the engine's own errors.

    `detail` is what the engine reported as errors (diagnostic events); without it, the tail of
    the CLI's stderr is shown.
    """
    for rule in FAILURE_RULES:
        if re.search(rule.pattern, f"{text}\n{detail or ''}"):
            return DeployError(f"{stack}: {rule.message} (backend {backend_url})", rule.hint, rule.code)
    shown = detail or text.rsplit(" stderr: ", 1)[-1]
    lines = [line for line in shown.strip().splitlines() if line.strip()]
    tail = "\n".join(lines[-8:]) if lines else "no output"
    return DeployError(f"{stack}: the Pulumi engine failed:\n{tail}", None, 1)


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


@contextmanager
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
            if not _is_command_error(error):
                raise
            detail = "\n".join(d.message for d in result.tally.errors) or None
            result.error = explain_failure(str(error), engine.name, backend_url, detail)
        except KeyboardInterrupt:  # a second Ctrl-C: stop waiting for the engine
            state["interrupted"] = True
        result.interrupted = state["interrupted"]
    return result


def _is_command_error(error: Exception) -> bool:
    from pulumi.automation.errors import CommandError

    return isinstance(error, CommandError)


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

    def request(self, create: bool = True) -> StackRequest:
        return stack_request(self.loaded, self.target, self.settings, self.catalog, create=create)

    def open(self, create: bool = True) -> StackEngine:
        return self.open_stack(self.request(create=create))

    def run(self, engine: StackEngine, operation: str, message: str | None = None) -> RunResult:
        progress = self.progress(operation, engine.name)
        return run_operation(engine, operation, progress, self.settings.backend_url, message)


@dataclass
class UpReport:
    decision: GateDecision
    preview: RunResult | None = None
    result: RunResult | None = None
    declined: bool = False
    warnings: list[str] = field(default_factory=list)

    @property
    def blocked(self) -> bool:
        return not self.decision.allowed

    @property
    def ok(self) -> bool:
        return self.result is not None and self.result.ok


def up_target(
    session: Session,
    gate_fn: GateFn,
    override: str | None = None,
    confirm: Callable[[RunResult], bool] | None = None,
    gate_options: Mapping[str, str | None] | None = None,
    synthesize: Callable[..., Any] | None = None,
    on_gate: Callable[[GateDecision], None] | None = None,
) -> UpReport:
    """Gate, then (unless `confirm` is None, i.e. --yes) preview and ask, then apply."""
    decision = check_gate(
        session.loaded, session.target, gate_fn, override, synthesize=synthesize, **(gate_options or {})
    )
    report = UpReport(decision=decision)
    if on_gate is not None:
        on_gate(decision)
    if not decision.allowed:
        return report
    engine = session.open(create=True)
    if confirm is not None:
        report.preview = session.run(engine, "preview")
        if not report.preview.ok or not confirm(report.preview):
            report.declined = report.preview.ok
            return report
    message = f"ailz up {session.loaded.file} --target {session.target}"
    if decision.overridden:
        message += f"; {override_message(decision)}"
        warning = record_override(engine, decision)
        if warning:
            report.warnings.append(warning)
    report.result = session.run(engine, "up", message=message)
    return report


def preview_target(session: Session) -> RunResult:
    return session.run(session.open(create=True), "preview")


def destroy_target(session: Session, confirm: Callable[[str], bool] | None = None) -> RunResult | None:
    """Destroy the target's stack; None when the user declined."""
    engine = session.open(create=False)
    if confirm is not None and not confirm(engine.name):
        return None
    return session.run(
        engine, "destroy", message=f"ailz destroy {session.loaded.file} --target {session.target}"
    )


def target_outputs(session: Session, show_secrets: bool = False) -> dict[str, Any]:
    engine = session.open(create=False)
    try:
        outputs = engine.outputs()
    except DeployError:
        raise
    except Exception as error:
        if _is_command_error(error):
            raise explain_failure(str(error), engine.name, session.settings.backend_url) from None
        raise
    return masked_outputs(outputs, show_secrets)
