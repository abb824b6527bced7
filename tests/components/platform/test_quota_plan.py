"""Kueue quotas of a target: one cohort whose guaranteed GPUs add up to what exists."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ailz.components.platform.quota_plan import plan_quotas

VALIDATION = "ailz-validation"


@given(
    quotas=st.dictionaries(st.sampled_from(["a", "b", "c", "d"]), st.integers(1, 4096), max_size=4),
    pools=st.dictionaries(
        st.sampled_from(["p5", "b200", "h100"]), st.integers(1, 8192), min_size=1, max_size=3
    ),
)
def test_guaranteed_gpus_never_exceed_the_pool_and_teams_reach_their_quota_by_borrowing(quotas, pools):
    plan = plan_quotas(quotas, pools, VALIDATION)
    for flavor, gpus in pools.items():
        assert sum(plan[q][flavor].nominal for q in plan) == gpus  # validation holds the rest
        for team, quota in quotas.items():
            share = plan[team][flavor]
            assert share.nominal >= 0 and share.borrowing_limit >= 0
            assert share.nominal + share.borrowing_limit == min(quota, gpus)
        assert plan[VALIDATION][flavor].borrowing_limit is None


def test_quotas_that_fit_are_guaranteed_whole():
    plan = plan_quotas({"research": 8, "applied": 8}, {"h100": 32}, VALIDATION)
    assert (plan["research"]["h100"].nominal, plan["research"]["h100"].borrowing_limit) == (8, 0)
    assert plan[VALIDATION]["h100"].nominal == 16


def test_oversubscribed_quotas_are_guaranteed_in_proportion():
    plan = plan_quotas({"research": 32, "applied": 8}, {"h100": 32}, VALIDATION)
    assert plan["research"]["h100"].nominal + plan["applied"]["h100"].nominal == 32
    assert plan["research"]["h100"].borrowing_limit == 32 - plan["research"]["h100"].nominal


def test_jobs_without_a_queue_name_are_still_admitted_by_kueue_in_workload_namespaces_only():
    from ailz.components.common import names as naming
    from ailz.components.platform.scheduling import kueue_manager_config
    from ailz.components.platform.team_manifests import workload_namespace_labels

    config = kueue_manager_config()
    assert config["manageJobsWithoutQueueName"] is True
    selector = config["managedJobsNamespaceSelector"]["matchLabels"]
    # team and validation namespaces carry the label; system and operator namespaces do not
    for rdma in (True, False):
        assert selector.items() <= workload_namespace_labels(rdma).items()
    assert selector == {naming.KUEUE_MANAGED_LABEL: "true"}
