"""Where stack state lives and how its secrets are encrypted: pure choices, no Pulumi import.

Precedence, highest first: command-line flag, environment (AILZ_BACKEND_URL, then
PULUMI_BACKEND_URL; AILZ_SECRETS_PROVIDER), the spec's `deploy:` section, the default.
The default backend is a local directory under the ailz home (~/.ailz/state, or $AILZ_HOME/state),
so state never lands inside a git checkout by accident.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ailz.spec.zone import Deploy

# Backends that keep state themselves (self-managed, "DIY"): they need a secrets provider chosen
# by us. Pulumi Cloud (https://) encrypts with its own per-stack key when none is given.
SELF_MANAGED_SCHEMES = ("file", "s3", "gs", "azblob", "postgres")
KMS_SCHEMES = ("awskms", "gcpkms", "azurekeyvault", "hashivault")

# Environment for the Pulumi CLI. A fresh workspace (a CI runner, another laptop) has no
# Pulumi.<stack>.yaml; without the fallback the CLI would invent a new secrets provider instead of
# using the one recorded in the stack's state (pulumi/pulumi#17236, CLI 3.134.0 and later).
ENGINE_ENV = {
    "PULUMI_SKIP_UPDATE_CHECK": "true",
    "PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER": "true",
}


class DeployConfigError(Exception):
    """The deploy settings are unusable; `hint` says what to set."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


@dataclass(frozen=True)
class DeploySettings:
    backend_url: str
    secrets_provider: str | None  # None: the backend's own default (Pulumi Cloud)
    work_dir: Path  # keeps Pulumi.yaml and Pulumi.<stack>.yaml (passphrase salt) between runs
    env_vars: dict[str, str] = field(default_factory=dict)

    @property
    def self_managed(self) -> bool:
        return scheme(self.backend_url) in SELF_MANAGED_SCHEMES


def ailz_home(env: Mapping[str, str]) -> Path:
    return Path(env.get("AILZ_HOME") or Path.home() / ".ailz").expanduser()


def scheme(url: str) -> str:
    return url.split("://", 1)[0].lower() if "://" in url else ""


def default_backend_url(env: Mapping[str, str]) -> str:
    return (ailz_home(env) / "state").resolve().as_uri()


def resolve_backend_url(
    flag: str | None, deploy: Deploy | None, env: Mapping[str, str], spec_dir: Path | None = None
) -> str:
    """The backend URL to use; a relative file:// URL in the spec is relative to the spec file."""
    if flag:
        url = flag
    elif env.get("AILZ_BACKEND_URL"):
        url = env["AILZ_BACKEND_URL"]
    elif env.get("PULUMI_BACKEND_URL"):
        url = env["PULUMI_BACKEND_URL"]
    elif deploy is not None and deploy.backend_url:
        url = deploy.backend_url
        if scheme(url) == "file" and spec_dir is not None:
            url = _file_url(url, base=spec_dir)
        return url
    else:
        return default_backend_url(env)
    return _file_url(url, base=Path.cwd()) if scheme(url) == "file" else url


def _file_url(url: str, base: Path) -> str:
    """file://./state or file://~/state -> absolute file:///... URL (Pulumi wants a real path)."""
    raw = url[len("file://") :]
    if raw.startswith("/"):
        return url
    path = Path(raw).expanduser()
    if not path.is_absolute():
        path = base / path
    return path.resolve().as_uri()


def local_state_dir(backend_url: str) -> Path | None:
    if scheme(backend_url) != "file":
        return None
    return Path(backend_url[len("file://") :])


def resolve_secrets_provider(
    flag: str | None, deploy: Deploy | None, env: Mapping[str, str], backend_url: str
) -> str | None:
    chosen = flag or env.get("AILZ_SECRETS_PROVIDER") or (deploy.secrets_provider if deploy else None)
    if chosen == "default":
        chosen = None
    if chosen is None and scheme(backend_url) in SELF_MANAGED_SCHEMES:
        chosen = "passphrase"
    if chosen is not None and chosen != "passphrase" and scheme(chosen) not in KMS_SCHEMES:
        raise DeployConfigError(
            f"unknown secrets provider '{chosen}'",
            hint="use passphrase, or a key URL: awskms://, gcpkms://, azurekeyvault://, hashivault://",
        )
    return chosen


def check_secrets_access(secrets_provider: str | None, env: Mapping[str, str]) -> None:
    """Fail early, before the engine starts, when the passphrase is not available."""
    if secrets_provider != "passphrase":
        return
    if "PULUMI_CONFIG_PASSPHRASE" in env:
        return
    file = env.get("PULUMI_CONFIG_PASSPHRASE_FILE")
    if file:
        if not Path(file).expanduser().is_file():
            raise DeployConfigError(
                f"PULUMI_CONFIG_PASSPHRASE_FILE points at {file}, which is not a readable file",
                hint="point it at the file holding the stack passphrase",
            )
        return
    raise DeployConfigError(
        "the passphrase secrets provider needs a passphrase, and none is set",
        hint="export PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE), or use a KMS key: "
        "--secrets-provider awskms://alias/ailz (see docs/deploy.md)",
    )


def workspace_dir(backend_url: str, env: Mapping[str, str]) -> Path:
    """One persistent workspace per backend, so per-stack settings (passphrase salt) survive runs."""
    digest = hashlib.sha256(backend_url.encode()).hexdigest()[:12]
    return ailz_home(env) / "workspaces" / digest


def resolve_settings(
    deploy: Deploy | None,
    env: Mapping[str, str] | None = None,
    backend_flag: str | None = None,
    secrets_flag: str | None = None,
    spec_dir: Path | None = None,
) -> DeploySettings:
    env = os.environ if env is None else env
    backend_url = resolve_backend_url(backend_flag, deploy, env, spec_dir)
    secrets_provider = resolve_secrets_provider(secrets_flag, deploy, env, backend_url)
    return DeploySettings(
        backend_url=backend_url,
        secrets_provider=secrets_provider,
        work_dir=workspace_dir(backend_url, env),
        # the CLI must see the backend we chose, whatever PULUMI_BACKEND_URL the shell had
        env_vars={**ENGINE_ENV, "PULUMI_BACKEND_URL": backend_url},
    )
