"""The example in docs/aws.md plans: B200 on a reservation, no egress, external keys."""

from __future__ import annotations

from tests.inventory import assert_subset, one


def test_docs_example_plans(docs_plan):
    target = docs_plan.targets[0]
    assert_subset(
        {
            "region": "eu-central-1",
            "zone": "eu-central-1a",
            "pools": ["b200"],
            "efaInterfacesPerNode": {"b200": 8},
            "kmsKeys": {
                "storage": "arn:aws:kms:eu-central-1:111122223333:key/0b5f2a63-1111-4e7e-9c0e-000000000002"
            },
        },
        target.outputs,
    )
    assert set(target.outputs["buckets"]) == {"datasets", "checkpoints"}
    system = one(docs_plan, "aws:eks/nodeGroup:NodeGroup", "fra-b200-system")
    assert_subset(
        {"instanceTypes": ["m7i.2xlarge"], "scalingConfig": {"minSize": 3, "maxSize": 6}}, system.inputs
    )
    ng = one(docs_plan, "aws:eks/nodeGroup:NodeGroup", "fra-b200-b200")
    assert ng.inputs["labels"]["project"] == "frontier"
    assert docs_plan.type_counts()["aws:kms/key:Key"] == 0
