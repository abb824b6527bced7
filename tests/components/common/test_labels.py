"""Tag and label normalisation obeys each platform's rules for any input."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from ailz.components.common.labels import (
    AWS_MAX_KEY,
    AWS_MAX_VALUE,
    COST_KEYS,
    aws_tags,
    gcp_labels,
    k8s_labels,
    zone_tags,
)
from ailz.components.kinds import load_spec
from tests.conftest import EXAMPLES

tags_strategy = st.dictionaries(st.text(min_size=1, max_size=200), st.text(max_size=300), max_size=40)

GCP_KEY = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
GCP_VALUE = re.compile(r"^[a-z0-9_-]{0,63}$")
K8S_NAME = re.compile(r"^([A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?)?$")


@given(tags_strategy)
def test_gcp_labels_follow_gcp_rules(tags):
    for key, value in gcp_labels(tags).items():
        assert GCP_KEY.match(key), key
        assert GCP_VALUE.match(value), value


@given(tags_strategy)
def test_aws_tags_follow_aws_limits(tags):
    for key, value in aws_tags(tags).items():
        assert 0 < len(key) <= AWS_MAX_KEY and len(value) <= AWS_MAX_VALUE
        assert not key.lower().startswith("aws:")


@given(tags_strategy)
def test_k8s_labels_follow_label_rules(tags):
    labels = k8s_labels(tags)
    assert labels["app.kubernetes.io/managed-by"] == "ailz"
    for key, value in labels.items():
        name = key.split("/", 1)[-1]
        assert name and K8S_NAME.match(name), key
        assert K8S_NAME.match(value), value


def test_zone_tags_carry_cost_keys_identically_on_every_platform():
    zone = load_spec(EXAMPLES / "hybrid-sovereign.yaml").zone
    tags = zone_tags(zone, "aws-train")
    for key in COST_KEYS:
        assert key in tags
        assert key in aws_tags(tags)
        assert key in gcp_labels(tags)
        assert key in k8s_labels(tags)
    assert gcp_labels(tags)["cost-center"] == "cc-1234"


def test_too_many_tags_is_an_error():
    import pytest

    with pytest.raises(ValueError, match="limit of 50"):
        aws_tags({f"k{i}": "v" for i in range(51)})
