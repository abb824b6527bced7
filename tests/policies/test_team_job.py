"""A compliant team training job passes the gate on every target kind: the validation MPIJob ailz
renders, run by a team in its own namespace with its image pinned, as a team would."""

from __future__ import annotations

import copy

import pytest

from ailz.policies.gate import run_gate
from tests.policies.team_job import team_job


@pytest.mark.parametrize(
    "name, target, pool",
    [("onprem-sovereign", "fra-dgx", "dgx"), ("onprem-sriov-roce", "ams-hgx", "hgx"),
     ("aws-p5-training", "aws-train", "h100"), ("gcp-a3-mega", "gcp-ft", "h100-mega")],
)  # fmt: skip
def test_a_compliant_team_training_job_passes(example_plan, name, target, pool):
    plan = copy.deepcopy(example_plan(name))
    before = {(f.rule_id, f.urn) for f in run_gate(plan, profile="prod").blocking}
    plan.resources.extend(team_job(name, target, pool))
    after = run_gate(plan, profile="prod")
    new = [f for f in after.blocking if (f.rule_id, f.urn) not in before]
    assert not new, after.text()


def test_gke_plugin_host_paths_are_not_allowed_on_other_targets(example_plan):
    # the GPUDirect plugin directories are GKE's; on an on-prem target a pod mounting them is refused
    plan = copy.deepcopy(example_plan("onprem-sovereign"))
    job = team_job("onprem-sovereign", "fra-dgx", "dgx")
    pod = job[-1].inputs["spec"]["mpiReplicaSpecs"]["Worker"]["template"]["spec"]
    pod.setdefault("volumes", []).append({"name": "sys", "hostPath": {"path": "/sys"}})
    plan.resources.extend(job)
    found = [f for f in run_gate(plan, profile="prod").blocking if f.rule_id == "AILZ-K8S-008"]
    assert found and "/sys" in found[0].message
