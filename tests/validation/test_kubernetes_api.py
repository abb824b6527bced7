"""KubernetesApi maps the official client's calls and errors onto ClusterApi (client objects faked)."""

from __future__ import annotations

import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from ailz.validation.cluster import ApiError, RunError
from ailz.validation.kubernetes_api import KubernetesApi

MPIJOB = {
    "apiVersion": "kubeflow.org/v2beta1",
    "kind": "MPIJob",
    "metadata": {"name": "nccl-x", "namespace": "ailz-validation"},
}


class Recorder:
    """Stands in for CoreV1Api / CustomObjectsApi: records calls, returns or raises what it is told."""

    def __init__(self, responses=None, errors=None):
        self.calls = []
        self.responses = responses or {}
        self.errors = errors or {}

    def __getattr__(self, name):
        def call(*args, **kwargs):
            self.calls.append((name, args, kwargs))
            if name in self.errors:
                raise self.errors[name]
            return self.responses.get(name)

        return call


def make(core=None, custom=None):
    api = object.__new__(KubernetesApi)
    api._client = client
    api.core = core or Recorder()
    api.custom = custom or Recorder()
    return api


def test_create_custom_resource_uses_the_plural():
    api = make()
    api.create(MPIJOB)
    name, args, _ = api.custom.calls[0]
    assert name == "create_namespaced_custom_object"
    assert args[:4] == ("kubeflow.org", "v2beta1", "ailz-validation", "mpijobs")


def test_missing_crd_becomes_api_error_404():
    api = make(
        custom=Recorder(
            errors={"create_namespaced_custom_object": ApiException(status=404, reason="Not Found")}
        )
    )
    with pytest.raises(ApiError) as caught:
        api.create(MPIJOB)
    assert caught.value.status == 404


def test_delete_is_foreground():
    api = make()
    api.delete({**MPIJOB, "kind": "JobSet", "apiVersion": "jobset.x-k8s.io/v1alpha2"})
    name, args, kwargs = api.custom.calls[0]
    assert args[3] == "jobsets" and kwargs["body"].propagation_policy == "Foreground"


def test_nodes_ready_and_schedulable():
    ready = client.V1NodeCondition(type="Ready", status="True")
    nodes = client.V1NodeList(
        items=[
            client.V1Node(
                metadata=client.V1ObjectMeta(
                    name="a", labels={"topology.k8s.aws/network-node-layer-3": "nn-3"}
                ),
                spec=client.V1NodeSpec(
                    unschedulable=None, taints=[client.V1Taint(key="ailz.io/nccl-bad", effect="NoSchedule")]
                ),
                status=client.V1NodeStatus(conditions=[ready], allocatable={"nvidia.com/gpu": "8"}),
            ),
            client.V1Node(
                metadata=client.V1ObjectMeta(name="b"),
                spec=client.V1NodeSpec(unschedulable=True),
                status=client.V1NodeStatus(conditions=[ready], allocatable={}),
            ),
        ]
    )
    api = make(core=Recorder(responses={"list_node": nodes}))
    result = api.list_nodes("ailz.io/pool=h100")
    assert [(n.name, n.ready, n.gpus) for n in result] == [("a", True, 8), ("b", False, 0)]
    assert result[0].labels == {"topology.k8s.aws/network-node-layer-3": "nn-3"}
    assert result[0].taints == ["ailz.io/nccl-bad"] and result[1].taints == []
    assert api.core.calls[0][2] == {"label_selector": "ailz.io/pool=h100", "_request_timeout": (10, 120)}


def test_pending_pod_reason_and_warning_events():
    waiting = client.V1ContainerStatus(
        name="nccl", image="i", image_id="", ready=False, restart_count=0,
        state=client.V1ContainerState(waiting=client.V1ContainerStateWaiting(reason="ImagePullBackOff")),
    )  # fmt: skip
    pods = client.V1PodList(
        items=[
            client.V1Pod(
                metadata=client.V1ObjectMeta(name="p", labels={"ailz.io/role": "worker"}),
                spec=client.V1PodSpec(containers=[], node_name="a"),
                status=client.V1PodStatus(phase="Pending", container_statuses=[waiting]),
            )
        ]
    )
    events = client.CoreV1EventList(
        items=[
            client.CoreV1Event(
                metadata=client.V1ObjectMeta(name="e1"), involved_object=client.V1ObjectReference(),
                type="Warning", reason="FailedScheduling", message="0/2 nodes are available",
            ),
            client.CoreV1Event(
                metadata=client.V1ObjectMeta(name="e2"), involved_object=client.V1ObjectReference(),
                type="Normal", reason="Scheduled", message="ok",
            ),
        ]
    )  # fmt: skip
    api = make(core=Recorder(responses={"list_namespaced_pod": pods, "list_namespaced_event": events}))
    [pod] = api.list_pods("ailz-validation", "ailz.io/validation-run=x")
    assert (pod.phase, pod.node, pod.role, pod.waiting_reason) == (
        "Pending",
        "a",
        "worker",
        "ImagePullBackOff",
    )
    assert api.pod_events("ailz-validation", "p") == [("FailedScheduling", "0/2 nodes are available")]


def test_taint_keeps_other_taints_in_api_form():
    node = client.V1Node(
        metadata=client.V1ObjectMeta(name="a"),
        spec=client.V1NodeSpec(
            taints=[client.V1Taint(key="nvidia.com/gpu", effect="NoSchedule", value="true")]
        ),
    )
    api = make(core=Recorder(responses={"read_node": node}))
    api.taint_node("a", "ailz.io/nccl-bad", "true", "NoSchedule")
    name, args, _ = api.core.calls[-1]
    assert name == "patch_node"
    assert args[1] == {
        "spec": {
            "taints": [
                {"key": "nvidia.com/gpu", "effect": "NoSchedule", "value": "true"},
                {"key": "ailz.io/nccl-bad", "value": "true", "effect": "NoSchedule"},
            ]
        }
    }


def test_broken_kubeconfig_is_a_clear_error(tmp_path):
    broken = tmp_path / "kubeconfig"
    broken.write_text("apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n")
    with pytest.raises(RunError, match="cannot load kubeconfig"):
        KubernetesApi(str(broken), "missing-context")


def test_untaint_removes_only_ailz_taint():
    node = client.V1Node(
        metadata=client.V1ObjectMeta(name="a"),
        spec=client.V1NodeSpec(
            taints=[
                client.V1Taint(key="nvidia.com/gpu", effect="NoSchedule", value="true"),
                client.V1Taint(key="ailz.io/nccl-bad", effect="NoSchedule", value="true"),
            ]
        ),
    )
    api = make(core=Recorder(responses={"read_node": node}))
    api.untaint_node("a", "ailz.io/nccl-bad")
    name, args, _ = api.core.calls[-1]
    assert name == "patch_node" and args[1] == {
        "spec": {"taints": [{"key": "nvidia.com/gpu", "effect": "NoSchedule", "value": "true"}]}
    }


def test_workload_conditions_come_from_the_workload_the_job_owns():
    owned = {
        "metadata": {"ownerReferences": [{"kind": "MPIJob", "name": "nccl-x"}]},
        "status": {"conditions": [{"type": "QuotaReserved", "status": "False", "reason": "Pending"}]},
    }
    other = {"metadata": {"ownerReferences": [{"kind": "MPIJob", "name": "nccl-y"}]}, "status": {}}
    api = make(custom=Recorder(responses={"list_namespaced_custom_object": {"items": [other, owned]}}))
    assert api.workload_conditions("ailz-validation", "MPIJob", "nccl-x") == [
        {"type": "QuotaReserved", "status": "False", "reason": "Pending"}
    ]
    name, args, _ = api.custom.calls[0]
    assert args == ("kueue.x-k8s.io", "v1beta1", "ailz-validation", "workloads")
    assert api.workload_conditions("ailz-validation", "MPIJob", "nccl-z") == []


def test_an_unreachable_api_server_is_an_api_error():
    from urllib3.exceptions import MaxRetryError

    api = make(
        core=Recorder(errors={"list_node": MaxRetryError(None, "/api/v1/nodes", "Connection refused")})
    )
    with pytest.raises(ApiError) as caught:
        api.list_nodes("ailz.io/pool=h100")
    assert caught.value.status == 0 and "Connection refused" in caught.value.message
