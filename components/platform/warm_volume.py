"""The warm tier as a Kubernetes PersistentVolume: static provisioning of an existing filesystem."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from ailz.components.common.base import AilzComponent


class WarmVolume(AilzComponent):
    """A cluster-scoped PersistentVolume; a PVC with `volumeName: <volume_name>` binds it."""

    def __init__(
        self,
        name: str,
        spec_path: str,
        *,
        volume_name: str,
        spec: pulumi.Input[dict],
        labels: dict[str, str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("k8s", "WarmVolume", name, spec_path, opts)
        self.volume_name = volume_name
        self.volume = k8s.core.v1.PersistentVolume(
            name, metadata={"name": volume_name, "labels": labels}, spec=spec, opts=self.child()
        )
        self.register_outputs({"volume": volume_name})
