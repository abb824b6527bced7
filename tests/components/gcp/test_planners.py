"""Pure GCP planners: node labels, reservation affinity, scaling, names, bucket lifecycle."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from ailz.components.common import names as naming
from ailz.components.gcp import gpu_pool_plan, names
from ailz.components.gcp.cold_storage import lifecycle_rules
from ailz.components.gcp.keys import service_agents
from ailz.spec.common import Capacity, GpuPool

K8S_VALUE = re.compile(r"^([A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?)?$")
ACCOUNT_ID = re.compile(r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$")

tag_text = st.text(min_size=1, max_size=80)


@given(
    tags=st.dictionaries(tag_text, tag_text, max_size=8),
    extra=st.dictionaries(tag_text, tag_text, max_size=3),
)
def test_node_labels_are_valid_and_never_reserved(tags, extra):
    pool = GpuPool(name="h200", machine="a3-ultragpu-8g", nodes=2)
    tags = {**tags, "kubernetes.io/hostname": "x", "node.k8s.io/role": "y"}
    labels = gpu_pool_plan.node_labels(tags, pool, "gcp-train")
    assert labels[naming.POOL_LABEL] == "h200" and labels[naming.TARGET_LABEL] == "gcp-train"
    for key, value in labels.items():
        domain = key.split("/", 1)[0] if "/" in key else ""
        assert not (domain.endswith("kubernetes.io") or domain.endswith("k8s.io")), key
        assert K8S_VALUE.match(value), value


def test_reservation_affinity():
    reserved = GpuPool(
        name="p",
        machine="a4-highgpu-8g",
        nodes=2,
        capacity=Capacity(kind="reservation", reservation_id="res", reservation_block="b7"),
    )
    assert gpu_pool_plan.reservation_affinity(reserved) == {
        "consume_reservation_type": "SPECIFIC_RESERVATION",
        "key": "compute.googleapis.com/reservation-name",
        "values": ["res/reservationBlocks/b7"],
    }
    on_demand = GpuPool(name="p", machine="a4-highgpu-8g", nodes=2)
    assert gpu_pool_plan.reservation_affinity(on_demand) == {"consume_reservation_type": "NO_RESERVATION"}


@given(low=st.integers(0, 20), extra=st.integers(0, 20), more=st.integers(0, 20))
def test_scaling_is_fixed_only_when_bounds_meet(low, extra, more):
    nodes = max(1, low + extra)
    pool = GpuPool(name="p", machine="a3-megagpu-8g", nodes=nodes, min_nodes=low, max_nodes=nodes + more)
    plan = gpu_pool_plan.scaling(pool)
    if low == nodes + more:
        assert plan == {"node_count": nodes}
    else:
        assert plan["initial_node_count"] == nodes
        assert plan["autoscaling"]["min_node_count"] == low
        assert plan["autoscaling"]["max_node_count"] == nodes + more


@given(st.text(min_size=1, max_size=120), st.integers(20, 63))
def test_fit_respects_the_limit_and_is_stable(name, limit):
    out = names.fit(name, limit)
    assert len(out) <= limit
    assert out == names.fit(name, limit)
    assert re.fullmatch(r"[a-z0-9-]*", out)


@given(st.lists(st.from_regex(r"[a-z][a-z0-9-]{0,38}[a-z0-9]", fullmatch=True), min_size=1, max_size=3))
def test_account_ids_follow_iam_rules(parts):
    assert ACCOUNT_ID.match(names.account_id(*parts)), names.account_id(*parts)


@given(st.integers(1, 3650))
def test_lifecycle_moves_objects_colder_with_age(days):
    rules = lifecycle_rules(days)
    moves = [
        (r["condition"]["age"], r["action"]["storage_class"])
        for r in rules
        if r["action"]["type"] == "SetStorageClass"
    ]
    assert moves[-1] == (days, "ARCHIVE")
    assert [age for age, _ in moves] == sorted(age for age, _ in moves)
    assert rules[-1]["action"]["type"] == "Delete" and rules[-1]["condition"]["with_state"] == "ARCHIVED"


def test_service_agents_per_data_class():
    agents = service_agents("123", "service-123@gs-project-accounts.iam.gserviceaccount.com", None)
    assert agents["secrets"] == {
        "gke": "serviceAccount:service-123@container-engine-robot.iam.gserviceaccount.com"
    }
    assert set(agents["storage"]) == {"compute", "gcs"}
    assert agents["logs"] == {}


def test_maintenance_windows_meet_gke_minimum():
    from datetime import datetime

    from ailz.components.gcp.cluster import MAINTENANCE_WINDOW

    start = datetime.fromisoformat(MAINTENANCE_WINDOW["start_time"].replace("Z", "+00:00"))
    end = datetime.fromisoformat(MAINTENANCE_WINDOW["end_time"].replace("Z", "+00:00"))
    hours = (end - start).total_seconds() / 3600
    days = MAINTENANCE_WINDOW["recurrence"].split("BYDAY=")[1].split(",")
    assert hours >= 4  # each window at least 4 contiguous hours
    assert hours * len(days) * 4 >= 48  # any 32 days hold four full weeks
