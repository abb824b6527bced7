"""The one interface to the Pulumi engine: a stack per target, driven by the Automation API.

Everything that runs the Pulumi CLI is here, behind `StackEngine` (one stack) and `open_stack`
(selecting or creating it); pulumi.automation is imported only when a stack is opened. The
rest of the deploy path (deploy/flow.py) is plain Python, tested with a fake engine.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from ailz.deploy.backend import DeploySettings, local_state_dir
from ailz.stacks.program import PROJECT

PULUMI_INSTALL_HINT = (
    "install the Pulumi CLI: https://www.pulumi.com/docs/install/ "
    "(or `curl -fsSL https://get.pulumi.com | sh`), then make sure `pulumi` is on PATH"
)


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

    def resource_types(self) -> list[str]:
        """Type of every resource the stack's state holds, the stack itself and providers aside."""
        ...


@dataclass(frozen=True)
class StackRequest:
    """What opening a target's stack needs; `create` False only selects an existing stack."""

    stack: str
    program: Callable[[], None]
    settings: DeploySettings
    config: dict[str, str] = field(default_factory=dict)
    create: bool = True


OpenStack = Callable[[StackRequest], StackEngine]


# --------------------------------------------------------------------------- the real engine


# The oldest Pulumi CLI ailz drives: the SDK floor ailz is tested with (pyproject pins pulumi>=3.200).
# Renamed components keep their state through aliases that the engine resolves for their children
# too (engine-side alias specs, pulumi/pulumi#10819); an older CLI would leave it to the SDK, which
# does not carry an alias down to grandchildren.
MIN_PULUMI_CLI = "3.200.0"


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

    def resource_types(self) -> list[str]:
        resources = self._stack.export_stack().deployment.get("resources") or []
        return [t for t in (str(r.get("type", "")) for r in resources) if not t.startswith("pulumi:")]


def open_automation_stack(request: StackRequest) -> AutomationStack:
    """Create or select the target's stack in a LocalWorkspace running the inline program."""
    require_pulumi_cli()
    from pulumi import automation as auto
    from semver import VersionInfo  # what the Automation API compares CLI versions with

    settings = request.settings
    state_dir = local_state_dir(settings.backend_url)
    if state_dir is not None:
        state_dir.mkdir(parents=True, exist_ok=True)
    settings.work_dir.mkdir(parents=True, exist_ok=True)
    try:
        command = auto.PulumiCommand(version=VersionInfo.parse(MIN_PULUMI_CLI))
    except auto.errors.InvalidVersionError as error:
        raise DeployError(f"the installed Pulumi CLI is too old: {error}", PULUMI_INSTALL_HINT, 2) from None
    except (OSError, subprocess.CalledProcessError) as error:  # the CLI vanished or cannot run
        raise DeployError(f"cannot run the Pulumi CLI: {error}", PULUMI_INSTALL_HINT, 2) from None
    opts = auto.LocalWorkspaceOptions(
        pulumi_command=command,
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


def is_command_error(error: BaseException) -> bool:
    """A non-zero exit of the Pulumi CLI, as the Automation API reports it."""
    from pulumi.automation.errors import CommandError

    return isinstance(error, CommandError)
