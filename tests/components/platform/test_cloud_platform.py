"""The shared platform on cloud cluster handles, through the real synthesis engine."""

from __future__ import annotations

from tests.components.platform.cloud_stub import GCP_SA, ROLE_ARN
from tests.components.platform.helpers import by_kind, manifests, named, release
from tests.inventory import assert_subset


def test_aws_handle_skips_preinstalled_driver_and_toolkit(cloud_plan):
    plan = cloud_plan("aws-p5-training")
    values = release(plan, "aws-train", "gpu-operator").inputs["values"]
    assert_subset(
        {"driver": {"enabled": False}, "toolkit": {"enabled": False}, "gds": {"enabled": False}}, values
    )
    assert "rdma" not in values["driver"]
    # upstream repository, no mirror
    assert release(plan, "aws-train", "gpu-operator").inputs["repositoryOpts"] == {
        "repo": "https://helm.ngc.nvidia.com/nvidia"
    }


def test_aws_team_quota_includes_efa_from_catalog(cloud_plan):
    objects = manifests(cloud_plan("aws-p5-training"), "aws-train")
    quota = named(objects, "ResourceQuota", "gpu-quota", "research")
    # p5.48xlarge: 32 EFA for 8 GPUs -> 4 per GPU; 32 GPUs -> 128
    assert quota["spec"]["hard"] == {"requests.nvidia.com/gpu": "32", "requests.vpc.amazonaws.com/efa": "128"}
    sa = named(objects, "ServiceAccount", "workload", "research")
    assert sa["metadata"]["annotations"] == {"eks.amazonaws.com/role-arn": ROLE_ARN}
    applied = named(objects, "Namespace", "applied")["metadata"]["labels"]
    assert applied["pod-security.kubernetes.io/enforce"] == "restricted"
    assert "ailz.io/rdma-pods" not in applied
    storage = named(objects, "NetworkPolicy", "allow-storage", "research")
    assert storage["spec"]["egress"][0]["to"] == [{"ipBlock": {"cidr": "0.0.0.0/0"}}]


def test_gcp_handle_has_no_gpu_operator(cloud_plan):
    plan = cloud_plan("gcp-a3-ultra")
    assert not [r for r in plan.resources if r.type == "ailz:k8s:GpuOperator"]
    assert not [r for r in plan.resources if r.inputs.get("name") == "gpu-operator"]
    objects = manifests(plan, "gcp-train")
    sa = named(objects, "ServiceAccount", "workload", "research")
    assert sa["metadata"]["annotations"] == {"iam.gke.io/gcp-service-account": GCP_SA}
    assert [f["metadata"]["name"] for f in by_kind(objects, "ResourceFlavor")] == ["h200"]
    # no on-prem-only parts on a cloud target
    kinds = {o["kind"] for o in objects}
    assert not kinds & {"NicClusterPolicy", "IPoIBNetwork", "MacvlanNetwork", "IPPool", "StorageClass"}
    assert release(plan, "gcp-train", "kueue").inputs["chart"] == "oci://registry.k8s.io/kueue/charts/kueue"


def test_without_egress_the_mpi_operator_runs_from_the_mirror(example_plan):
    # the upstream manifest names a Docker Hub image; a patch points its Deployment at the mirror,
    # and the manifest itself is not waited for (its first rollout cannot pull)
    plan = example_plan("gcp-a3-mega")
    config = next(r for r in plan.resources if r.type == "kubernetes:yaml/v2:ConfigFile")
    assert config.inputs["skipAwait"] is True
    (patch,) = [r for r in plan.resources if r.type == "kubernetes:apps/v1:DeploymentPatch"]
    assert patch.inputs["metadata"]["name"] == "mpi-operator"
    assert patch.inputs["metadata"]["annotations"] == {"pulumi.com/patchForce": "true"}
    (container,) = patch.inputs["spec"]["template"]["spec"]["containers"]
    assert container == {
        "name": "mpi-operator",
        "image": "us-central1-docker.pkg.dev/acme-ai-finetune/mirror/mpioperator/mpi-operator:0.6.0",
    }
    assert config.urn in patch.dependencies
