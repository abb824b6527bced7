"""A user's catalog overlay adds machines, regions and zones with sources; its mistakes are the
user's (exit 2 at the overlay's file and line) and leave the shipped catalog as it was."""

from __future__ import annotations

import copy

import pytest
import yaml
from typer.testing import CliRunner

from ailz.catalog import load_catalog
from ailz.catalog.load import OverlayError, use_overlay
from ailz.cli.app import app
from ailz.components.kinds import load_text
from ailz.spec import loader
from ailz.spec.errors import SpecError
from tests.conftest import EXAMPLES

runner = CliRunner()
CHILE = {
    "aws_regions": {
        "source": "AWS announcement of the region's launch",
        "regions": {
            "sa-west-1": {"zones": ["a", "b", "c"], "country": "CL"},
            "eu-west-1": {"zones": ["d"], "country": "IE"},
        },
    }
}


@pytest.fixture(autouse=True)
def shipped_catalog():
    use_overlay(None)
    loader._LOADED_OVERLAYS.clear()
    yield
    use_overlay(None)
    loader._LOADED_OVERLAYS.clear()


def chile_spec(**extra) -> dict:
    document = yaml.safe_load((EXAMPLES / "aws-p5-training.yaml").read_text())
    document["residency"] = {"allowed_regions": ["sa-west-1"], "jurisdictions": ["CL"]}
    document["targets"][0].update(region="sa-west-1", zone="sa-west-1b")
    document.update(extra)
    return document


def test_an_overlay_adds_a_region_and_zones_with_its_source():
    use_overlay(copy.deepcopy(CHILE))
    regions = load_catalog().aws_regions
    assert regions.regions["sa-west-1"].country == "CL"
    assert regions.regions["eu-west-1"].zones == ["a", "b", "c", "d"]
    assert "overlay: AWS announcement" in regions.source
    use_overlay(None)
    assert "sa-west-1" not in load_catalog().aws_regions.regions


def test_the_spec_field_loads_the_overlay_relative_to_the_spec(tmp_path):
    (tmp_path / "overlay.yaml").write_text(yaml.safe_dump(CHILE))
    spec = tmp_path / "zone.yaml"
    spec.write_text(yaml.safe_dump(chile_spec(catalog="overlay.yaml")))
    result = runner.invoke(app, ["plan", str(spec), "-o", "json"])
    assert result.exit_code == 0, result.output
    spec.write_text(yaml.safe_dump(chile_spec()))
    loader._LOADED_OVERLAYS.clear()
    use_overlay(None)
    with pytest.raises(SpecError) as refused:
        load_text(spec.read_text(), "zone.yaml")
    assert any("--catalog" in (i.hint or "") for i in refused.value.issues)


def test_the_catalog_option_and_a_missing_spec_overlay(tmp_path):
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text(yaml.safe_dump(CHILE))
    spec = tmp_path / "zone.yaml"
    spec.write_text(yaml.safe_dump(chile_spec()))
    assert runner.invoke(app, ["--catalog", str(overlay), "catalog", "regions", "aws"]).exit_code == 0
    result = runner.invoke(app, ["--catalog", str(overlay), "policy", "check", str(spec), "--profile", "dev"])
    assert result.exit_code in (0, 1), result.output
    spec.write_text(yaml.safe_dump(chile_spec(catalog="missing.yaml")))
    result = runner.invoke(app, ["plan", str(spec)])
    assert result.exit_code == 2 and "catalog overlay 'missing.yaml' not found" in result.stderr


@pytest.mark.parametrize(
    "overlay,where,words",
    [
        ({"machines": {"p5.48xlarge": {}}}, ":2:", "already in the catalog"),
        ({"regions": {"x": 1}}, ":1:", "did you mean"),
        ({"machines": {"hgx-b300": {"provider": "onprem", "description": "x"}}}, ":2:", "required key"),
        ({"gcp_regions": {"regions": {"x": {"zones": ["a"], "country": "CL"}}}}, ":1:", "source"),
        ({"machine_zones": {"a3-ultragpu-8g": {"zones": ["europe-west4-a"]}}}, ":", "source"),
    ],
)
def test_overlay_mistakes_exit_2_at_their_line_and_change_nothing(tmp_path, overlay, where, words):
    path = tmp_path / "overlay.yaml"
    path.write_text(yaml.safe_dump(overlay, sort_keys=False))
    before = load_catalog()
    result = runner.invoke(app, ["--catalog", str(path), "catalog", "list"])
    assert result.exit_code == 2, result.output
    assert words in result.stderr and where in result.stderr and "Traceback" not in result.output
    assert load_catalog() == before


def test_an_overlay_machine_must_name_a_known_fabric_profile():
    body = load_catalog().machines["dgx-h100"].model_dump(exclude_none=True)
    body.pop("name")
    body["nccl_profile"] = "no-such-profile"
    with pytest.raises(OverlayError):
        use_overlay({"machines": {"dgx-h100-variant": body}})
    body["nccl_profile"] = load_catalog().machines["dgx-h100"].nccl_profile
    use_overlay({"machines": {"dgx-h100-variant": body}})
    assert "dgx-h100-variant" in load_catalog().machines
