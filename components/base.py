"""Base class for ailz components: a type token and the spec path that caused the component."""

from __future__ import annotations

import pulumi

TYPE_PREFIX = "ailz"


class AilzComponent(pulumi.ComponentResource):
    """A ComponentResource that records which part of the spec it implements.

    The spec path travels as a component input, so the real engine and offline synthesis both
    see it and reports can point back at the spec line.
    """

    def __init__(
        self,
        module: str,
        kind: str,
        name: str,
        spec_path: str,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(f"{TYPE_PREFIX}:{module}:{kind}", name, {"specPath": spec_path}, opts)
        self.spec_path = spec_path

    def child(self, **kwargs) -> pulumi.ResourceOptions:
        """Options for a child resource of this component."""
        return pulumi.ResourceOptions(parent=self, **kwargs)
