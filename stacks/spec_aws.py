"""The `kind: aws` target."""

from __future__ import annotations

from typing import Literal

from ailz.stacks.spec_common import TargetBase
from pydantic import Field


class AwsTarget(TargetBase):
    kind: Literal["aws"]
    region: str = Field(pattern=r"^[a-z]{2}(-gov)?-[a-z]+-\d$", description="e.g. eu-west-1")
    zone: str = Field(pattern=r"^[a-z]{2}(-gov)?-[a-z]+-\d[a-z]$", description="e.g. eu-west-1a")

    @property
    def location(self) -> str:
        return self.region
