"""`ailz images`: every image a target pulls, where the mirror must hold it, and where it comes
from; with a mirror nothing is pulled from anywhere else."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from ailz.cli.app import app
from tests.conftest import EXAMPLES

runner = CliRunner()


def listed(example: str, *args: str) -> dict:
    result = runner.invoke(app, ["images", str(EXAMPLES / f"{example}.yaml"), "-o", "json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize("example", ["onprem-sovereign", "onprem-sriov-roce", "gcp-a3-mega"])
def test_with_a_mirror_every_image_comes_from_it_and_names_its_upstream(example):
    for target in listed(example)["targets"]:
        mirror = target["mirror"]
        assert mirror and target["images"]
        for item in target["images"]:
            assert item["image"].startswith(mirror + "/"), item
            assert item["upstream"] and not item["upstream"].startswith(mirror), item


def test_the_list_covers_every_image_the_rendered_manifests_name(example_plan):
    from ailz.cli.images_cmd import _pod_images

    plan = example_plan("gcp-a3-mega")
    rendered = {i for r in plan.resources if r.target == "gcp-ft" for i in _pod_images(r)}
    listed_images = {item["image"] for item in listed("gcp-a3-mega")["targets"][0]["images"]}
    assert rendered and rendered <= listed_images


def test_charts_pull_their_defaults_too():
    # the Network Operator pulls its operator (also its CRD hook's image) and NFD by default
    images = {item["upstream"] for item in listed("onprem-sovereign")["targets"][0]["images"]}
    assert "nvcr.io/nvidia/cloud-native/network-operator:v25.7.0" in images
    assert "nvcr.io/nvidia/mellanox/node-feature-discovery:network-operator-v25.7.0" in images
    assert "mpioperator/mpi-operator:0.6.0" in images  # the MPI operator's release manifest


def test_an_unknown_target_is_a_usage_error():
    result = runner.invoke(app, ["images", str(EXAMPLES / "gcp-a3-mega.yaml"), "--target", "nope"])
    assert result.exit_code == 2 and "no target named 'nope'" in result.output
