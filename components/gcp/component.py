"""Base of the GCP components: AilzComponent in the `gcp` module."""

from __future__ import annotations

import pulumi

from ailz.components.common.base import AilzComponent


class GcpComponent(AilzComponent):
    def __init__(
        self,
        kind: str,
        name: str,
        spec_path: str,
        opts: pulumi.ResourceOptions | None = None,
        formerly: str | None = None,
    ) -> None:
        super().__init__("gcp", kind, name, spec_path, opts, formerly=formerly)
