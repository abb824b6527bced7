"""Reading resource inputs the way rules need them: paths, unknowns, tags, pod specs, images, regions.

Pure functions over plain dicts (camelCase keys, as on the wire). No Pulumi imports.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

# The value the Pulumi engine puts where an output is not known yet (preview).
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


class UnknownValue(Exception):
    """A value a rule needs is not known before apply; mandatory rules fail closed on it."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


_MISSING = object()


def get(obj: Any, *path: str | int, default: Any = None) -> Any:
    """obj[path...] or default; raises UnknownValue when the engine does not know the value yet."""
    current = obj
    for part in path:
        if isinstance(current, dict):
            current = current.get(part, _MISSING)
        elif isinstance(current, list) and isinstance(part, int):
            current = current[part] if part < len(current) else _MISSING
        elif current == UNKNOWN:
            raise UnknownValue(_dotted(path))
        else:
            return default
        if current is _MISSING:
            return default
    if current == UNKNOWN:
        raise UnknownValue(_dotted(path))
    return current


def present(obj: Any, *path: str | int) -> bool:
    """Is a value set at path? An unknown leaf counts as set: a computed key ARN or boundary
    reference is unknown at preview but certainly there. An unknown parent still raises."""
    *parents, last = path
    parent = get(obj, *parents) if parents else obj
    if isinstance(parent, dict):
        value = parent.get(last)
    elif isinstance(parent, list) and isinstance(last, int) and last < len(parent):
        value = parent[last]
    else:
        return False
    return value == UNKNOWN or bool(value)


def customer_key(obj: Any, *path: str | int) -> bool:
    """A customer-managed key is set at path: present (an unknown reference counts, it is computed
    from a key of the plan), and not an AWS-managed key's alias (alias/aws/s3, alias/aws/ebs)."""
    if not present(obj, *path):
        return False
    *parents, last = path
    parent = get(obj, *parents) if parents else obj
    value = parent.get(last) if isinstance(parent, dict) else None
    return not (isinstance(value, str) and value != UNKNOWN and "alias/aws/" in value)


def known_list(obj: Any, *path: str | int) -> list:
    """The list at path ([] when absent). An entry the engine does not know yet is unknown, not
    skipped: a wholly unknown container must not make a rule pass."""
    value = get(obj, *path, default=None)
    if not isinstance(value, list):
        return []
    for i, entry in enumerate(value):
        if entry == UNKNOWN:
            raise UnknownValue(_dotted((*path, i)))
    return value


def list_length(obj: Any, *path: str | int) -> int:
    """How many entries the list at path has, known or not (0 when absent)."""
    value = get(obj, *path, default=None)
    return len(value) if isinstance(value, list) else 0


def _dotted(path: tuple) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


def truthy(value: Any) -> bool:
    """Pulumi passes some booleans as strings ('true'): accept both."""
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


# --- tags and labels ------------------------------------------------------------------------------

# Where each type keeps its cost tags. Types not listed use "tags" (aws) or "labels" (gcp).
TAG_PATHS: dict[str, tuple[str, ...]] = {
    "gcp:container/cluster:Cluster": ("resourceLabels",),
    "gcp:container/nodePool:NodePool": ("nodeConfig", "resourceLabels"),
    # a notification channel's `labels` are its settings (email_address, ...)
    "gcp:monitoring/notificationChannel:NotificationChannel": ("userLabels",),
}
# Types that take tags/labels even when the input is absent (so a missing tag set is a finding).
TAGGABLE_TYPES = frozenset(
    {
        "aws:ec2/vpc:Vpc",
        "aws:ec2/subnet:Subnet",
        "aws:ec2/securityGroup:SecurityGroup",
        "aws:ec2/launchTemplate:LaunchTemplate",
        "aws:ec2/placementGroup:PlacementGroup",
        "aws:ec2/natGateway:NatGateway",
        "aws:ec2/internetGateway:InternetGateway",
        "aws:ec2/eip:Eip",
        "aws:ec2/routeTable:RouteTable",
        "aws:ec2/instance:Instance",
        "aws:eks/cluster:Cluster",
        "aws:eks/nodeGroup:NodeGroup",
        "aws:eks/addon:Addon",
        "aws:fsx/lustreFileSystem:LustreFileSystem",
        "aws:s3/bucket:Bucket",
        "aws:s3/bucketV2:BucketV2",
        "aws:kms/key:Key",
        "aws:kms/externalKey:ExternalKey",
        "aws:iam/role:Role",
        "aws:iam/policy:Policy",
        "aws:secretsmanager/secret:Secret",
        "aws:budgets/budget:Budget",
        "gcp:storage/bucket:Bucket",
        "gcp:kms/cryptoKey:CryptoKey",
        "gcp:container/cluster:Cluster",
        "gcp:container/nodePool:NodePool",
        "gcp:lustre/instance:Instance",
        "gcp:compute/instance:Instance",
        "gcp:compute/disk:Disk",
        "gcp:filestore/instance:Instance",
        "gcp:monitoring/notificationChannel:NotificationChannel",
    }
)


def tag_path(type_token: str) -> tuple[str, ...] | None:
    if type_token in TAG_PATHS:
        return TAG_PATHS[type_token]
    if type_token.startswith("aws:"):
        return ("tags",)
    if type_token.startswith("gcp:"):
        return ("labels",)
    return None


def tags_of(type_token: str, props: dict) -> dict | None:
    """The resource's tag/label map, {} when it takes tags but has none, None when it takes none."""
    path = tag_path(type_token)
    if path is None:
        return None
    value = get(props, *path)
    if type_token.startswith("aws:") and isinstance(get(props, "tagsAll"), dict):
        # a state file's tagsAll: the resource's own tags plus the provider's default tags
        return {**get(props, "tagsAll"), **(value if isinstance(value, dict) else {})}
    if isinstance(value, dict):
        return value
    return {} if type_token in TAGGABLE_TYPES else None


def purpose_of(type_token: str, props: dict) -> str | None:
    """Pool purpose from the `purpose` tag/label (components/common/labels.PURPOSE_KEY), or node labels."""
    tags = tags_of(type_token, props) or {}
    node_labels = (
        get(props, "labels") if type_token.startswith("aws:") else get(props, "nodeConfig", "labels")
    )
    for source in (tags, node_labels or {}):
        for key in ("purpose", "ailz.io/purpose"):
            if key in source:
                return str(source[key])
    return None


# --- Kubernetes pod specs ----------------------------------------------------------------------

# Where each common workload kind keeps its pod template(s): lists of key paths to a PodSpec. Any
# other Kubernetes kind (PyTorchJob, TFJob, TrainJob, RayJob, RayCluster, LeaderWorkerSet, a CRD of
# the user's own) is searched for embedded PodSpecs (a mapping with a `containers` list).
_POD_TEMPLATE = ("spec", "template", "spec")
POD_SPEC_PATHS: dict[str, tuple[tuple[str, ...], ...]] = {
    "kubernetes:core/v1:Pod": (("spec",),),
    "kubernetes:batch/v1:Job": (_POD_TEMPLATE,),
    "kubernetes:batch/v1:CronJob": (("spec", "jobTemplate", "spec", "template", "spec"),),
    "kubernetes:apps/v1:Deployment": (_POD_TEMPLATE,),
    "kubernetes:apps/v1:StatefulSet": (_POD_TEMPLATE,),
    "kubernetes:apps/v1:DaemonSet": (_POD_TEMPLATE,),
    "kubernetes:apps/v1:ReplicaSet": (_POD_TEMPLATE,),
    "kubernetes:core/v1:ReplicationController": (_POD_TEMPLATE,),
    "kubernetes:core/v1:PodTemplate": (("template", "spec"),),
}
JOBSET = "kubernetes:jobset.x-k8s.io/v1alpha2:JobSet"
MPIJOB = "kubernetes:kubeflow.org/v2beta1:MPIJob"
# kinds that run one job across nodes (the fabric must reach every worker)
MULTI_NODE_KINDS = frozenset(
    {
        MPIJOB,
        JOBSET,
        "kubernetes:kubeflow.org/v1:PyTorchJob",
        "kubernetes:kubeflow.org/v1:TFJob",
        "kubernetes:kubeflow.org/v1:MPIJob",
        "kubernetes:trainer.kubeflow.org/v1alpha1:TrainJob",
        "kubernetes:ray.io/v1:RayJob",
        "kubernetes:ray.io/v1:RayCluster",
        "kubernetes:leaderworkerset.x-k8s.io/v1:LeaderWorkerSet",
    }
)
# Kubernetes kinds that never hold a pod template: not searched
NO_PODS = (
    "kubernetes:helm.sh/",
    "kubernetes:yaml/",
    "kubernetes:core/v1:ConfigMap",
    "kubernetes:core/v1:Secret",
    "kubernetes:core/v1:Namespace",
    "kubernetes:rbac.",
    "kubernetes:networking.k8s.io/",
    "kubernetes:admissionregistration.",
    "kubernetes:apiextensions.k8s.io/",
)
WORKLOAD_PREFIX = ("kubernetes:",)


def is_workload(type_token: str) -> bool:
    """May this type hold pod templates? Every Kubernetes kind but the ones that never do."""
    return type_token.startswith(WORKLOAD_PREFIX) and not type_token.startswith(NO_PODS)


def _embedded(node: Any, path: tuple, meta: dict, out: list) -> None:
    """Every PodSpec inside node: a mapping with a `containers` list, and its template's metadata."""
    if isinstance(node, dict):
        if isinstance(node.get("containers"), list) or node.get("containers") == UNKNOWN:
            out.append((_dotted(path), node, meta))
            return
        here = node.get("metadata") if isinstance(node.get("metadata"), dict) else meta
        for key, value in node.items():
            if key not in ("metadata", "status"):
                _embedded(value, (*path, key), here if key == "spec" else {}, out)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _embedded(value, (*path, i), {}, out)


def pod_specs(type_token: str, props: dict) -> list[tuple[str, dict, dict]]:
    """(where, pod spec, pod template metadata) for every pod template in a workload."""
    out: list[tuple[str, dict, dict]] = []
    paths = POD_SPEC_PATHS.get(type_token)
    if paths is None:
        if is_workload(type_token):
            _embedded({k: v for k, v in props.items() if k not in ("metadata", "status")}, (), {}, out)
        return out
    for path in paths:
        spec = get(props, *path)
        if isinstance(spec, dict):
            meta = get(props, *path[:-1], "metadata") if len(path) > 1 else get(props, "metadata")
            out.append((_dotted(path), spec, meta if isinstance(meta, dict) else {}))
    return out


def containers(pod_spec: dict) -> Iterator[dict]:
    """Init, regular and ephemeral containers; an unknown one raises (fails closed)."""
    for key in ("initContainers", "containers", "ephemeralContainers"):
        for container in known_list(pod_spec, key):
            if isinstance(container, dict):
                yield container


def namespace_of(props: dict) -> str:
    return get(props, "metadata", "namespace") or "default"


def gpu_count(container: dict, kind: str = "limits") -> int | None:
    value = get(container, "resources", kind, "nvidia.com/gpu")
    if value is None:
        return None
    try:
        return int(str(value))
    except ValueError:
        return None


# --- images ------------------------------------------------------------------------------------


def images_in_values(values: Any, path: str = "values") -> Iterator[tuple[str, str]]:
    """(path, image location) for every image a Helm values tree names.

    Recognises `image: "repo:tag"`, `image: {registry, repository, tag|digest}`, and the NVIDIA
    operators' `{repository: registry/path, image: name}` where `repository` alone moves every image.
    """
    if isinstance(values, dict):
        image = values.get("image")
        repository = values.get("repository")
        if isinstance(image, str) and image:
            located = isinstance(repository, str) and repository
            yield f"{path}.image", f"{repository}/{image}" if located else image
        elif isinstance(image, dict):
            registry, repo = image.get("registry"), image.get("repository")
            parts = [p for p in (registry, repo) if isinstance(p, str) and p]
            if parts:
                yield f"{path}.image", "/".join(parts) if isinstance(repo, str) and repo else f"{registry}/"
        elif isinstance(repository, str) and repository and "://" not in repository:
            yield f"{path}.repository", repository
        for key, value in values.items():
            if key != "image":
                yield from images_in_values(value, f"{path}.{key}")
    elif isinstance(values, list):
        for i, value in enumerate(values):
            yield from images_in_values(value, f"{path}[{i}]")


def registry_of(image: str) -> str:
    """The registry host of an image reference (docker.io when the first part is not a host)."""
    first, sep, _ = image.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        return first.lower()
    return "docker.io"


def pinned(image: str) -> bool:
    return "@sha256:" in image


# --- regions -----------------------------------------------------------------------------------

_AWS_ZONE = re.compile(r"^([a-z]{2}(?:-gov|-iso[a-z]*)?-[a-z]+-\d+)[a-z]$")
_GCP_ZONE = re.compile(r"^([a-z]+-[a-z]+\d+)-[a-z]$")


@lru_cache(maxsize=4096)
def region_of_location(location: str) -> str:
    """eu-west-1a -> eu-west-1, europe-west4-b -> europe-west4, EU -> eu, europe-west4 -> europe-west4."""
    text = str(location).strip().lower()
    for pattern in (_AWS_ZONE, _GCP_ZONE):
        match = pattern.match(text)
        if match:
            return match.group(1)
    return text
