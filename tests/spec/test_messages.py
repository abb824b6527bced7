"""Every message says what is wrong, where, and what would be right: PyYAML's and pydantic's own
sentences never reach the user without a fix line."""

from __future__ import annotations

import os
import re

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ailz.components.kinds import load_spec, load_text
from ailz.spec.errors import SpecError
from tests.conftest import EXAMPLES

GCP_TEXT = (EXAMPLES / "gcp-a3-ultra.yaml").read_text()
AWS_TEXT = (EXAMPLES / "aws-p5-training.yaml").read_text()


def issues_of(text: str):
    try:
        load_text(text, "zone.yaml")
    except SpecError as error:
        return error.issues
    raise AssertionError("the spec loaded")


@pytest.mark.parametrize(
    "text,line,words,fix",
    [
        ("name: x\n\towner: y\n", 2, "tab character", "spaces"),
        ("name: x\nowner: y\n  tags: 1\n", 3, "'key: value' where", "indent"),
        ('name: x\nowner: "y\ntags: {}\n', 2, "never closed", "close the quote"),
        ("name: x\n- a\n", 2, "list item", "indent the list"),
        ("name: x\nowner: *nothing\n", 2, "alias", "anchor"),
        ("name: x\n---\nname: y\n", 2, "more than one YAML document", "---"),
    ],
)
def test_yaml_problems_are_said_in_the_users_terms(text, line, words, fix):
    (issue,) = issues_of(text)
    assert words in issue.message and fix in issue.hint
    assert issue.line == line
    assert "malformed YAML" not in issue.message


@pytest.mark.parametrize(
    "old,new,words,fix",
    [
        ("nodes: 4", "nodes: four", "'four' is not a whole number", "whole number"),
        ("nodes: 4", "nodes: -1", "-1 is too small", "use 1 or more"),
        ("regional_cluster: false", "regional_cluster: maybe", "is not true or false", "true or false"),
    ],
)
def test_value_problems_have_a_fix(old, new, words, fix):
    text = GCP_TEXT if "regional_cluster" in old else AWS_TEXT
    if old not in text:
        text = text.replace(
            "    zone: europe-west4-b\n", "    zone: europe-west4-b\n    regional_cluster: false\n"
        )
    found = issues_of(text.replace(old, new, 1))
    assert any(words in i.message and fix in (i.hint or "") for i in found), found


def test_managed_lustre_sizes_name_the_valid_sizes():
    document = yaml.safe_load(GCP_TEXT)
    document["targets"][0]["storage"]["warm"] = {
        "kind": "lustre",
        "capacity_gib": 20000,
        "throughput_per_tib": 500,
    }
    (issue,) = [i for i in issues_of(yaml.safe_dump(document)) if "Managed Lustre" in i.message]
    assert "use capacity_gib 18000 or 36000" in issue.hint and "steps of 18000 GiB" in issue.hint


def test_filestore_sizes_name_the_valid_sizes():
    document = yaml.safe_load(GCP_TEXT)
    document["targets"][0]["storage"]["warm"] = {"kind": "filestore", "capacity_gib": 10000}
    (issue,) = [i for i in issues_of(yaml.safe_dump(document)) if i.path[-1] == "capacity_gib"]
    assert "9984 or 10240" in issue.hint and "1024-9984 GiB in steps of 256" in issue.hint


def test_fsx_sizes_name_the_valid_sizes():
    document = yaml.safe_load(AWS_TEXT)
    document["targets"][0]["storage"]["warm"] = {"kind": "lustre", "capacity_gib": 3000}
    (issue,) = [i for i in issues_of(yaml.safe_dump(document)) if i.path[-1] == "capacity_gib"]
    assert "1200, 2400" in issue.hint and "the nearest are 2400 or 4800" in issue.hint


def test_a_non_utf8_file_says_so_with_its_line(tmp_path):
    path = tmp_path / "zone.yaml"
    path.write_bytes(b"name: x\nowner: M\xfcller\n")
    with pytest.raises(SpecError) as error:
        load_spec(path)
    (issue,) = error.value.issues
    assert "not UTF-8" in issue.message and "0xfc" in issue.message and issue.line == 2
    assert "UTF-8" in issue.hint


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads anything")
def test_an_unreadable_file_names_permissions(tmp_path):
    path = tmp_path / "zone.yaml"
    path.write_text(AWS_TEXT)
    path.chmod(0)
    with pytest.raises(SpecError) as error:
        load_spec(path)
    assert "permission denied" in error.value.issues[0].message


SCALARS = [m.start() for m in re.finditer(r"(?<=: )[^\s{\[#][^\n#]*", AWS_TEXT)]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(SCALARS),
    st.sampled_from(["-7", "x y", "[]", "{}", "true", "1.5", "''", "9999999999", "{a: 1}", "- z"]),
)
def test_any_bad_value_gets_a_message_in_ailzs_words_and_a_fix(start, value):
    end = AWS_TEXT.index("\n", start)
    text = AWS_TEXT[:start] + value + AWS_TEXT[end:]
    try:
        load_text(text, "zone.yaml")
    except SpecError as error:
        for issue in error.issues:
            assert issue.hint, issue
            assert not issue.message.startswith("Input should"), issue
            assert "pydantic" not in issue.message and "errors.pydantic.dev" not in str(issue.hint)


def test_a_control_character_is_named_with_its_line():
    (issue,) = issues_of("name: x\nowner: a\x00b\n")
    assert "U+0000" in issue.message and issue.line == 2 and issue.column == 9
