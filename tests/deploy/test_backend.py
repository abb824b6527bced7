"""Backend and secrets selection: precedence, defaults, early passphrase checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from ailz.deploy.backend import (
    DeployConfigError,
    check_secrets_access,
    resolve_backend_url,
    resolve_secrets_provider,
    resolve_settings,
    workspace_dir,
)
from ailz.spec.zone import Deploy


def test_default_backend_is_a_local_directory_under_the_ailz_home(tmp_path):
    env = {"AILZ_HOME": str(tmp_path / "home")}
    url = resolve_backend_url(None, Deploy(), env)
    assert url == (tmp_path / "home" / "state").resolve().as_uri()
    assert url.startswith("file:///")


def test_default_home_is_dot_ailz_in_the_user_home(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert resolve_backend_url(None, None, {}) == (tmp_path / ".ailz" / "state").resolve().as_uri()


def test_precedence_flag_then_env_then_spec():
    spec = Deploy(backend_url="s3://spec-bucket/ailz")
    env = {"AILZ_BACKEND_URL": "gs://ailz-env", "PULUMI_BACKEND_URL": "s3://pulumi-env"}
    assert resolve_backend_url("azblob://flag", spec, env) == "azblob://flag"
    assert resolve_backend_url(None, spec, env) == "gs://ailz-env"
    assert resolve_backend_url(None, spec, {"PULUMI_BACKEND_URL": "s3://pulumi-env"}) == "s3://pulumi-env"
    assert resolve_backend_url(None, spec, {}) == "s3://spec-bucket/ailz"


def test_relative_file_url_in_the_spec_is_relative_to_the_spec_file(tmp_path):
    spec_dir = tmp_path / "zones"
    url = resolve_backend_url(None, Deploy(backend_url="file://./state"), {}, spec_dir=spec_dir)
    assert url == (spec_dir / "state").resolve().as_uri()


def test_relative_file_url_on_the_command_line_is_relative_to_the_working_directory(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    assert resolve_backend_url("file://state", None, {}) == (tmp_path / "state").resolve().as_uri()
    assert resolve_backend_url("file:///srv/state", None, {}) == "file:///srv/state"


@pytest.mark.parametrize(
    "backend, expected",
    [
        ("file:///srv/state", "passphrase"),
        ("s3://bucket/prefix", "passphrase"),
        ("gs://bucket", "passphrase"),
        ("azblob://container", "passphrase"),
        ("https://api.pulumi.com", None),  # Pulumi Cloud encrypts with its own per-stack key
    ],
)
def test_secrets_provider_default_depends_on_the_backend(backend, expected):
    assert resolve_secrets_provider(None, None, {}, backend) == expected


def test_secrets_provider_precedence_and_kms_urls():
    spec = Deploy(secrets_provider="gcpkms://projects/p/locations/global/keyRings/r/cryptoKeys/k")
    env = {"AILZ_SECRETS_PROVIDER": "awskms://alias/env"}
    assert resolve_secrets_provider("hashivault://ailz", spec, env, "s3://b") == "hashivault://ailz"
    assert resolve_secrets_provider(None, spec, env, "s3://b") == "awskms://alias/env"
    assert resolve_secrets_provider(None, spec, {}, "s3://b").startswith("gcpkms://")


def test_unknown_secrets_provider_is_refused_with_the_choices():
    with pytest.raises(DeployConfigError) as error:
        resolve_secrets_provider("vault://x", None, {}, "s3://b")
    assert "awskms://" in error.value.hint


def test_passphrase_needs_the_env_var_or_a_readable_file(tmp_path):
    check_secrets_access("awskms://alias/k", {})  # KMS: nothing to check locally
    check_secrets_access(None, {})
    check_secrets_access("passphrase", {"PULUMI_CONFIG_PASSPHRASE": ""})  # empty is a valid passphrase
    with pytest.raises(DeployConfigError, match="needs a passphrase") as error:
        check_secrets_access("passphrase", {})
    assert "PULUMI_CONFIG_PASSPHRASE" in error.value.hint
    with pytest.raises(DeployConfigError, match="not a readable file"):
        check_secrets_access("passphrase", {"PULUMI_CONFIG_PASSPHRASE_FILE": str(tmp_path / "missing")})
    good = tmp_path / "passphrase"
    good.write_text("s3cret")
    check_secrets_access("passphrase", {"PULUMI_CONFIG_PASSPHRASE_FILE": str(good)})


def test_workspace_is_persistent_and_separate_per_backend(tmp_path):
    env = {"AILZ_HOME": str(tmp_path)}
    a = workspace_dir("s3://a", env)
    assert a == workspace_dir("s3://a", env)
    assert a != workspace_dir("s3://b", env)
    assert a.parent == Path(tmp_path) / "workspaces"


def test_resolve_settings_combines_everything(tmp_path):
    env = {"AILZ_HOME": str(tmp_path), "AILZ_BACKEND_URL": "s3://ailz-state/acme"}
    settings = resolve_settings(Deploy(), env=env)
    assert settings.backend_url == "s3://ailz-state/acme"
    assert settings.secrets_provider == "passphrase"
    assert settings.self_managed
    assert settings.work_dir.parent == tmp_path / "workspaces"


def test_engine_env_pins_the_backend_and_reuses_the_state_secrets_manager(tmp_path):
    env = {"AILZ_HOME": str(tmp_path), "AILZ_BACKEND_URL": "gs://ailz", "PULUMI_BACKEND_URL": "s3://other"}
    settings = resolve_settings(None, env=env)
    assert settings.env_vars["PULUMI_BACKEND_URL"] == "gs://ailz"
    assert settings.env_vars["PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER"] == "true"
