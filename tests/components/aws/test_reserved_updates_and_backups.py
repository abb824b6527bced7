"""Node-group updates that fit reserved capacity, and FSx backups only where FSx makes them."""

from __future__ import annotations

from ailz.components.kinds import load_text
from ailz.stacks.synth import synthesize
from tests.conftest import EXAMPLES
from tests.inventory import one

EXAMPLE = (EXAMPLES / "aws-p5-training.yaml").read_text()


def test_reserved_pools_replace_nodes_in_place_others_surge(aws_plan):
    groups = {r.name: r.inputs for r in aws_plan.of_type("aws:eks/nodeGroup:NodeGroup")}
    capacity_block = groups["aws-train-h100"]["updateConfig"]
    assert capacity_block == {"maxUnavailable": 1, "updateStrategy": "MINIMAL"}
    system = groups["aws-train-system"]["updateConfig"]
    assert system == {"maxUnavailable": 1}  # on-demand: EKS's default surge-first strategy


def test_lustre_linked_to_the_datasets_bucket_takes_no_backups(aws_plan):
    lustre = one(aws_plan, "aws:fsx/lustreFileSystem:LustreFileSystem").inputs
    assert aws_plan.of_type("aws:fsx/dataRepositoryAssociation:DataRepositoryAssociation")
    assert lustre["automaticBackupRetentionDays"] == 0
    assert "dailyAutomaticBackupStartTime" not in lustre


def test_lustre_without_a_cold_tier_keeps_daily_backups():
    cold = "      cold: {kind: object, archive_after_days: 60, checkpoint_retention_days: 30}\n"
    assert cold in EXAMPLE
    plan = synthesize(load_text(EXAMPLE.replace(cold, ""), "zone.yaml"))
    assert not plan.of_type("aws:fsx/dataRepositoryAssociation:DataRepositoryAssociation")
    lustre = one(plan, "aws:fsx/lustreFileSystem:LustreFileSystem").inputs
    assert lustre["automaticBackupRetentionDays"] == 7 and lustre["copyTagsToBackups"] is True
