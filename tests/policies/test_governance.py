"""Who decides how strict the gate is, what an unknown value does, and how far a waiver reaches."""

from __future__ import annotations

import datetime as dt

import pytest

from ailz.policies.config import PolicyInputError
from ailz.policies.gate import run_gate
from ailz.policies.props import UNKNOWN
from tests.policies.first_preview import first_preview
from tests.policies.fixtures import CONTEXT, compliant, plan_of

TODAY = dt.date(2026, 12, 1)


def _config(tmp_path, text: str) -> str:
    path = tmp_path / "policy.yaml"
    path.write_text(text)
    return str(path)


def _sandbox_context():
    return {**CONTEXT, "environment": "sandbox"}


def _broken():
    r = compliant()
    r["key"].inputs["enableKeyRotation"] = False  # AILZ-ENC-005, mandatory
    return r


def test_a_pull_request_cannot_turn_the_gate_advisory_through_the_environment_tag(tmp_path):
    plan = plan_of(_broken(), _sandbox_context())
    # without a pinned profile the tag decides, and the report says so
    loose = run_gate(plan)
    assert loose.passed and loose.profile == "dev" and "environment tag (sandbox)" in loose.profile_reason
    # the CI config pins it
    pinned = run_gate(plan, config=_config(tmp_path, "profile: prod\n"))
    assert not pinned.passed and pinned.profile_reason == "the policy config's profile"
    assert "profile prod chosen by the policy config's profile" in pinned.text()
    # --profile still wins (a human decision on the command line)
    assert run_gate(plan, profile="prod").profile_reason == "--profile"


def test_a_config_can_forbid_advisory_mode_for_an_environment(tmp_path):
    plan = plan_of(_broken())  # environment prod
    config = _config(tmp_path, "advisory_forbidden: [prod, production]\n")
    with pytest.raises(PolicyInputError, match="forbids that for environment 'prod'"):
        run_gate(plan, profile="dev", config=config)
    assert not run_gate(plan, profile="prod", config=config).passed


def _unknown_rotation():
    r = compliant()
    r["key"].inputs["enableKeyRotation"] = UNKNOWN
    return r


@pytest.mark.parametrize(
    "config, blocking, advisory",
    [("", 1, 0), ("unknowns: warn\n", 0, 1), ("unknowns: skip\n", 0, 0),
     ("rules:\n  AILZ-ENC-005: {unknowns: warn}\n", 0, 1)],
)  # fmt: skip
def test_unknown_values_fail_warn_or_skip_as_configured(tmp_path, config, blocking, advisory):
    result = run_gate(plan_of(_unknown_rotation()), config=_config(tmp_path, config or "{}\n"))
    rotation = [f for f in result.findings if f.rule_id == "AILZ-ENC-005"]
    assert sum(f.blocking for f in rotation) == blocking
    assert sum(not f.blocking for f in rotation) == advisory
    assert all(f.unknown for f in rotation)


def test_a_wholly_unknown_container_entry_is_unknown_not_absent():
    r = compliant()
    r["deploy"].inputs["spec"]["template"]["spec"]["containers"] = [UNKNOWN]
    found = {f.rule_id for f in run_gate(plan_of(r), profile="prod").blocking}
    assert {"AILZ-K8S-001", "AILZ-K8S-006"} <= found


@pytest.mark.parametrize(
    "name", ["aws-p5-training", "aws-existing-vpc", "gcp-a3-ultra", "gcp-a3-mega", "hybrid-sovereign"]
)
def test_a_first_preview_of_a_compliant_zone_blocks_on_nothing_new(example_plan, name):
    # every value one resource takes from another's outputs unknown, as before the first apply
    plan = example_plan(name)
    full = {(f.rule_id, f.urn) for f in run_gate(plan, profile="prod").blocking}
    preview = {(f.rule_id, f.urn) for f in run_gate(first_preview(plan), profile="prod").blocking}
    assert preview <= full, sorted(preview - full)


def _waivers(tmp_path, body: str) -> str:
    path = tmp_path / "waivers.yaml"
    path.write_text("waivers:\n" + body)
    return str(path)


def test_waivers_for_every_resource_must_say_so(tmp_path):
    body = (
        "  - {rule: AILZ-ENC-005, resource: '*', owner: sec, reason: rotation handled by the HSM team,"
        " expires: 2027-01-31}\n"
    )
    result = run_gate(plan_of(_broken()), waivers=_waivers(tmp_path, body), today=TODAY)
    assert any("waives every resource" in f.message for f in result.blocking)
    meant = _waivers(tmp_path, body.replace("expires", "wildcard: true, expires"))
    result = run_gate(plan_of(_broken()), waivers=meant, today=TODAY)
    assert (
        result.passed and result.waivers[0]["matched"] == 1 and result.waivers[0]["expires"] == "2027-01-31"
    )


def test_waivers_live_no_longer_than_the_config_allows(tmp_path):
    body = (
        "  - {rule: AILZ-ENC-005, resource: 'urn:*', owner: sec, reason: rotation handled by the HSM team,"
        " expires: 2027-12-31}\n"
    )
    config = _config(tmp_path, "waivers: {max_days: 90}\n")
    result = run_gate(plan_of(_broken()), config=config, waivers=_waivers(tmp_path, body), today=TODAY)
    assert any("beyond the 90 days" in f.message for f in result.blocking)


def test_waiver_mistakes_get_did_you_mean_and_the_right_form(tmp_path):
    body = "  - {rule: AILZ-ENC-05, resource: x, owner: sec, reason: short, expire: 2027-01-31}\n"
    result = run_gate(plan_of(_broken()), waivers=_waivers(tmp_path, body), today=TODAY)
    (problem,) = [f for f in result.blocking if f.rule_id == "AILZ-WVR-001"]
    assert "did you mean AILZ-ENC-005?" in problem.message
    assert "unknown key 'expire' (did you mean expires?)" in problem.message
    assert "required key 'expires' is missing" in problem.message
    assert "reason is too short" in problem.message
    body = (
        "  - {rule: AILZ-ENC-095, resource: x, owner: sec, reason: rotation handled by HSM,"
        " expires: 2027-01-31}\n"
    )
    result = run_gate(plan_of(_broken()), waivers=_waivers(tmp_path, body), today=TODAY)
    assert any("unknown rule AILZ-ENC-095 (did you mean AILZ-ENC-005?)" in f.message for f in result.blocking)
