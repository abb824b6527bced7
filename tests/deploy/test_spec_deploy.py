"""The optional `deploy:` section of a landing zone."""

from __future__ import annotations

import pytest

from ailz.components.kinds import load_text
from ailz.spec.errors import SpecError
from tests.conftest import EXAMPLES

BASE = (EXAMPLES / "aws-p5-training.yaml").read_text()


def test_examples_need_no_deploy_section():
    zone = load_text(BASE, "aws.yaml").zone
    assert zone.deploy.backend_url is None and zone.deploy.secrets_provider is None


def test_deploy_section_is_read():
    text = (
        BASE + "deploy:\n  backend_url: s3://acme-ailz-state/prod\n  secrets_provider: awskms://alias/ailz\n"
    )
    deploy = load_text(text, "aws.yaml").zone.deploy
    assert deploy.backend_url == "s3://acme-ailz-state/prod"
    assert deploy.secrets_provider == "awskms://alias/ailz"


@pytest.mark.parametrize(
    "section, path",
    [
        ("deploy:\n  backend_url: ftp://state\n", "deploy.backend_url"),
        ("deploy:\n  secrets_provider: rot13\n", "deploy.secrets_provider"),
        ("deploy:\n  backend: s3://x\n", "deploy.backend"),
    ],
)
def test_bad_deploy_section_points_at_the_line(section, path):
    text = BASE + section
    with pytest.raises(SpecError) as error:
        load_text(text, "aws.yaml")
    rendered = error.value.render()
    line = len(BASE.splitlines()) + 2
    assert f"aws.yaml:{line}:" in rendered
    assert path in rendered
