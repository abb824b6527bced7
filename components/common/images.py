"""Image references on a mirror: the same repository path, tag and digest under the mirror's
registry, so a site without internet egress pulls every image from one place."""

from __future__ import annotations

from collections.abc import Mapping

DOCKER_HUB = "docker.io"


def registry_and_path(image: str) -> tuple[str, str]:
    """'us-docker.pkg.dev/a/b:v1' -> ('us-docker.pkg.dev', 'a/b:v1'); 'ubuntu:24.04' ->
    ('docker.io', 'library/ubuntu:24.04'), as a container runtime resolves a short name."""
    first, _, rest = image.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        return first, rest
    return DOCKER_HUB, image if rest else f"library/{image}"


def mirrored_image(image: str, mirror: str | None) -> str:
    """The image as the mirror serves it, or the image itself without a mirror."""
    if not mirror:
        return image
    _, path = registry_and_path(image)
    return f"{mirror.rstrip('/')}/{path}"


def pinned(image: str, digests: Mapping[str, str] | None) -> str:
    """The image with the digest the spec gives for it (registries.digests), else as it is."""
    if not digests or "@sha256:" in image or image not in digests:
        return image
    return f"{image}@{digests[image]}"
