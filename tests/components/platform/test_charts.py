"""Pinned platform software: every chart and manifest has an exact version and a source."""

from __future__ import annotations

import re

import pytest

from ailz.components.platform.charts import chart_source, image_repository, manifest_url, platform_data

CHARTS = sorted(platform_data()["charts"])


@pytest.mark.parametrize("name", CHARTS)
def test_chart_is_pinned_with_a_source(name):
    facts = platform_data()["charts"][name]
    assert re.fullmatch(r"v?\d+\.\d+\.\d+", str(facts["version"])), facts["version"]
    assert len(facts["source"]) > 20
    assert facts["namespace"]


def test_manifests_are_pinned_to_their_version():
    for facts in platform_data()["manifests"].values():
        assert facts["version"] in facts["url"] and facts["version"] in facts["path"]
        assert facts["url"].endswith(facts["path"])
        assert "latest" not in facts["url"] and "master" not in facts["url"]


def test_chart_sources_upstream_and_mirrored():
    https = chart_source("gpu-operator")
    assert (https.chart, https.repository) == ("gpu-operator", "https://helm.ngc.nvidia.com/nvidia")
    oci = chart_source("kueue")
    assert (oci.chart, oci.repository) == ("oci://registry.k8s.io/kueue/charts/kueue", None)
    mirrored = chart_source("gpu-operator", "oci://mirror.example/charts/")
    assert (mirrored.chart, mirrored.version, mirrored.repository) == (
        "oci://mirror.example/charts/gpu-operator",
        https.version,
        None,
    )


def test_images_keep_their_path_under_the_mirror():
    assert image_repository("nvidia-k8s") == "nvcr.io/nvidia/k8s"
    assert image_repository("nvidia-k8s", "mirror.example") == "mirror.example/nvidia/k8s"
    assert manifest_url("mpi-operator", "https://files.example/m/").startswith(
        "https://files.example/m/kubeflow/"
    )
