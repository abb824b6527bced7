"""A fake Kubernetes API at the ClusterApi boundary: jobs finish after a few polls with a scripted log."""

from __future__ import annotations

from pathlib import Path

from ailz.validation.cluster import ApiError, NodeInfo, PodInfo

GOOD_LOG = (Path(__file__).parent / "fixtures" / "allreduce_2node_v2_16.log").read_text()


def slow_log(factor: float = 0.25) -> str:
    """The good two-node log with every bandwidth scaled down (a broken NIC, say)."""
    lines = []
    for line in GOOD_LOG.splitlines():
        tokens = line.split()
        if tokens and tokens[0].isdigit() and len(tokens) == 13:
            for i in (6, 7, 10, 11):
                tokens[i] = f"{float(tokens[i]) * factor:.2f}"
            line = "  " + "  ".join(tokens)
        lines.append(line)
    return "\n".join(lines) + "\n"


class FakeCluster:
    """Jobs finish after `polls_to_finish` polls; pairs with a node in `bad` log a slow fabric, with a
    node in `flaky` a slow one with that probability; `unschedulable_nodes` never get their pods."""

    def __init__(
        self,
        nodes=("node-a", "node-b"),
        bad=(),
        polls_to_finish=2,
        outcome="Succeeded",
        racks=None,
        flaky=None,
    ):
        import random

        self.nodes = list(nodes)
        self.racks = dict(racks or {})  # node -> rack, as the GKE sub-block label
        self.flaky = dict(flaky or {})
        self.random = random.Random(0)
        self.unschedulable_nodes: set[str] = set()
        self.workload = [
            {
                "type": "QuotaReserved",
                "status": "False",
                "reason": "Pending",
                "message": "couldn't assign flavors to pod set worker: insufficient unused quota",
            }
        ]
        self.node_taints: dict[str, list[str]] = {}
        self.bad = set(bad)
        self.polls_to_finish = polls_to_finish
        self.outcome = outcome
        self.objects: dict[tuple[str, str], dict] = {}
        self.created: list[tuple[str, str]] = []
        self.deleted: list[tuple[str, str]] = []
        self.polls: dict[str, int] = {}
        self.fail_create: dict[str, ApiError] = {}
        self.pending_event: tuple[str, str] | None = None
        self.labels: dict[str, dict] = {}
        self.logs: dict[str, str] = {}
        self.spine_down = False
        self.taints: dict[str, tuple] = {}
        self.unschedulable = False

    # ClusterApi
    def list_nodes(self, label_selector):
        return [
            NodeInfo(
                n, True, 8,
                {"cloud.google.com/gce-topology-subblock": self.racks[n]} if n in self.racks else {},
                list(self.node_taints.get(n, [])),
            )
            for n in self.nodes
        ]  # fmt: skip

    def _stuck(self, name):
        return self.unschedulable or bool(self.unschedulable_nodes & set(self._pinned(self._job(name))))

    def create(self, obj):
        if obj["kind"] in self.fail_create:
            raise self.fail_create[obj["kind"]]
        key = (obj["kind"], obj["metadata"]["name"])
        self.objects[key] = obj
        self.created.append(key)

    def delete(self, obj):
        key = (obj["kind"], obj["metadata"]["name"])
        if key not in self.objects:
            raise ApiError(404, "Not Found")
        del self.objects[key]
        self.deleted.append(key)

    def _job(self, name):
        return next(o for (k, n), o in self.objects.items() if n == name and k in ("MPIJob", "JobSet"))

    def _pinned(self, job):
        template = (
            job["spec"]["mpiReplicaSpecs"]["Worker"]["template"]
            if job["kind"] == "MPIJob"
            else job["spec"]["replicatedJobs"][0]["template"]["spec"]["template"]
        )
        affinity = template["spec"]["affinity"].get("nodeAffinity")
        if not affinity:
            return self.nodes[:2]
        return affinity["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"][0][
            "matchExpressions"
        ][0]["values"]

    def get(self, obj):
        name = obj["metadata"]["name"]
        self.polls[name] = self.polls.get(name, 0) + 1
        if self._stuck(name) or self.polls[name] < self.polls_to_finish:
            return {"status": {"conditions": [{"type": "Created", "status": "True"}]}}
        kind_done = {"MPIJob": "Succeeded", "JobSet": "Completed"}[obj["kind"]]
        condition = kind_done if self.outcome == "Succeeded" else "Failed"
        return {"status": {"conditions": [{"type": condition, "status": "True", "message": "job ended"}]}}

    def list_pods(self, namespace, label_selector):
        run = dict(part.split("=") for part in label_selector.split(","))["ailz.io/validation-run"]
        job = self._job(run)
        role = dict(part.split("=") for part in label_selector.split(",")).get("ailz.io/role")
        stuck = self._stuck(run)
        phase = "Pending" if stuck else "Running"
        pods = [PodInfo(f"{run}-worker-{i}", phase, None if stuck else n, "worker")
                for i, n in enumerate(self._pinned(job))]  # fmt: skip
        pods.append(PodInfo(f"{run}-launcher", phase, None, "launcher"))
        return [p for p in pods if role in (None, p.role)]

    def pod_events(self, namespace, pod):
        return [self.pending_event] if self.pending_event else []

    def read_log(self, namespace, pod, container=None):
        run = pod.removesuffix("-launcher")
        job = self._job(run)
        if self.outcome != "Succeeded":
            return (Path(__file__).parent / "fixtures" / "failure_nccl_mpirun.log").read_text()
        pinned = set(self._pinned(job))
        if run not in self.logs:
            flaky = any(self.random.random() < self.flaky[n] for n in sorted(pinned) if n in self.flaky)
            racks = {self.racks[n] for n in pinned if n in self.racks}
            slow = self.bad & pinned or flaky or len(racks) > 1 and self.spine_down
            self.logs[run] = slow_log() if slow else GOOD_LOG
        return self.logs[run]

    def workload_conditions(self, namespace, kind, name):
        return list(self.workload)

    def label_node(self, name, labels):
        current = self.labels.setdefault(name, {})
        for key, value in labels.items():
            if value is None:
                current.pop(key, None)
            else:
                current[key] = value
        if not current:
            del self.labels[name]

    def taint_node(self, name, key, value, effect):
        self.taints[name] = (key, value, effect)
        self.node_taints.setdefault(name, []).append(key)

    def untaint_node(self, name, key):
        if self.taints.get(name, (None,))[0] == key:
            del self.taints[name]
        self.node_taints[name] = [k for k in self.node_taints.get(name, []) if k != key]


class FakeClock:
    def __init__(self, on_sleep=None):
        self.now = 0.0
        self.on_sleep = on_sleep

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds
        if self.on_sleep:
            self.on_sleep(self.now)
