"""Loads and checks the catalog YAML files shipped with ailz. No Pulumi here: the CLI reads it too."""

from __future__ import annotations

from functools import cache
from importlib import resources

import yaml

from ailz.catalog.models import Catalog

MACHINE_FILES = ("aws.yaml", "gcp.yaml", "onprem.yaml")
FABRIC_FILE = "fabrics.yaml"
PLATFORM_FILE = "platform.yaml"
# Fact groups beside the machines: catalog section -> the file that holds it.
SECTION_FILES = {
    "fsx_lustre": "aws.yaml",
    "aws_vpc": "aws.yaml",
    "eks_zones": "aws.yaml",
    "eks_pods": "aws.yaml",
    "eks_quotas": "aws.yaml",
    "eks_addons": "aws.yaml",
    "eks_service_cidrs": "aws.yaml",
    "aws_owned_buckets": "aws.yaml",
    "eks_pod_identity_agent": "aws.yaml",
    "aws_limits": "aws.yaml",
    "aws_regions": "aws.yaml",
    "eks_versions": "aws.yaml",
    "gcp_regions": "gcp.yaml",
    "gke_versions": "gcp.yaml",
    "jurisdictions": "residency.yaml",
    "plan_changes": "changes.yaml",
    "service_prices": "prices.yaml",
    "managed_lustre": "gcp.yaml",
    "filestore_zonal": "gcp.yaml",
    "cloud_storage": "gcp.yaml",
    "gcp_addressing": "gcp.yaml",
    "gcp_vpc": "gcp.yaml",
    "gke_metadata_server": "gcp.yaml",
    "gcp_limits": "gcp.yaml",
    "gke_limits": "gcp.yaml",
    "gpudirect_host": "gcp.yaml",
    "nccl_thresholds": "fabrics.yaml",
    "node_topology": "fabrics.yaml",
    "health_check": "fabrics.yaml",
}


@cache
def _read(name: str) -> dict:
    text = resources.files("ailz.catalog").joinpath(name).read_text(encoding="utf-8")
    # libyaml's safe loader where PyYAML has it: the same data, ten times faster than pure Python
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}  # noqa: S506


class OverlayError(ValueError):
    """A user's catalog overlay is wrong: `path` is where in it (YAML keys), `hint` the fix."""

    def __init__(self, path: tuple, message: str, hint: str) -> None:
        super().__init__(message)
        self.path, self.message, self.hint = path, message, hint


OVERLAY_SECTIONS = ("machines", "machine_zones", "aws_regions", "gcp_regions", "eks_versions", "gke_versions")
# the version list an overlay may add minors to, per section
_VERSION_LISTS = {"eks_versions": "standard", "gke_versions": "regular"}
_overlays: list[dict] = []


def use_overlay(data: dict | None) -> None:
    """Facts a user adds on top of the shipped catalog (a new HGX variant, a region or zone newer
    than ailz's data), with the same schema and sources; every later load_catalog() includes them.
    Raises OverlayError for anything the overlay gets wrong, and then leaves the catalog as it was."""
    if data is None:
        _overlays.clear()
    else:
        _check_overlay_shape(data)
        _overlays.append(data)
    load_catalog.cache_clear()
    if data is not None:
        try:
            load_catalog()
        except (OverlayError, ValueError) as error:
            _overlays.pop()
            load_catalog.cache_clear()
            if isinstance(error, OverlayError):
                raise
            errors = getattr(error, "errors", None)
            if callable(errors):  # pydantic: the first problem, at its place in the overlay
                first = errors()[0]
                location = tuple(first["loc"])
                section = location[0] if location else ""
                path = (section, *location[1:]) if section in OVERLAY_SECTIONS else location
                message = first["msg"]
                if first["type"] == "missing":
                    message, path = f"required key '{location[-1]}' is missing", path[:-1]
                raise OverlayError(path, message, _OVERLAY_FIX) from None
            raise OverlayError((), f"the overlay does not fit the catalog: {error}", _OVERLAY_FIX) from None


_OVERLAY_FIX = "see docs/catalog.md, Overlays: the same fields and sources as catalog/*.yaml"


def _check_overlay_shape(data: dict) -> None:
    if not isinstance(data, dict):
        raise OverlayError((), "an overlay is a mapping", f"top-level keys: {', '.join(OVERLAY_SECTIONS)}")
    for key, value in data.items():
        if key not in OVERLAY_SECTIONS:
            import difflib

            close = difflib.get_close_matches(str(key), OVERLAY_SECTIONS, n=1)
            raise OverlayError(
                (key,),
                f"unknown overlay section '{key}'",
                (f"did you mean '{close[0]}'? " if close else "")
                + f"sections: {', '.join(OVERLAY_SECTIONS)}",
            )
        if not isinstance(value, dict):
            raise OverlayError((key,), f"'{key}' must be a mapping", _OVERLAY_FIX)


def _merge_overlay(machines: dict, sections: dict, overlay: dict) -> None:
    """Additions only: a new machine, region or zone; an existing machine's fact stays the vendor's."""
    for name, body in (overlay.get("machines") or {}).items():
        if name in machines:
            raise OverlayError(
                ("machines", name),
                f"machine '{name}' is already in the catalog",
                "an overlay adds machines; to offer it in more zones use machine_zones",
            )
        if not isinstance(body, dict):
            raise OverlayError(("machines", name), "a machine is a mapping", _OVERLAY_FIX)
        machines[name] = {"name": name, **body}
    for name, body in (overlay.get("machine_zones") or {}).items():
        if name not in machines:
            raise OverlayError(
                ("machine_zones", name), f"unknown machine '{name}'", "see `ailz catalog list`"
            )
        if not isinstance(body, dict) or not isinstance(body.get("zones"), list) or not body.get("source"):
            raise OverlayError(
                ("machine_zones", name),
                "machine_zones entries need zones: [...] and source: '...'",
                _OVERLAY_FIX,
            )
        current = machines[name].get("zones") or []
        machines[name] = {
            **machines[name],
            "zones": current + [z for z in body["zones"] if z not in current],
            "zones_source": f"{machines[name].get('zones_source') or ''}; overlay: {body['source']}".lstrip(
                "; "
            ),
        }
    for section, key in _VERSION_LISTS.items():
        added = overlay.get(section)
        if not added:
            continue
        if not added.get("source") or not isinstance(added.get(key), list):
            raise OverlayError((section,), f"{section} needs {key}: [...] and source: '...'", _OVERLAY_FIX)
        current = sections[section][key]
        sections[section] = {
            **sections[section],
            key: current + [str(v) for v in added[key] if str(v) not in current],
            "source": f"{sections[section]['source']}; overlay: {added['source']}",
        }
    for section in ("aws_regions", "gcp_regions"):
        added = overlay.get(section)
        if not added:
            continue
        if not added.get("source") or not isinstance(added.get("regions"), dict):
            raise OverlayError(
                (section,), f"{section} needs regions: {{...}} and source: '...'", _OVERLAY_FIX
            )
        regions = {k: dict(v) for k, v in sections[section]["regions"].items()}
        for name, body in added["regions"].items():
            if not isinstance(body, dict):
                raise OverlayError(
                    (section, "regions", name), "a region is {zones: [...], country: XX}", _OVERLAY_FIX
                )
            if name in regions:
                zones = regions[name]["zones"]
                regions[name]["zones"] = zones + [z for z in body.get("zones", []) if z not in zones]
            else:
                regions[name] = body
        sections[section] = {
            **sections[section],
            "regions": regions,
            "source": f"{sections[section]['source']}; overlay: {added['source']}",
        }


@cache
def load_catalog() -> Catalog:
    """Parse every catalog file once; a broken catalog is a bug in ailz, so errors propagate.
    Overlays (use_overlay) are merged in; their mistakes are the user's (OverlayError)."""
    machines: dict[str, dict] = {}
    for file in MACHINE_FILES:
        for name, body in (_read(file).get("machines") or {}).items():
            if name in machines:
                raise ValueError(f"catalog: machine {name!r} defined twice ({file})")
            machines[name] = {"name": name, **body}
    fabrics = _read(FABRIC_FILE)
    profiles = {name: {"name": name, **body} for name, body in (fabrics.get("fabric_profiles") or {}).items()}
    sections = {}
    for section, file in SECTION_FILES.items():
        if section not in _read(file):
            raise ValueError(f"catalog: {file} has no {section!r} section")
        sections[section] = _read(file)[section]
    for overlay in _overlays:
        _merge_overlay(machines, sections, overlay)
    catalog = Catalog(
        machines=machines,
        fabric_profiles=profiles,
        nccl_pods=fabrics.get("nccl_pods") or {},
        platform=_read(PLATFORM_FILE),
        **sections,
    )
    for machine in catalog.machines.values():
        if machine.nccl_profile not in catalog.fabric_profiles:
            raise ValueError(f"catalog: {machine.name} names unknown profile {machine.nccl_profile}")
    for keyed, names in (
        ("nccl_pods", catalog.nccl_pods),
        ("gpudirect_host.installers", catalog.gpudirect_host.installers),
        ("gpudirect_host.pod_allowances", catalog.gpudirect_host.pod_allowances.profiles),
    ):
        unknown = sorted(set(names) - set(catalog.fabric_profiles))
        if unknown:
            raise ValueError(f"catalog: {keyed} names unknown fabric profiles {unknown}")
    return catalog
