"""ConfigMaps that point driver containers at the site's OS package mirror; pure.

The GPU Operator's driver and the Network Operator's DOCA driver build kernel modules on the node
and install the running kernel's headers and modules first. Without egress they read the
repository file from a ConfigMap in their own namespace, and a CA bundle from another one (GPU
Operator `driver.repoConfig.configMapName` / `driver.certConfig.name`; NicClusterPolicy
`ofedDriver.repoConfig.name` / `ofedDriver.certConfig.name`).
"""

from __future__ import annotations

from typing import Any

REPO_CONFIG = "ailz-os-packages"
CA_CONFIG = "ailz-os-packages-ca"


def os_package_config_maps(
    packages: tuple[str, str, str | None], namespace: str, labels: dict[str, str]
) -> list[dict[str, Any]]:
    """The repository file (and CA bundle) ConfigMaps for the driver containers in `namespace`."""
    file_name, repository, ca_bundle = packages
    out = [_config_map(REPO_CONFIG, namespace, labels, {file_name: repository.rstrip("\n") + "\n"})]
    if ca_bundle:
        out.append(_config_map(CA_CONFIG, namespace, labels, {f"{CA_CONFIG}.crt": ca_bundle}))
    return out


def driver_references(packages: tuple[str, str, str | None] | None) -> tuple[str | None, str | None]:
    """(repository ConfigMap, CA ConfigMap) names a driver container is given, or None each."""
    if packages is None:
        return None, None
    return REPO_CONFIG, CA_CONFIG if packages[2] else None


def _config_map(name: str, namespace: str, labels: dict[str, str], data: dict[str, str]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": namespace, "labels": dict(labels)},
        "data": data,
    }
