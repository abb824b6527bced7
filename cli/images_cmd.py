"""`ailz images`: every container image and chart each target pulls, and where a mirror must hold
it, so an air-gapped site can mirror exactly that before `ailz up`."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import typer

from ailz.cli.common import out, synthesize_or_exit, write_text

PATCH_TYPES = ("kubernetes:apps/v1:DeploymentPatch",)


class ImagesOutput(StrEnum):
    text = "text"
    json = "json"
    digests = "digests"


def digests_template(found: dict[str, Any]) -> str:
    """Per target, the `image_digests` entries for images ailz renders by tag (not the ones charts
    pull): the fix AILZ-K8S-006 asks for, to fill with `crane digest <image>` at mirror time."""
    lines = []
    for entry in found["targets"]:
        wanted = sorted(
            {
                item["upstream"]
                for item in entry["images"]
                if not item["pinned"]
                and item["upstream"]
                and any(not u.startswith(("chart ", "NicClusterPolicy")) for u in item["usedBy"])
            }
        )
        if not wanted:
            continue
        lines.append(f"# target {entry['name']}: add under the target in the spec")
        lines.append("image_digests:")
        lines += [f"  {json.dumps(image)}: sha256:<crane digest {image}>" for image in wanted]
    return "\n".join(lines) + "\n" if lines else "# every image ailz renders is pinned by digest\n"


@dataclass
class Pulled:
    image: str  # the reference a node pulls (the mirror's when the target has one)
    upstream: str | None  # where the mirror copies it from; None: ailz renders it as is
    used_by: list[str] = field(default_factory=list)

    @property
    def pinned(self) -> bool:
        return "@sha256:" in self.image


def _pod_images(resource) -> list[str]:
    from ailz.policies import props as P

    found = []
    specs = [spec for _, spec, _ in P.pod_specs(resource.type, resource.inputs)]
    if resource.type in PATCH_TYPES:
        specs.append(P.get(resource.inputs, "spec", "template", "spec") or {})
    for spec in specs:
        for container in P.containers(spec):
            image = P.get(container, "image")
            if isinstance(image, str) and image:
                found.append(image)
    return found


def _nic_policy_images(resource) -> list[tuple[str, str]]:
    """(pulled, upstream): a NicClusterPolicy names its components' images as repository, image and
    version; upstream they live in the Network Operator's component repository (catalog)."""
    from ailz.catalog import load_catalog

    upstream_repository = load_catalog().platform.charts["network-operator"].component_repository
    found = []
    for part in (resource.inputs.get("spec") or {}).values():
        candidates = [part, *(part.values() if isinstance(part, dict) else [])]
        for item in candidates:
            if isinstance(item, dict) and {"image", "repository", "version"} <= set(item):
                found.append(
                    (
                        f"{item['repository']}/{item['image']}:{item['version']}",
                        f"{upstream_repository}/{item['image']}:{item['version']}",
                    )
                )
    return found


def _chart_images(resource, mirror: str | None) -> list[tuple[str, str]]:
    """(pulled, upstream) for the images a release's chart pulls (catalog `charts.<name>.images`):
    under the mirror, except a one-image chart whose image ailz sets itself in the values."""
    from ailz.catalog import load_catalog
    from ailz.components.common.images import mirrored_image

    chart_ref = str(resource.inputs.get("chart") or "").rstrip("/")
    chart = next((c for c in load_catalog().platform.charts.values() if chart_ref.endswith(c.chart)), None)
    if chart is None:
        return []
    values = resource.inputs.get("values") or {}
    override = values.get("image") if isinstance(values, dict) else None
    if len(chart.images) == 1 and override:
        (upstream,) = chart.images
        if isinstance(override, str):  # the whole reference
            return [(override, upstream)]
        if override.get("repository"):  # the repository, the chart's tag
            return [(f"{override['repository']}:{upstream.rsplit(':', 1)[-1]}", upstream)]
    found = [(mirrored_image(upstream, mirror), upstream) for upstream in chart.images]
    for subchart, upstreams in chart.subchart_images.items():  # the ones ailz enables sets every image
        images = ((values.get(subchart) or {}).get("images") or {}) if isinstance(values, dict) else {}
        found += [(images[key], upstream) for key, upstream in upstreams.items() if images.get(key)]
    return found


def os_tagged(pair: tuple[str, str], suffixes: dict[str, str], os: str | None) -> tuple[str, str]:
    """(pulled, upstream) with the node OS the operator appends to a driver image's tag."""
    pulled, upstream = pair
    name = upstream.rsplit("/", 1)[-1].split(":", 1)[0]
    if os is None or name not in suffixes or "@sha256:" in upstream:
        return pair
    suffix = suffixes[name].format(os=os)
    return pulled + suffix, upstream + suffix


def chart_upstream(chart) -> str:
    """Where a mirroring script fetches a chart: an OCI reference, or repository URL and name."""
    if chart.repository.startswith("oci://"):
        return f"{chart.repository}/{chart.chart}:{chart.version}"
    return f"{chart.repository} {chart.chart} {chart.version}"


def known_upstreams(catalog) -> set[str]:
    """Every upstream image the catalog names (fabric profiles, NCCL pods and their sidecars,
    GPUDirect host plumbing, charts, manifests): what a mirror copies from."""
    found = {p.image for p in catalog.fabric_profiles.values() if p.image}
    for pod in catalog.nccl_pods.values():
        found |= {pod.image, pod.sidecar.image if pod.sidecar else None}
    host = catalog.gpudirect_host
    found |= {host.pause_image, host.nri_device_injector.image}
    found |= {i.aperture_devices.helper_image for i in host.installers.values() if i.aperture_devices}
    for chart in catalog.platform.charts.values():
        found |= set(chart.images)
        for images in chart.subchart_images.values():
            found |= set(images.values())
    for manifest in catalog.platform.manifests.values():
        found |= set(manifest.images.values())
    return {image for image in found if image}


def inventory(loaded, plan) -> dict[str, Any]:
    """Per target: the images its nodes pull and the charts and manifests it installs."""
    from ailz.catalog import load_catalog
    from ailz.components.common.images import mirrored_image, pinned
    from ailz.validation.job_plan import RenderError, plan_job

    zone = loaded.zone
    targets = []
    for target in zone.targets:
        if target.name not in {t.name for t in plan.targets}:
            continue
        mirror = target.registries.mirror if target.registries is not None else None
        # the upstream of an image ailz renders under the mirror, or as it is without one
        digests = target.image_digests
        upstreams = [pinned(u, digests) for u in known_upstreams(load_catalog())]
        upstream_of = {mirrored_image(u, mirror): u for u in upstreams}
        pulled: dict[str, Pulled] = {}

        def add(
            image: str,
            upstream: str | None,
            user: str,
            pulled: dict[str, Pulled] = pulled,
            upstream_of: dict[str, str] = upstream_of,
        ) -> None:
            entry = pulled.setdefault(image, Pulled(image, upstream or upstream_of.get(image)))
            if user not in entry.used_by:
                entry.used_by.append(user)

        os = target.driver_os_tag
        catalog_charts = load_catalog().platform.charts
        charts, manifests = [], []
        for resource in plan.resources:
            if resource.target != target.name:
                continue
            if resource.type == "kubernetes:yaml/v2:ConfigFile":  # a component resource in the plan
                manifests.append(resource.inputs.get("file"))
            elif not resource.custom:
                continue
            elif resource.type == "kubernetes:helm.sh/v3:Release":
                name = resource.inputs.get("name") or resource.name
                repo = (resource.inputs.get("repositoryOpts") or {}).get("repo")
                chart_ref = str(resource.inputs.get("chart") or "")
                chart = next((c for c in catalog_charts.values() if chart_ref.endswith(c.chart)), None)
                charts.append({"release": name, "chart": chart_ref, "repository": repo,
                               "version": resource.inputs.get("version"),
                               "upstream": chart_upstream(chart) if chart else None})  # fmt: skip
                suffixes = chart.os_suffix if chart else {}
                for pair in _chart_images(resource, mirror):
                    add(*os_tagged(pair, suffixes, os), f"chart {name}")
            elif resource.type.endswith(":NicClusterPolicy"):
                suffixes = catalog_charts["network-operator"].os_suffix
                for pair in _nic_policy_images(resource):
                    add(*os_tagged(pair, suffixes, os), "NicClusterPolicy")
            else:
                for image in _pod_images(resource):
                    add(image, None, resource.name)
        for name, manifest in load_catalog().platform.manifests.items():
            for upstream in manifest.images.values():
                if manifests:
                    add(mirrored_image(upstream, mirror), upstream, f"manifest {name}")
        for pool in target.gpu_pools:  # the NCCL validation job and its sidecar
            try:
                job = plan_job(zone, target.name, pool.name)
            except RenderError:
                continue
            add(job.image, None, f"validation {pool.name}")
            sidecar = job.pod.get("sidecar") or {}
            if sidecar.get("image"):
                add(sidecar["image"], None, f"validation {pool.name}")
        targets.append(
            {
                "name": target.name,
                "mirror": mirror,
                "images": [
                    {
                        "image": p.image,
                        "upstream": p.upstream,
                        "pinned": p.pinned,
                        "usedBy": sorted(p.used_by),
                    }
                    for p in sorted(pulled.values(), key=lambda p: p.image)
                ],
                "charts": charts,
                "manifests": manifests,
            }
        )
    return {"zone": zone.name, "targets": targets}


def images(
    spec: str = typer.Argument(..., help="Landing-zone YAML file."),
    target: list[str] = typer.Option(
        None, "--target", "-t", metavar="NAME", help="Only this target (repeatable)."
    ),
    output: ImagesOutput = typer.Option(
        ImagesOutput.text, "--output", "-o", help="text, json, or digests (an image_digests template)."
    ),
    out_file: str = typer.Option(None, "--out", help="Write the list to this file instead of stdout."),
) -> None:
    """List every image and chart each target pulls, with the mirror path it must have."""
    loaded, plan = synthesize_or_exit(spec, target)
    found = inventory(loaded, plan)
    if output is ImagesOutput.json:
        write_text(json.dumps(found, indent=2) + "\n", out_file)
        return
    if output is ImagesOutput.digests:
        write_text(digests_template(found), out_file)
        return
    lines = []
    for entry in found["targets"]:
        mirror = entry["mirror"] or "none (upstream registries)"
        lines.append(f"{entry['name']}  mirror: {mirror}")
        for item in entry["images"]:
            source = (
                f"  <- {item['upstream']}" if item["upstream"] and item["upstream"] != item["image"] else ""
            )
            pin = "" if item["pinned"] else "  (tag, not digest)"
            lines.append(f"  {item['image']}{source}{pin}")
            lines.append(f"      used by {', '.join(item['usedBy'])}")
        for chart in entry["charts"]:
            where = chart["repository"] or ""
            lines.append(f"  chart {chart['chart']} {chart['version']} {where}".rstrip())
        for manifest in entry["manifests"]:
            lines.append(f"  manifest {manifest}")
    if out_file:
        write_text("\n".join(lines) + "\n", out_file)
    else:
        out.print("\n".join(lines), markup=False, highlight=False, soft_wrap=True)
