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


def test_driver_images_carry_the_tag_the_operators_pull():
    # the GPU Operator appends the node OS to driver, GDS and GDRCopy tags; the Network Operator
    # the OS and architecture to the DOCA driver's
    target = listed("onprem-sriov-roce")["targets"][0]
    upstreams = {item["upstream"] for item in target["images"]}
    assert "nvcr.io/nvidia/driver:580.105.08-ubuntu22.04" in upstreams
    assert "nvcr.io/nvidia/cloud-native/gdrdrv:v2.5.1-ubuntu22.04" in upstreams
    assert "nvcr.io/nvidia/mellanox/doca-driver:doca3.1.0-25.07-0.9.7.0-0-ubuntu22.04-amd64" in upstreams
    assert not any(u.endswith(":580.105.08") for u in upstreams)
    # the SR-IOV operator's images, the RDMA CNI's with NVIDIA's tag rather than an untagged default
    assert "nvcr.io/nvidia/mellanox/rdma-cni:network-operator-v25.7.0" in upstreams


def test_os_tags_follow_the_spec(tmp_path):
    spec = tmp_path / "zone.yaml"
    spec.write_text((EXAMPLES / "onprem-sriov-roce.yaml").read_text().replace(
        "    kind: onprem\n", "    kind: onprem\n    node_os: rhel9.4\n"))  # fmt: skip
    result = runner.invoke(app, ["images", str(spec), "-o", "json"])
    assert result.exit_code == 0, result.output
    upstreams = {item["upstream"] for item in json.loads(result.stdout)["targets"][0]["images"]}
    assert "nvcr.io/nvidia/driver:580.105.08-rhel9.4" in upstreams


def test_charts_name_where_a_mirroring_script_fetches_them():
    charts = {c["release"]: c for c in listed("onprem-sovereign")["targets"][0]["charts"]}
    assert charts["gpu-operator"]["chart"].startswith("oci://registry.fra1.acme.internal/")
    assert charts["gpu-operator"]["upstream"] == "https://helm.ngc.nvidia.com/nvidia gpu-operator v25.10.1"
    assert charts["kueue"]["upstream"] == "oci://registry.k8s.io/kueue/charts/kueue:0.14.2"


def test_a_digest_template_for_the_images_ailz_renders_by_tag():
    result = runner.invoke(app, ["images", str(EXAMPLES / "gcp-a3-ultra.yaml"), "-o", "digests"])
    assert result.exit_code == 0
    assert "image_digests:" in result.stdout
    assert '"us-docker.pkg.dev/gce-ai-infra/gpudirect-gib/nccl-plugin-gib:v1.1.1": sha256:<' in result.stdout
    assert "gpu-operator" not in result.stdout  # chart images: the chart's tags, not ailz's to pin
