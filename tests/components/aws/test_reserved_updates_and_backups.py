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


def test_lustre_and_its_clients_reach_each_other_on_the_lustre_ports(aws_plan):
    """FSx for Lustre user guide, "File system access control with Amazon VPC": both directions."""
    groups = {r.name: r.urn for r in aws_plan.of_type("aws:ec2/securityGroup:SecurityGroup")}
    lustre = groups["aws-train-lustre"]
    ingress = aws_plan.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    egress = aws_plan.of_type("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
    ports = {(988, 988), (1018, 1023)}

    def rules(rules, name_part):
        return {(r.inputs["fromPort"], r.inputs["toPort"]) for r in rules if name_part in r.name}

    assert rules(ingress, "lustre-988-cluster") | rules(ingress, "lustre-1018-cluster") == ports
    assert rules(ingress, "-to-cluster") == ports  # the cluster group (on every node) admits FSx
    assert rules(egress, "-out-cluster") == ports and rules(egress, "-out-efa") == ports
    # the EFA group keeps only its self-referencing rules
    efa = groups["aws-train-efa"]
    assert not [r for r in ingress if "to-efa" in r.name]
    assert lustre != efa


def test_the_file_system_waits_for_its_lustre_rules(aws_plan):
    """FSx checks the group's Lustre rules at CreateFileSystem ("cannot create file system")."""
    lustre = one(aws_plan, "aws:fsx/lustreFileSystem:LustreFileSystem")
    rules = [
        r.urn
        for r in aws_plan.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
        if r.name.startswith("aws-train-lustre-") and "-to-" not in r.name  # the file system's own group
    ]
    assert rules and set(rules) <= set(lustre.dependencies)
