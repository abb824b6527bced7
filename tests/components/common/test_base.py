"""A renamed component tells the engine its former type, so deployed stacks keep their state."""

from __future__ import annotations

import pulumi

from ailz.components.common.base import AilzComponent
from tests.registrations import register


def test_formerly_sends_an_alias_to_the_old_type_under_the_same_parent():
    def program():
        zone = AilzComponent("gcp", "LandingZone", "lz", "targets[0]")
        AilzComponent(
            "gcp", "Network", "net", "targets[0].network",
            opts=pulumi.ResourceOptions(parent=zone), formerly="PrimaryNetwork",
        )  # fmt: skip

    seen = register(program)
    assert seen["ailz:gcp:Network::net"]["aliases"] == [
        ("ailz:gcp:PrimaryNetwork", "")
    ]  # "": the current parent
    assert seen["ailz:gcp:LandingZone::lz"]["aliases"] == []
