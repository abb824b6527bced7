"""The cluster as the NCCL runner sees it: a thin interface, the errors crossing it, what it returns.

KubernetesApi (kubernetes_api.py) implements it over the official client; tests use a fake.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


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
    labels: dict[str, str] = field(default_factory=dict)
    taints: list[str] = field(default_factory=list)  # taint keys
    annotations: dict[str, str] = field(default_factory=dict)


class ClusterApi(Protocol):
    def list_nodes(self, label_selector: str) -> list[NodeInfo]: ...
    def create(self, obj: dict[str, Any]) -> None: ...
    def delete(self, obj: dict[str, Any]) -> None: ...
    def get(self, obj: dict[str, Any]) -> dict[str, Any]: ...
    def list_pods(self, namespace: str, label_selector: str) -> list[PodInfo]: ...
    def pod_events(self, namespace: str, pod: str) -> list[tuple[str, str]]: ...
    def read_log(self, namespace: str, pod: str, container: str | None = None) -> str: ...
    def workload_conditions(self, namespace: str, kind: str, name: str) -> list[dict[str, Any]]: ...
    def label_node(self, name: str, labels: dict[str, str | None]) -> None: ...  # None removes
    def taint_node(self, name: str, key: str, value: str, effect: str) -> None: ...
    def untaint_node(self, name: str, key: str) -> None: ...
