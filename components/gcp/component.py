"""Base of the GCP components: a component's depends_on also holds for the resources inside it."""

from __future__ import annotations

import pulumi

from ailz.components.base import AilzComponent


class GcpComponent(AilzComponent):
    """The engine does not make a component's children wait for the component's depends_on, so
    child() passes it on (a cluster must wait for its key grant, a bucket for the GCS agent's)."""

    def __init__(
        self, kind: str, name: str, spec_path: str, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("gcp", kind, name, spec_path, opts)
        depends_on = opts.depends_on if opts is not None else None
        if depends_on is None:
            depends_on = []
        self._inherited = list(depends_on) if isinstance(depends_on, list | tuple) else [depends_on]

    def child(self, **kwargs) -> pulumi.ResourceOptions:
        extra = kwargs.pop("depends_on", []) or []
        return pulumi.ResourceOptions(parent=self, depends_on=[*self._inherited, *extra], **kwargs)
