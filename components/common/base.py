"""Base class for ailz components: a type token and the spec path that caused the component."""

from __future__ import annotations

import pulumi

TYPE_PREFIX = "ailz"


class AilzComponent(pulumi.ComponentResource):
    """A ComponentResource that records which part of the spec it implements.

    The spec path travels as a component input, so the real engine and offline synthesis both
    see it and reports can point back at the spec line. The engine does not make a component's
    children wait for the component's own depends_on, so child() passes it on (a cluster must
    wait for its key grant, an in-cluster release for the node group it runs on).
    """

    def __init__(
        self,
        module: str,
        kind: str,
        name: str,
        spec_path: str,
        opts: pulumi.ResourceOptions | None = None,
        formerly: str | None = None,
    ) -> None:
        if formerly is not None:
            # a renamed component keeps its stack state: the engine maps the old type onto the new
            # one, for it and (through the parent chain) for every child
            former = pulumi.Alias(type_=f"{TYPE_PREFIX}:{module}:{formerly}")
            opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(aliases=[former]))
        super().__init__(f"{TYPE_PREFIX}:{module}:{kind}", name, {"specPath": spec_path}, opts)
        self.spec_path = spec_path
        inherited = opts.depends_on if opts is not None and opts.depends_on is not None else []
        self._inherited = list(inherited) if isinstance(inherited, list | tuple) else [inherited]

    def child(self, **kwargs) -> pulumi.ResourceOptions:
        """Options for a child resource: parented here, waiting for what this component waits for."""
        extra = kwargs.pop("depends_on", None) or []
        extra = list(extra) if isinstance(extra, list | tuple) else [extra]
        return pulumi.ResourceOptions(parent=self, depends_on=[*self._inherited, *extra], **kwargs)
