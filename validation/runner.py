"""Runs rendered NCCL jobs on a cluster: create, watch, collect the launcher log, always clean up.

The cluster sits behind ClusterApi (validation/cluster.py), which the official Kubernetes client
implements in validation/kubernetes_api.py; tests drive the runner with a fake at exactly that boundary.
"""

from __future__ import annotations

import contextlib
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ailz.components.common import names as naming
from ailz.validation.cluster import ApiError, ClusterApi, NodeInfo, PodInfo, RunError
from ailz.validation.job_plan import RUN_LABEL


def _operator_hint(kind: str) -> str:
    """How to install the operator a job kind needs: the release the landing zone pins."""
    if kind == "MPIJob":
        from ailz.catalog import load_catalog

        manifest = load_catalog().platform.manifests["mpi-operator"]
        return (
            f"the Kubeflow MPI operator {manifest.version} (the platform layer installs it; by hand: "
            f"kubectl apply --server-side -f {manifest.url})"
        )
    return (
        "JobSet (kubectl apply --server-side -f "
        "https://github.com/kubernetes-sigs/jobset/releases/latest/download/manifests.yaml)"
    )


OPERATORS = ("MPIJob", "JobSet")
DONE = {"MPIJob": ("Succeeded", "Failed"), "JobSet": ("Completed", "Failed")}


def explain(error: ApiError, obj: dict[str, Any]) -> str:
    """Turn an API error into what the user should do."""
    kind, namespace = obj["kind"], obj["metadata"].get("namespace", "")
    if error.status == 404 and kind in OPERATORS:
        return f"the cluster does not know {kind} ({obj['apiVersion']}): install {_operator_hint(kind)}"
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
    state: str  # succeeded | failed | timeout | unscheduled | interrupted
    log: str = ""
    nodes: list[str] = field(default_factory=list)
    message: str = ""
    seconds: float = 0.0  # from the pods running to the end (GPU time)
    workload: list[str] = field(default_factory=list)  # the Kueue Workload's conditions, when it waited

    @property
    def tested(self) -> bool:
        """False when the fabric never got to run: the pods were never all scheduled and running."""
        return self.state not in ("unscheduled", "interrupted")


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


def check_pool(api: ClusterApi, pool: str, needed: int, exclude_taint: str | None = None) -> list[NodeInfo]:
    """Ready nodes of the pool (without exclude_taint); a RunError when there are too few."""
    selector = f"{naming.POOL_LABEL}={pool}"
    nodes = api.list_nodes(selector)
    ready = [n for n in nodes if n.ready and (exclude_taint is None or exclude_taint not in n.taints)]
    if not nodes:
        raise RunError(
            f"no node carries the label {selector}: is the pool deployed and scaled up "
            "(a pool at 0 nodes must be scaled before validation)?"
        )
    if len(ready) < needed:
        tainted = sum(1 for n in nodes if exclude_taint is not None and exclude_taint in n.taints)
        raise RunError(
            f"the pool has {len(ready)} ready nodes of {len(nodes)}, the test needs {needed}"
            + (
                f" ({tainted} carry {exclude_taint}: `ailz validate nccl clear` re-tests them)"
                if tainted
                else ""
            )
        )
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


def _workload_conditions(api: ClusterApi, job: dict[str, Any]) -> list[str]:
    """'QuotaReserved=False (Pending): couldn't assign flavors ...' for a job Kueue holds back."""
    try:
        conditions = api.workload_conditions(
            job["metadata"]["namespace"], job["kind"], job["metadata"]["name"]
        )
    except ApiError:
        return []
    return [
        f"{c.get('type')}={c.get('status')} ({c.get('reason', '')}): {c.get('message', '')}".strip()
        for c in conditions
    ]


@dataclass
class _Tracked:
    job: dict[str, Any]
    created: float
    objects: list[dict[str, Any]] = field(default_factory=list)  # made and not yet deleted
    running_since: float | None = None

    @property
    def name(self) -> str:
        return self.job["metadata"]["name"]


def run_jobs(
    api: ClusterApi,
    runs: list[list[dict[str, Any]]],
    timeout_seconds: float,
    poll_seconds: float = 5.0,
    on_progress: Callable[[str], None] = lambda text: None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    schedule_timeout_seconds: float | None = None,
) -> list[RunOutcome]:
    """Run several jobs at once (each a list of objects, the job last). Every job has its own clock:
    `schedule_timeout_seconds` to get all its pods running (else it is `unscheduled`: not tested),
    then `timeout_seconds` to finish. A job's objects are deleted as soon as it ends, so one stuck job
    neither holds the others' GPUs nor the round past its own deadlines."""
    schedule_timeout = timeout_seconds if schedule_timeout_seconds is None else schedule_timeout_seconds
    tracked: list[_Tracked] = []
    outcomes: dict[str, RunOutcome] = {}
    try:
        with sigterm_as_interrupt():
            for objects in runs:
                entry = _Tracked(objects[-1], clock())
                tracked.append(entry)
                for obj in objects:
                    try:
                        api.create(obj)
                    except ApiError as error:
                        if error.status == 0:  # no answer at all: the environment, not the job
                            raise
                        raise RunError(explain(error, obj)) from None
                    entry.objects.append(obj)
            while True:
                for entry in tracked:
                    if entry.name not in outcomes:
                        _step(api, entry, outcomes, clock, timeout_seconds, schedule_timeout, on_progress)
                    if entry.name in outcomes and entry.objects:
                        _cleanup(api, entry.objects, on_progress)
                if len(outcomes) == len(tracked):
                    break
                sleep(poll_seconds)
    except KeyboardInterrupt:
        for entry in tracked:
            outcomes.setdefault(
                entry.name, RunOutcome(entry.name, "interrupted", message="interrupted; job deleted")
            )
        for entry in tracked:
            _cleanup(api, entry.objects, on_progress)
        raise
    finally:
        for entry in tracked:
            if entry.objects:
                _cleanup(api, entry.objects, on_progress)
    return [outcomes[objects[-1]["metadata"]["name"]] for objects in runs]


def _step(
    api, entry: _Tracked, outcomes, clock, timeout: float, schedule_timeout: float, on_progress
) -> None:
    """One poll of one job: done, still scheduling, running, or past one of its deadlines."""
    job, name = entry.job, entry.name
    namespace = job["metadata"]["namespace"]
    _poll(api, job, outcomes, entry, clock)
    if name in outcomes:
        return
    now = clock()
    pods = api.list_pods(namespace, f"{RUN_LABEL}={name}")
    running = sum(p.phase == "Running" for p in pods)
    if entry.running_since is None and pods and not any(p.phase == "Pending" for p in pods):
        entry.running_since = now
    reason = _pending_reason(api, namespace, pods) if entry.running_since is None else ""
    if entry.running_since is None:
        waited = now - entry.created
        on_progress(
            f"{name}: {running}/{len(pods)} pods running, waiting {waited:.0f}s of {schedule_timeout:.0f}s"
            + (f" — {reason}" if reason else "")
        )
        if waited >= schedule_timeout:
            workload = _workload_conditions(api, job)
            message = f"not scheduled within {schedule_timeout:.0f}s" + (f"; {reason}" if reason else "")
            held = [c for c in workload if "=False" in c]  # e.g. QuotaReserved=False: Kueue holds it back
            if held:
                message += f"; Kueue: {held[-1]}"
            outcomes[name] = RunOutcome(name, "unscheduled", "", [], message, 0.0, workload)
        return
    elapsed = now - entry.running_since
    on_progress(f"{name}: {running}/{len(pods)} pods running, {elapsed:.0f}s of {timeout:.0f}s")
    if elapsed >= timeout:
        log = _launcher_log(api, job)
        outcomes[name] = RunOutcome(
            name, "timeout", log, _nodes(api, job), f"timed out after {timeout:.0f}s", elapsed
        )


def _poll(
    api: ClusterApi, job: dict[str, Any], outcomes: dict[str, RunOutcome], entry: _Tracked, clock
) -> None:
    name = job["metadata"]["name"]
    try:
        current = api.get(job)
    except ApiError as error:
        if error.status == 0:
            raise
        raise RunError(explain(error, job)) from None
    state = job_state(job["kind"], current)
    if state is None:
        return
    messages = [
        c.get("message", "")
        for c in (current.get("status") or {}).get("conditions") or []
        if c.get("message")
    ]
    started = entry.running_since if entry.running_since is not None else entry.created
    outcomes[name] = RunOutcome(
        name, state, _launcher_log(api, job), _nodes(api, job), "; ".join(messages[-1:]), clock() - started
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
