"""Runs rendered NCCL jobs on a cluster: create, watch, collect the launcher log, always clean up.

The cluster sits behind ClusterApi, a thin interface over the official Kubernetes client
(KubernetesApi); tests drive the runner with a fake at exactly that boundary.
"""

from __future__ import annotations

import contextlib
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from ailz.components.common import names as naming
from ailz.validation.render import RUN_LABEL

CUSTOM_PLURALS = {("kubeflow.org", "MPIJob"): "mpijobs", ("jobset.x-k8s.io", "JobSet"): "jobsets"}
OPERATORS = {
    "MPIJob": "the Kubeflow MPI operator v2 (kubectl apply --server-side -f "
    "https://raw.githubusercontent.com/kubeflow/mpi-operator/master/deploy/v2beta1/mpi-operator.yaml)",
    "JobSet": "JobSet (kubectl apply --server-side -f "
    "https://github.com/kubernetes-sigs/jobset/releases/latest/download/manifests.yaml)",
}
DONE = {"MPIJob": ("Succeeded", "Failed"), "JobSet": ("Completed", "Failed")}


class ApiError(Exception):
    def __init__(self, status: int, reason: str, message: str = ""):
        super().__init__(f"{status} {reason}: {message}")
        self.status, self.reason, self.message = status, reason, message


class RunError(Exception):
    """The run could not start or was refused; the message says what to do."""


@dataclass
class PodInfo:
    name: str
    phase: str
    node: str | None = None
    role: str | None = None
    waiting_reason: str | None = None


@dataclass
class NodeInfo:
    name: str
    ready: bool
    gpus: int


class ClusterApi(Protocol):
    def list_nodes(self, label_selector: str) -> list[NodeInfo]: ...
    def create(self, obj: dict[str, Any]) -> None: ...
    def delete(self, obj: dict[str, Any]) -> None: ...
    def get(self, obj: dict[str, Any]) -> dict[str, Any]: ...
    def list_pods(self, namespace: str, label_selector: str) -> list[PodInfo]: ...
    def pod_events(self, namespace: str, pod: str) -> list[tuple[str, str]]: ...
    def read_log(self, namespace: str, pod: str, container: str | None = None) -> str: ...
    def label_node(self, name: str, labels: dict[str, str]) -> None: ...
    def taint_node(self, name: str, key: str, value: str, effect: str) -> None: ...


def explain(error: ApiError, obj: dict[str, Any]) -> str:
    """Turn an API error into what the user should do."""
    kind, namespace = obj["kind"], obj["metadata"].get("namespace", "")
    if error.status == 404 and kind in OPERATORS:
        return f"the cluster does not know {kind} ({obj['apiVersion']}): install {OPERATORS[kind]}"
    if error.status == 404 and namespace:
        return f"namespace {namespace} does not exist: deploy the landing zone (it creates it) or create it"
    if error.status == 403:
        return (
            f"not allowed to create {kind} in namespace {namespace} ({error.message.strip()[:200]}): "
            "bind your identity's group to the ailz-validator roles (set validation.nccl.runner_group "
            "in the spec and apply the zone)"
        )
    if error.status == 401:
        return (
            "the cluster rejected your credentials: refresh the kubeconfig (e.g. aws eks update-kubeconfig)"
        )
    if error.status == 409:
        return f"{kind} {obj['metadata']['name']} already exists: delete it or pick another name"
    return f"Kubernetes API error {error.status} {error.reason}: {error.message.strip()[:300]}"


def job_state(kind: str, obj: dict[str, Any]) -> str | None:
    """'succeeded' / 'failed' from the job's conditions, None while it runs."""
    done, failed = DONE[kind]
    for condition in (obj.get("status") or {}).get("conditions") or []:
        if condition.get("status") != "True":
            continue
        if condition.get("type") == done:
            return "succeeded"
        if condition.get("type") == failed:
            return "failed"
    return None


@dataclass
class RunOutcome:
    name: str
    state: str  # succeeded | failed | timeout | interrupted
    log: str = ""
    nodes: list[str] = field(default_factory=list)
    message: str = ""
    seconds: float = 0.0


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM (kubectl/CI cancel) takes the same cleanup path as Ctrl-C."""

    def handler(signum, frame):
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def check_pool(api: ClusterApi, pool: str, needed: int) -> list[NodeInfo]:
    """Ready nodes of the pool; a RunError when there are too few."""
    selector = f"{naming.POOL_LABEL}={pool}"
    nodes = api.list_nodes(selector)
    ready = [n for n in nodes if n.ready]
    if not nodes:
        raise RunError(
            f"no node carries the label {selector}: is the pool deployed and scaled up "
            "(a pool at 0 nodes must be scaled before validation)?"
        )
    if len(ready) < needed:
        raise RunError(f"the pool has {len(ready)} ready nodes of {len(nodes)}, the test needs {needed}")
    return ready


def _pending_reason(api: ClusterApi, namespace: str, pods: list[PodInfo]) -> str:
    for pod in pods:
        if pod.phase != "Pending":
            continue
        for reason, message in reversed(api.pod_events(namespace, pod.name)):
            if reason in ("FailedScheduling", "FailedMount", "FailedCreatePodSandBox", "Failed"):
                return f"pod {pod.name} pending: {reason}: {message}"
        if pod.waiting_reason:
            return f"pod {pod.name} pending: {pod.waiting_reason}"
    return ""


def run_jobs(
    api: ClusterApi,
    runs: list[list[dict[str, Any]]],
    timeout_seconds: float,
    poll_seconds: float = 5.0,
    on_progress: Callable[[str], None] = lambda text: None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> list[RunOutcome]:
    """Run several jobs at once (each a list of objects, the job last); delete all of them at the end."""
    created: list[dict[str, Any]] = []
    outcomes: dict[str, RunOutcome] = {}
    start = clock()
    try:
        with sigterm_as_interrupt():
            for objects in runs:
                for obj in objects:
                    try:
                        api.create(obj)
                    except ApiError as error:
                        raise RunError(explain(error, obj)) from None
                    created.append(obj)
            jobs = [objects[-1] for objects in runs]
            while True:
                waiting = [j for j in jobs if j["metadata"]["name"] not in outcomes]
                for job in waiting:
                    _poll(api, job, outcomes, start, clock)
                waiting = [j for j in jobs if j["metadata"]["name"] not in outcomes]
                if not waiting:
                    break
                elapsed = clock() - start
                reason = ""
                for job in waiting:
                    pods = api.list_pods(
                        job["metadata"]["namespace"], f"{RUN_LABEL}={job['metadata']['name']}"
                    )
                    reason = reason or _pending_reason(api, job["metadata"]["namespace"], pods)
                    running = sum(p.phase == "Running" for p in pods)
                    on_progress(
                        f"{job['metadata']['name']}: {running}/{len(pods)} pods running, "
                        f"{elapsed:.0f}s of {timeout_seconds:.0f}s" + (f" — {reason}" if reason else "")
                    )
                if elapsed >= timeout_seconds:
                    for job in waiting:
                        name = job["metadata"]["name"]
                        log = _launcher_log(api, job)
                        message = f"timed out after {timeout_seconds:.0f}s" + (
                            f"; {reason}" if reason else ""
                        )
                        outcomes[name] = RunOutcome(name, "timeout", log, _nodes(api, job), message, elapsed)
                    break
                sleep(poll_seconds)
    except KeyboardInterrupt:
        for objects in runs:
            name = objects[-1]["metadata"]["name"]
            outcomes.setdefault(name, RunOutcome(name, "interrupted", message="interrupted; job deleted"))
        _cleanup(api, created, on_progress)
        raise
    finally:
        if created:
            _cleanup(api, created, on_progress)
            created.clear()
    return [outcomes[objects[-1]["metadata"]["name"]] for objects in runs]


def _poll(api: ClusterApi, job: dict[str, Any], outcomes: dict[str, RunOutcome], start: float, clock) -> None:
    name = job["metadata"]["name"]
    try:
        current = api.get(job)
    except ApiError as error:
        raise RunError(explain(error, job)) from None
    state = job_state(job["kind"], current)
    if state is None:
        return
    messages = [
        c.get("message", "")
        for c in (current.get("status") or {}).get("conditions") or []
        if c.get("message")
    ]
    outcomes[name] = RunOutcome(
        name, state, _launcher_log(api, job), _nodes(api, job), "; ".join(messages[-1:]), clock() - start
    )


def _nodes(api: ClusterApi, job: dict[str, Any]) -> list[str]:
    pods = api.list_pods(
        job["metadata"]["namespace"], f"{RUN_LABEL}={job['metadata']['name']},ailz.io/role=worker"
    )
    return sorted({p.node for p in pods if p.node})


def _launcher_log(api: ClusterApi, job: dict[str, Any]) -> str:
    namespace = job["metadata"]["namespace"]
    pods = api.list_pods(namespace, f"{RUN_LABEL}={job['metadata']['name']},ailz.io/role=launcher")
    for pod in pods:
        with contextlib.suppress(ApiError):
            return api.read_log(namespace, pod.name)
    return ""


@contextlib.contextmanager
def _signals_deferred() -> Iterator[None]:
    """A second Ctrl-C must not cut the cleanup short: ignore SIGINT/SIGTERM while deleting."""
    try:
        previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _cleanup(api: ClusterApi, created: list[dict[str, Any]], on_progress: Callable[[str], None]) -> None:
    """Delete everything this run created, job first; keep going when one delete fails."""
    with _signals_deferred():
        for obj in reversed(created):
            try:
                api.delete(obj)
            except ApiError as error:
                if error.status != 404:
                    on_progress(f"could not delete {obj['kind']} {obj['metadata']['name']}: {error.reason}")
        created.clear()


class KubernetesApi:
    """ClusterApi over the official Kubernetes Python client (imported only when used)."""

    def __init__(self, kubeconfig: str | None = None, context: str | None = None):
        from kubernetes import client, config

        try:
            config.load_kube_config(config_file=kubeconfig, context=context)
        except Exception as error:  # the client raises several types for a missing/broken kubeconfig
            raise RunError(
                f"cannot load kubeconfig{f' {kubeconfig}' if kubeconfig else ''}: {error}"
            ) from None
        self._client = client
        self.core = client.CoreV1Api()
        self.custom = client.CustomObjectsApi()

    def _call(self, fn, *args, **kwargs):
        from kubernetes.client.exceptions import ApiException

        try:
            return fn(*args, **kwargs)
        except ApiException as error:
            raise ApiError(error.status or 0, error.reason or "", str(error.body or "")) from None

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
            result.append(NodeInfo(node.metadata.name, ready and not node.spec.unschedulable, gpus))
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

    def label_node(self, name: str, labels: dict[str, str]) -> None:
        self._call(self.core.patch_node, name, {"metadata": {"labels": labels}})

    def taint_node(self, name: str, key: str, value: str, effect: str) -> None:
        node = self._call(self.core.read_node, name)
        serialize = self._client.ApiClient().sanitize_for_serialization
        taints = [serialize(t) for t in node.spec.taints or [] if t.key != key]
        taints.append({"key": key, "value": value, "effect": effect})
        self._call(self.core.patch_node, name, {"spec": {"taints": taints}})
