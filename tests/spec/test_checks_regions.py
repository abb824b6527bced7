"""Regions, zones, Kubernetes minors and jurisdictions that do not exist are spec errors, each with
the ones that do; independent problems all come out in one pass."""

from __future__ import annotations

import copy

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from ailz.catalog import load_catalog
from ailz.components.kinds import load_text
from ailz.spec.errors import SpecError, SpecIssue
from tests.conftest import EXAMPLES

AWS = yaml.safe_load((EXAMPLES / "aws-p5-training.yaml").read_text())
GCP = yaml.safe_load((EXAMPLES / "gcp-a3-ultra.yaml").read_text())
CATALOG = load_catalog()


def issues(document: dict) -> list[SpecIssue]:
    try:
        load_text(yaml.safe_dump(document), "zone.yaml")
    except SpecError as err:
        return list(err.issues)
    return []


def at(document: dict, path: tuple) -> list[SpecIssue]:
    return [i for i in issues(document) if i.path == path]


def with_target(base: dict, **changes) -> dict:
    document = copy.deepcopy(base)
    target = document["targets"][0]
    for key, value in changes.items():
        if key == "version":
            target["kubernetes"]["version"] = value
        else:
            target[key] = value
    if "region" in changes:
        document["residency"]["allowed_regions"] = [changes["region"]]
    return document


def test_the_examples_pass():
    assert not issues(AWS) and not issues(GCP)


def test_a_zone_that_does_not_exist_names_the_ones_that_do():
    (issue,) = at(with_target(AWS, zone="eu-west-1z"), ("targets", 0, "zone"))
    assert "does not exist in eu-west-1" in issue.message
    assert "eu-west-1a, eu-west-1b, eu-west-1c" in issue.hint and "--catalog" in issue.hint
    (issue,) = at(with_target(GCP, zone="europe-west4-z"), ("targets", 0, "zone"))
    assert "europe-west4-a, europe-west4-b, europe-west4-c" in issue.hint


def test_a_region_that_does_not_exist_gets_a_did_you_mean():
    (issue,) = at(with_target(AWS, region="eu-west-9", zone="eu-west-9a"), ("targets", 0, "region"))
    assert "not an AWS region" in issue.message
    assert "eu-west-1" in issue.hint and "ailz catalog regions aws" in issue.hint


def test_eks_minors_outside_standard_support_are_refused_with_the_reason():
    for version in ("1.20", "1.99"):
        (issue,) = at(with_target(AWS, version=version), ("targets", 0, "kubernetes", "version"))
        assert "not a minor EKS offers" in issue.message
        assert '"1.35" or "1.36"' in issue.hint
    (issue,) = at(with_target(AWS, version="1.33"), ("targets", 0, "kubernetes", "version"))
    assert "extended support" in issue.message and "STANDARD upgrade policy" in issue.message


def test_gke_minors_the_regular_channel_lacks_are_refused_with_the_channel():
    (issue,) = at(with_target(GCP, version="1.33"), ("targets", 0, "kubernetes", "version"))
    assert "EXTENDED release channel" in issue.message
    (issue,) = at(with_target(GCP, version="1.37"), ("targets", 0, "kubernetes", "version"))
    assert "RAPID" in issue.message


def test_a_region_outside_the_jurisdictions_is_refused():
    document = with_target(AWS, region="us-east-1", zone="us-east-1a")
    document["residency"]["jurisdictions"] = ["EU", "DE"]
    (issue,) = at(document, ("targets", 0, "region"))
    assert "us-east-1' is in US, outside residency.jurisdictions [EU, DE]" in issue.message
    document["residency"]["jurisdictions"] = ["EU"]
    document = with_target(document, region="eu-central-1", zone="eu-central-1a")
    document["residency"]["jurisdictions"] = ["EU"]
    assert not at(document, ("targets", 0, "region"))


def test_an_unknown_jurisdiction_names_the_valid_forms():
    document = copy.deepcopy(AWS)
    document["residency"]["jurisdictions"] = ["Europe"]
    (issue,) = at(document, ("residency", "jurisdictions", 0))
    assert "EU" in issue.hint and "ISO 3166-1" in issue.hint


def test_independent_problems_come_out_in_one_pass():
    document = with_target(AWS, zone="eu-west-1z", version="1.99")
    document["residency"]["jurisdictions"] = ["US"]
    paths = {i.path for i in issues(document)}
    assert {
        ("targets", 0, "zone"),
        ("targets", 0, "kubernetes", "version"),
        ("targets", 0, "region"),
    } <= paths


def test_an_unknown_machine_has_no_follow_on_quota_error():
    document = copy.deepcopy(AWS)
    document["targets"][0]["gpu_pools"][0]["machine"] = "p9.96xlarge"
    messages = [i.message for i in issues(document)]
    assert any("p9.96xlarge" in m for m in messages)
    assert not any("0 GPUs" in m for m in messages)


AWS_ZONES = [(r, z) for r, body in CATALOG.aws_regions.regions.items() for z in body.zones]


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(AWS_ZONES))
def test_every_catalog_zone_is_accepted(pair):
    region, letter = pair
    document = with_target(AWS, region=region, zone=f"{region}{letter}")
    found = [i for i in issues(document) if i.path in (("targets", 0, "zone"), ("targets", 0, "region"))]
    assert not [i for i in found if "exist" in i.message or "not an AWS region" in i.message], found


def test_the_european_sovereign_cloud_region_is_accepted():
    document = with_target(AWS, region="eusc-de-east-1", zone="eusc-de-east-1a")
    document["residency"]["jurisdictions"] = ["EU"]
    assert not [
        i for i in issues(document) if i.path[:2] == ("targets", 0) and i.path[2] in ("region", "zone")
    ]


def test_a_zone_of_a_longer_region_name_is_not_in_the_region():
    document = with_target(GCP, zone="europe-west10-a")
    document["targets"][0]["region"] = "europe-west1"
    document["residency"]["allowed_regions"] = ["europe-west1"]
    (issue,) = at(document, ("targets", 0, "zone"))
    assert "is not in region 'europe-west1'" in issue.message


def test_an_ai_zone_has_the_form_and_is_checked_against_the_catalog():
    (issue,) = at(with_target(GCP, region="us-central1", zone="us-central1-ai1a"), ("targets", 0, "zone"))
    assert "does not exist in us-central1" in issue.message and "--catalog" in issue.hint


def test_an_overlay_adds_a_kubernetes_minor():
    from ailz.catalog.load import use_overlay

    try:
        use_overlay({"eks_versions": {"standard": ["1.37"], "source": "aws eks describe-cluster-versions"}})
        assert not at(with_target(AWS, version="1.37"), ("targets", 0, "kubernetes", "version"))
    finally:
        use_overlay(None)
    assert at(with_target(AWS, version="1.37"), ("targets", 0, "kubernetes", "version"))


def test_a_well_formed_but_unknown_country_code_is_refused():
    document = copy.deepcopy(AWS)
    document["residency"]["jurisdictions"] = ["XX"]
    (issue,) = at(document, ("residency", "jurisdictions", 0))
    assert "unknown jurisdiction 'XX'" in issue.message


def test_allowed_regions_that_contradict_the_jurisdictions():
    document = copy.deepcopy(AWS)
    document["residency"] = {"allowed_regions": ["eu-west-1", "us-east-1"], "jurisdictions": ["EU", "DE"]}
    (issue,) = at(document, ("residency", "allowed_regions", 1))
    assert "contradict" in issue.message and "us-east-1" in issue.message
