"""Rendered artifacts against golden files: Helm values, NicClusterPolicy, API server files."""

from __future__ import annotations

from ailz.components.onprem.fabric_manifests import network_operator_values
from ailz.components.onprem.storage_manifests import local_provisioner_values
from ailz.components.platform.gpu_operator_values import GpuStackOptions, gpu_operator_values
from ailz.components.platform.scheduling import jobset_values, kueue_values
from tests.components.platform.helpers import assert_golden, manifests, named, release

LABELS = {"app.kubernetes.io/managed-by": "ailz", "landing-zone": "z"}
MIRROR = "registry.example.internal"


def test_gpu_operator_values_onprem_from_plan(example_plan):
    plan = example_plan("onprem-sovereign")
    assert_golden("gpu-operator-onprem", release(plan, "fra-dgx", "gpu-operator").inputs["values"])


def test_gpu_operator_values_preinstalled_driver():
    values = gpu_operator_values(GpuStackOptions(driver_preinstalled=True, toolkit_preinstalled=True), LABELS)
    assert_golden("gpu-operator-preinstalled", values)


def test_gpu_operator_values_operator_driver_with_network_operator_doca():
    options = GpuStackOptions(driver_preinstalled=False, rdma=True, host_mofed=False, gdrcopy=True)
    assert_golden("gpu-operator-doca-container", gpu_operator_values(options, LABELS))


def test_other_chart_values():
    assert_golden(
        "chart-values-mirrored",
        {
            "network-operator": network_operator_values(MIRROR),
            "kueue": kueue_values(MIRROR),
            "jobset": jobset_values(MIRROR),
            "local-static-provisioner": local_provisioner_values(MIRROR),
        },
    )


def test_nic_cluster_policy(example_plan):
    objects = manifests(example_plan("onprem-sovereign"), "fra-dgx")
    assert_golden("nic-cluster-policy-infiniband", named(objects, "NicClusterPolicy", "nic-cluster-policy"))


def test_apiserver_files(example_plan):
    target = next(t for t in example_plan("onprem-sovereign").targets if t.name == "fra-dgx")
    outputs = target.platform_outputs
    assert_golden("encryption-configuration", outputs["encryptionConfiguration"])
    assert_golden("audit-policy", outputs["auditPolicy"])
