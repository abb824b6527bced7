"""Pure readers of resource inputs, property-tested."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ailz.policies import props as P

AWS_REGIONS = st.builds(
    lambda geo, area, n: f"{geo}-{area}-{n}",
    st.sampled_from(["eu", "us", "ap", "me", "sa"]),
    st.sampled_from(["west", "central", "south", "northeast", "east"]),
    st.integers(1, 9),
)
GCP_REGIONS = st.builds(
    lambda geo, n: f"{geo}{n}",
    st.sampled_from(["europe-west", "us-central", "asia-southeast", "me-central"]),
    st.integers(1, 12),
)
LETTER = st.sampled_from("abcdef")


@given(AWS_REGIONS, LETTER)
def test_aws_zone_to_region(region, letter):
    assert P.region_of_location(region + letter) == region
    assert P.region_of_location(region) == region


@given(GCP_REGIONS, LETTER)
def test_gcp_zone_to_region(region, letter):
    assert P.region_of_location(f"{region}-{letter}") == region
    assert P.region_of_location(region.upper()) == region


@given(
    st.from_regex(r"[a-z]{2,8}\.[a-z]{2,6}", fullmatch=True),
    st.from_regex(r"[a-z0-9/]{1,20}", fullmatch=True),
)
def test_registry_of_host(host, path):
    assert P.registry_of(f"{host}/{path.strip('/') or 'x'}:1") == host


@pytest.mark.parametrize("image", ["python:3.12", "library/python", "nvidia/cuda:12.4"])
def test_registry_of_docker_hub_shorthand(image):
    assert P.registry_of(image) == "docker.io"


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=12,
)


@given(JSON, st.lists(st.text(max_size=3) | st.integers(0, 3), max_size=4))
def test_get_never_raises_on_known_values(document, path):
    P.get(document, *path)


@given(st.lists(st.text(max_size=3), min_size=1, max_size=3))
def test_get_raises_on_unknown_anywhere_on_the_path(path):
    document: object = P.UNKNOWN
    for key in reversed(path[:-1]):
        document = {key: document}
    with pytest.raises(P.UnknownValue):
        P.get(document, *path)


def test_images_in_helm_values_shapes():
    values = {
        "image": "a.io/x:1",
        "operator": {"repository": "b.io/nvidia", "image": "op"},
        "driver": {"repository": "c.io/nvidia"},
        "nfd": {"image": {"registry": "d.io", "repository": "nfd/nfd", "tag": "v1"}},
        "jobset": {"image": {"registry": "e.io"}},
        "git": {"repository": "https://github.com/x/y"},
    }
    found = dict(P.images_in_values(values))
    assert found == {
        "values.image": "a.io/x:1",
        "values.operator.image": "b.io/nvidia/op",
        "values.driver.repository": "c.io/nvidia",
        "values.nfd.image": "d.io/nfd/nfd",
        "values.jobset.image": "e.io/",
    }
