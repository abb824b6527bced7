"""What the Kubernetes API fills in for objects the platform layer declares, for offline plans."""

from __future__ import annotations

from typing import Any

from ailz.components.common.fakes import CloudFakes, FakeContext


def _kubernetes(type_token: str, name: str, inputs: dict[str, Any], ctx: FakeContext) -> dict[str, Any]:
    metadata = dict(inputs.get("metadata") or {})
    if not metadata.get("name"):
        metadata["name"] = name
    return {"metadata": metadata} if "metadata" in inputs or type_token.startswith("kubernetes:") else {}


KUBERNETES_FAKES = CloudFakes(provider="kubernetes", every_resource=_kubernetes)
