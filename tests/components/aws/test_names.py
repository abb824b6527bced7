"""Bucket and role names stay within AWS limits, stay distinct and stay stable."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from ailz.components.aws.names import IAM_ROLE_MAX, S3_MAX, bucket_name, role_name

NAMES = st.from_regex(r"[a-z]([a-z0-9-]{0,38}[a-z0-9])?", fullmatch=True)
PURPOSES = st.sampled_from(["datasets", "checkpoints", "models", "logs"])
BUCKET = re.compile(r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")


@given(zone=NAMES, target=NAMES, purpose=PURPOSES)
def test_bucket_names(zone, target, purpose):
    name = bucket_name(zone, target, purpose, "111111111111")
    assert len(name) <= S3_MAX and BUCKET.match(name)
    # the separators ailz adds never double up (a '--' can only come from the user's own names)
    assert name.count("--") <= f"{zone}-{target}".count("--")
    assert name == bucket_name(zone, target, purpose, "111111111111")
    assert purpose in name
    others = {
        bucket_name(zone, target, p, "111111111111") for p in ("datasets", "checkpoints", "models", "logs")
    }
    assert len(others) == 4


@given(zone=NAMES, target=NAMES, purpose=st.sampled_from(["cluster", "node", "ebs-csi", "team-research"]))
def test_role_names(zone, target, purpose):
    name = role_name(zone, target, purpose)
    assert len(name) <= IAM_ROLE_MAX and name.endswith(purpose)


def test_short_names_read_plainly():
    assert (
        bucket_name("acme-ai", "aws-train", "models", "111111111111")
        == "acme-ai-aws-train-models-111111111111"
    )
    assert role_name("acme-ai", "aws-train", "node") == "ailz-acme-ai-aws-train-node"
