"""Each team has its own identity component; its resources keep the state they had under the one
component that used to hold every team."""

from __future__ import annotations

import pulumi

from ailz.catalog import load_catalog
from ailz.components.aws.iam import IamBaseline
from ailz.components.aws.team_identity import TeamIdentity
from ailz.components.common.base import AilzComponent
from tests.registrations import register


def test_team_resources_alias_the_component_that_held_every_team():
    def program():
        zone = AilzComponent("aws", "LandingZone", "aws-train", "targets[0]")
        here = pulumi.ResourceOptions(parent=zone)
        iam = IamBaseline(
            "aws-train-iam", "targets[0]", zone="z", target="aws-train", allowed_regions=["eu-west-1"],
            partition="aws", tags={"team": "a"}, opts=here,
        )  # fmt: skip
        old = pulumi.create_urn("aws-train-teams", "ailz:aws:TeamIdentities", parent=zone)
        TeamIdentity(
            "aws-train-team-research", "targets[0]", team="research", target="aws-train", iam=iam,
            cluster_name="c", bucket_arns=["arn:aws:s3:::b"], storage_key={"Resource": "arn:aws:kms:k"},
            tags={"team": "research"}, formerly_under=old, opts=here,
        )  # fmt: skip

    seen = register(program)
    # the landing zone's type chain, then the old component (mocks put the root stack type first)
    chain = "pulumi:pulumi:Stack$ailz:aws:LandingZone$ailz:aws:TeamIdentities"
    old_parent = f"urn:pulumi:s::ailz::{chain}::aws-train-teams"
    children = [
        "aws:iam/role:Role::aws-train-team-research",
        "aws:iam/rolePolicy:RolePolicy::aws-train-team-research-data",
        "aws:eks/podIdentityAssociation:PodIdentityAssociation::aws-train-team-research",
    ]
    for child in children:
        assert seen[child]["aliases"] == [("", old_parent)], child
        assert seen[child]["parent"].endswith("ailz:aws:TeamIdentity::aws-train-team-research"), child


def test_the_landing_zone_points_team_aliases_at_its_own_old_component():
    """In the real program: every team resource aliases `<target>-teams` right under the landing zone."""
    from ailz.components.kinds import load_spec
    from ailz.stacks.synth import _run_target
    from tests.conftest import EXAMPLES

    loaded = load_spec(EXAMPLES / "aws-p5-training.yaml")
    registrations, _ = _run_target(loaded.zone, 0, load_catalog())
    zone = next(r for r in registrations if r["type"] == "ailz:aws:LandingZone")
    old_parent = f"{zone['urn'].rsplit('::', 1)[0]}$ailz:aws:TeamIdentities::aws-train-teams"
    team_resources = [r for r in registrations if r["parent"] and ":TeamIdentity::" in r["parent"]]
    assert len(team_resources) == 3 * 2  # role, policy, pod identity association for 2 teams
    assert all(r["aliases"] == [("", old_parent)] for r in team_resources)
    renamed = {r["type"]: r["aliases"] for r in registrations if r["aliases"] and r["custom"] is False}
    assert renamed == {
        "ailz:aws:EncryptionKeys": [("ailz:aws:ZoneKeys", "")],
        "ailz:aws:ColdStorage": [("ailz:aws:ObjectStore", "")],
    }
