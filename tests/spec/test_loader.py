"""Spec errors name file, path, line and fix; nothing the user writes causes a traceback."""

from __future__ import annotations

import textwrap

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ailz.components.kinds import load_spec, load_text
from ailz.spec.errors import SpecError, format_path
from tests.conftest import EXAMPLES

GOOD = (EXAMPLES / "aws-p5-training.yaml").read_text()


def errors_of(text: str) -> SpecError:
    with pytest.raises(SpecError) as caught:
        load_text(textwrap.dedent(text), "zone.yaml")
    return caught.value


def mutate(replace: str, by: str) -> str:
    assert replace in GOOD, replace
    return GOOD.replace(replace, by, 1)


def test_examples_load():
    for path in EXAMPLES.glob("*.yaml"):
        assert load_spec(path).zone.targets


def test_malformed_yaml_points_at_line():
    error = errors_of("name: x\nowner: [unclosed\ntags: {}\n")
    issue = error.issues[0]
    assert "not closed" in issue.message and "']'" in issue.hint
    assert issue.line == 2, "where the bracket opens"
    assert "zone.yaml:" in error.render()


def test_unknown_key_names_line_and_suggests():
    error = errors_of(mutate("    network:\n      cidr", "    netwrok:\n      cidr"))
    issue = next(i for i in error.issues if "netwrok" in i.message)
    assert format_path(issue.path) == "targets[0].netwrok"
    assert issue.line == GOOD.splitlines().index("    network:") + 1
    assert "did you mean 'network'" in issue.hint


def test_wrong_type_is_reported_at_its_line():
    error = errors_of(mutate("nodes: 4\n", "nodes: four\n"))
    issue = error.issues[0]
    assert format_path(issue.path) == "targets[0].gpu_pools[0].nodes"
    assert GOOD.splitlines()[issue.line - 1].strip().startswith("nodes:")


def test_missing_required_tag():
    error = errors_of(mutate("  cost-center: cc-1234\n", ""))
    assert any("cost-center" in i.message and i.hint for i in error.issues)


def test_unquoted_version_gets_a_quoting_hint():
    error = errors_of(mutate('version: "1.35"', "version: 1.30"))
    issue = error.issues[0]
    assert format_path(issue.path) == "targets[0].kubernetes.version"
    assert "quote it" in issue.hint


def test_absolute_paths_below_the_working_directory_are_reported_relative(monkeypatch):
    monkeypatch.chdir(EXAMPLES.parent)
    assert load_spec(EXAMPLES / "aws-p5-training.yaml").file == "examples/aws-p5-training.yaml"


def test_unknown_machine_suggests_close_match():
    error = errors_of(mutate("machine: p5.48xlarge", "machine: p5.48xlrge"))
    issue = error.issues[0]
    assert "unknown machine 'p5.48xlrge'" in issue.message
    assert "did you mean 'p5.48xlarge'" in issue.hint
    assert issue.line is not None


def test_machine_of_another_provider():
    error = errors_of(mutate("machine: p5.48xlarge", "machine: a3-megagpu-8g"))
    assert "gcp machine" in error.issues[0].message


def test_region_outside_residency():
    text = mutate("region: eu-west-1\n", "region: us-east-1\n").replace(
        "zone: eu-west-1a", "zone: us-east-1a"
    )
    error = errors_of(text)
    assert any("outside residency.allowed_regions" in i.message for i in error.issues)


def test_zone_outside_region():
    error = errors_of(mutate("zone: eu-west-1a", "zone: eu-central-1a"))
    assert "not in region" in error.issues[0].message


def test_pool_larger_than_reservation():
    error = errors_of(mutate("nodes: 4\n", "nodes: 6\n"))
    issue = next(i for i in error.issues if "reservation holds 4" in i.message)
    assert format_path(issue.path) == "targets[0].gpu_pools[0].nodes"


def test_capacity_block_needs_reservation_id():
    error = errors_of(mutate("reservation_id: cr-0123456789abcdef0, ", ""))
    assert any("needs a reservation_id" in i.message for i in error.issues)


def test_spot_refused_for_training():
    error = errors_of(
        mutate(
            "capacity: {kind: capacity-block, reservation_id: cr-0123456789abcdef0, reserved_nodes: 4}",
            "capacity: {kind: spot}",
        )
    )
    assert any("spot capacity is refused" in i.message for i in error.issues)


def test_empty_targets_and_empty_file():
    assert "targets" in errors_of(mutate("targets:\n", "targets: []\nunused:\n")).render()
    assert "empty" in errors_of("").issues[0].message


def test_duplicate_names_and_keys():
    twice = GOOD.replace("name: a100-dev", "name: h100")
    assert any("used twice" in i.message for i in errors_of(twice).issues)
    duplicated_key = GOOD.replace("owner: ml-platform\n", "owner: ml-platform\nowner: other\n")
    assert "appears twice" in errors_of(duplicated_key).issues[0].message


def test_overlapping_peered_cidrs():
    hybrid = (EXAMPLES / "hybrid-sovereign.yaml").read_text()
    error = errors_of(hybrid.replace("cidr: 10.40.0.0/16", "cidr: 10.20.128.0/17"))
    issue = next(i for i in error.issues if "overlaps" in i.message)
    assert format_path(issue.path) == "targets[1].network.cidr"


def test_team_quota_above_target_gpus_and_unknown_target():
    error = errors_of(mutate("gpu_quota: 32", "gpu_quota: 999"))
    assert any("exceeds the" in i.message for i in error.issues)
    error = errors_of(mutate("targets: [aws-train], gpu_quota: 32", "targets: [nowhere], gpu_quota: 32"))
    assert any("unknown target 'nowhere'" in i.message for i in error.issues)


def test_external_keys_required_when_key_management_external():
    error = errors_of(mutate("key_management: customer-managed", "key_management: external"))
    assert any("external key" in i.message for i in error.issues)


def test_egress_none_on_a_cloud_needs_a_registry_mirror():
    error = errors_of(mutate("      egress: nat", "      egress: none"))
    issue = next(i for i in error.issues if "egress: none" in i.message)
    assert format_path(issue.path) == "targets[0].network.egress"
    assert "ECR" in issue.hint
    with_mirror = mutate(
        "      egress: nat",
        "      egress: none\n    registries: {mirror: 111122223333.dkr.ecr.eu-west-1.amazonaws.com/m}",
    )
    assert load_text(with_mirror, "zone.yaml").zone.targets[0].registries.mirror.endswith("/m")


def test_missing_file_and_directory():
    with pytest.raises(SpecError, match="file not found"):
        load_spec("does/not/exist.yaml")
    with pytest.raises(SpecError, match="directory"):
        load_spec(EXAMPLES)


# --- fuzzing: random and mutated documents never escape as anything but SpecError ---------------

yaml_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=12)
)
yaml_values = st.recursive(
    yaml_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


def _load_never_crashes(text: str) -> None:
    try:
        load_text(text, "fuzz.yaml")
    except SpecError as error:
        assert error.render()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_fuzz_random_text(text):
    _load_never_crashes(text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(yaml_values)
def test_fuzz_random_documents(document):
    _load_never_crashes(yaml.safe_dump(document))


BASE_DOC = yaml.safe_load(GOOD)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*prefix, index))


ALL_PATHS = [p for p in _paths(BASE_DOC) if p]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(ALL_PATHS), yaml_values, st.booleans())
def test_fuzz_mutated_example(path, value, delete):
    import copy

    document = copy.deepcopy(BASE_DOC)
    node = document
    for part in path[:-1]:
        node = node[part]
    if delete:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    _load_never_crashes(yaml.safe_dump(document))


def test_an_alias_bomb_is_refused_fast_with_the_reason():
    doc = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n'
    previous = "a"
    for name in "bcdefghi":  # 9^9 values once expanded
        doc += f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]\n"
        previous = name
    with pytest.raises(SpecError) as error:
        load_text(doc, "bomb.yaml")
    assert "expands to more than" in error.value.render() and "aliases" in error.value.render()


def test_deep_nesting_is_refused_with_the_reason():
    with pytest.raises(SpecError) as error:
        load_text("a: " + "[" * 5000 + "]" * 5000, "deep.yaml")
    assert "nests too deeply" in error.value.render()
    with pytest.raises(SpecError) as error:
        load_text("a: " + "[" * 100 + "]" * 100, "deep.yaml")
    assert "nests deeper than" in error.value.render()
