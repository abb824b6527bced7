"""ClusterApi over the official Kubernetes Python client, imported only when a run needs a cluster."""

from __future__ import annotations

import os
from typing import Any

from ailz.validation.cluster import ApiError, NodeInfo, PodInfo, RunError

# (connect, read) seconds for one API request: a server that accepts and never answers ends the run
# with an environment error instead of hanging it (logs and watches are read in bounded calls too)
REQUEST_TIMEOUT = (10, float(os.environ.get("AILZ_API_READ_TIMEOUT", "120")))
CUSTOM_PLURALS = {("kubeflow.org", "MPIJob"): "mpijobs", ("jobset.x-k8s.io", "JobSet"): "jobsets"}


class KubernetesApi:
    """ClusterApi over the official Kubernetes Python client (imported only when used)."""

    def __init__(self, kubeconfig: str | None = None, context: str | None = None):
        from kubernetes import client, config

        try:
            config.load_kube_config(config_file=kubeconfig, context=context)
        except Exception as error:  # the client raises several types for a missing/broken kubeconfig
            why = str(error) or type(error).__name__
            raise RunError(f"cannot load kubeconfig{f' {kubeconfig}' if kubeconfig else ''}: {why}") from None
        self._client = client
        self.core = client.CoreV1Api()
        self.custom = client.CustomObjectsApi()

    def _call(self, fn, *args, **kwargs):
        from kubernetes.client.exceptions import ApiException
        from urllib3.exceptions import HTTPError

        kwargs.setdefault("_request_timeout", REQUEST_TIMEOUT)
        try:
            return fn(*args, **kwargs)
        except ApiException as error:
            raise ApiError(error.status or 0, error.reason or "", str(error.body or "")) from None
        except (HTTPError, OSError) as error:  # refused, unreachable, TLS: no answer at all
            raise ApiError(0, "no answer from the API server", str(error)[:300]) from None

    @staticmethod
    def _custom(obj: dict[str, Any]) -> tuple[str, str, str, str, str]:
        group, version = obj["apiVersion"].split("/")
        plural = CUSTOM_PLURALS[(group, obj["kind"])]
        return group, version, obj["metadata"]["namespace"], plural, obj["metadata"]["name"]

    def list_nodes(self, label_selector: str) -> list[NodeInfo]:
        nodes = self._call(self.core.list_node, label_selector=label_selector).items
        result = []
        for node in nodes:
            conditions = node.status.conditions or []
            ready = any(c.type == "Ready" and c.status == "True" for c in conditions)
            gpus = int((node.status.allocatable or {}).get("nvidia.com/gpu", "0"))
            taints = [t.key for t in node.spec.taints or []]
            schedulable = ready and not node.spec.unschedulable
            labels, annotations = dict(node.metadata.labels or {}), dict(node.metadata.annotations or {})
            result.append(NodeInfo(node.metadata.name, schedulable, gpus, labels, taints, annotations))
        return result

    def create(self, obj: dict[str, Any]) -> None:
        namespace = obj["metadata"]["namespace"]
        if obj["kind"] == "ConfigMap":
            self._call(self.core.create_namespaced_config_map, namespace, obj)
        elif obj["kind"] == "Secret":
            self._call(self.core.create_namespaced_secret, namespace, obj)
        else:
            group, version, namespace, plural, _ = self._custom(obj)
            self._call(self.custom.create_namespaced_custom_object, group, version, namespace, plural, obj)

    def delete(self, obj: dict[str, Any]) -> None:
        namespace, name = obj["metadata"]["namespace"], obj["metadata"]["name"]
        if obj["kind"] == "ConfigMap":
            self._call(self.core.delete_namespaced_config_map, name, namespace)
        elif obj["kind"] == "Secret":
            self._call(self.core.delete_namespaced_secret, name, namespace)
        else:
            body = self._client.V1DeleteOptions(propagation_policy="Foreground")
            self._call(self.custom.delete_namespaced_custom_object, *self._custom(obj), body=body)

    def get(self, obj: dict[str, Any]) -> dict[str, Any]:
        return self._call(self.custom.get_namespaced_custom_object, *self._custom(obj))

    def list_pods(self, namespace: str, label_selector: str) -> list[PodInfo]:
        pods = self._call(self.core.list_namespaced_pod, namespace, label_selector=label_selector).items
        result = []
        for pod in pods:
            waiting = next(
                (
                    s.state.waiting.reason
                    for s in pod.status.container_statuses or []
                    if s.state and s.state.waiting
                ),
                None,
            )
            role = (pod.metadata.labels or {}).get("ailz.io/role")
            result.append(PodInfo(pod.metadata.name, pod.status.phase, pod.spec.node_name, role, waiting))
        return result

    def pod_events(self, namespace: str, pod: str) -> list[tuple[str, str]]:
        selector = f"involvedObject.name={pod},involvedObject.kind=Pod"
        events = self._call(self.core.list_namespaced_event, namespace, field_selector=selector).items
        return [(e.reason or "", e.message or "") for e in events if e.type == "Warning"]

    def read_log(self, namespace: str, pod: str, container: str | None = None) -> str:
        return self._call(self.core.read_namespaced_pod_log, pod, namespace, container=container)

    def workload_conditions(self, namespace: str, kind: str, name: str) -> list[dict[str, Any]]:
        """The conditions of the Kueue Workload a job owns (QuotaReserved, Admitted, Evicted, ...)."""
        listed = self._call(
            self.custom.list_namespaced_custom_object, "kueue.x-k8s.io", "v1beta1", namespace, "workloads"
        )
        for workload in listed.get("items") or []:
            owners = workload.get("metadata", {}).get("ownerReferences") or []
            if any(o.get("kind") == kind and o.get("name") == name for o in owners):
                return list((workload.get("status") or {}).get("conditions") or [])
        return []

    def untaint_node(self, name: str, key: str) -> None:
        node = self._call(self.core.read_node, name)
        serialize = self._client.ApiClient().sanitize_for_serialization
        taints = [serialize(t) for t in node.spec.taints or [] if t.key != key]
        self._call(self.core.patch_node, name, {"spec": {"taints": taints}})

    def label_node(self, name: str, labels: dict[str, str | None]) -> None:
        self._call(self.core.patch_node, name, {"metadata": {"labels": labels}})

    def taint_node(self, name: str, key: str, value: str, effect: str) -> None:
        node = self._call(self.core.read_node, name)
        serialize = self._client.ApiClient().sanitize_for_serialization
        taints = [serialize(t) for t in node.spec.taints or [] if t.key != key]
        taints.append({"key": key, "value": value, "effect": effect})
        self._call(self.core.patch_node, name, {"spec": {"taints": taints}})
