"""Configuration, profiles, waivers and baselines."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from ailz.policies.config import PolicyInputError, load_config, resolve
from ailz.policies.gate import GateResult, gate, run_gate
from ailz.policies.report import render_json
from ailz.policies.waivers import load_waivers
from tests.policies.fixtures import compliant, plan_of


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _broken_plan():
    resources = compliant()
    resources["pg"].inputs["strategy"] = "spread"
    return plan_of(resources)


def test_profile_defaults_follow_environment():
    config = load_config(None)
    assert resolve(config, None, "prod").profile == "prod"
    assert resolve(config, None, "dev").profile == "dev"
    assert resolve(config, None, "staging").profile == "prod"  # unknown environments are gated as prod
    dev = resolve(config, None, "dev")
    assert set(dev.levels.values()) == {"advisory"}
    prod = resolve(config, None, "prod")
    assert prod.levels["AILZ-FAB-001"] == "mandatory" and prod.levels["AILZ-CAP-002"] == "advisory"


def test_gate_api_dev_profile_does_not_block():
    result = gate(_broken_plan(), profile="dev")
    assert isinstance(result, GateResult)
    assert result.passed and result.blocking == [] and result.findings
    assert not gate(_broken_plan()).passed
    assert "AILZ-FAB-001" in gate(_broken_plan()).text()


def test_config_overrides_levels_and_params(tmp_path):
    path = _write(
        tmp_path,
        "policy.yaml",
        """
rules:
  AILZ-FAB-001: {enforcement: advisory}
  AILZ-CAP-002: {enforcement: mandatory, params: {large_pool_nodes: 2}}
profiles:
  dev:
    rules:
      AILZ-RES-001: {enforcement: mandatory}
""",
    )
    prod = resolve(load_config(path), "prod", None)
    assert prod.levels["AILZ-FAB-001"] == "advisory"
    assert prod.params["AILZ-CAP-002"]["large_pool_nodes"] == 2
    dev = resolve(load_config(path), "dev", None)
    assert dev.levels["AILZ-RES-001"] == "mandatory" and dev.levels["AILZ-CAP-002"] == "advisory"
    assert gate(_broken_plan(), config=path).passed


def test_rule_params_reach_the_rule(tmp_path):
    resources = compliant()
    resources["pool"].inputs["nodeConfig"].pop("reservationAffinity")  # a 4-node pool, no reservation
    plan = plan_of(resources)
    strict = _write(tmp_path, "strict.yaml", "rules:\n  AILZ-CAP-002: {enforcement: mandatory}\n")
    assert [f.rule_id for f in gate(plan, config=strict).blocking] == ["AILZ-CAP-002"]
    lenient = _write(
        tmp_path,
        "lenient.yaml",
        "rules:\n  AILZ-CAP-002: {enforcement: mandatory, params: {large_pool_nodes: 5}}\n",
    )
    assert gate(plan, config=lenient).passed


def test_disabled_rule_never_runs(tmp_path):
    path = _write(tmp_path, "p.yaml", "rules:\n  AILZ-FAB-001: {enforcement: disabled}\n")
    result = gate(_broken_plan(), config=path)
    assert result.passed and result.findings == []


@pytest.mark.parametrize(
    "text, message",
    [
        ("rules: [1, 2", "not closed"),
        ("rules:\n  AILZ-NOPE-001: {}\n", "unknown rule id"),
        ("rules:\n  AILZ-CAP-002: {params: {size: 3}}\n", "unknown parameter"),
        ("rules:\n  AILZ-CAP-002: {params: {large_pool_nodes: many}}\n", "expected int"),
        ("rules:\n  AILZ-CAP-002: {enforcement: strict}\n", "invalid policy config"),
        ("colour: red\n", "invalid policy config"),
    ],
)
def test_bad_config(tmp_path, text, message):
    with pytest.raises(PolicyInputError, match=message):
        load_config(_write(tmp_path, "bad.yaml", text))


def test_unknown_profile():
    with pytest.raises(PolicyInputError, match="unknown profile 'qa'"):
        gate(_broken_plan(), profile="qa")


def test_waiver_by_glob_and_expiry(tmp_path):
    waiver = """waivers:
  - rule: AILZ-FAB-001
    resource: "urn:pulumi:*::aws:ec2/launchTemplate:LaunchTemplate::h100-*"
    owner: hpc-team
    reason: spread placement while the cluster group is re-created
    expires: 2026-12-31
"""
    path = _write(tmp_path, "w.yaml", waiver)
    ok = run_gate(_broken_plan(), waivers=path, today=dt.date(2026, 12, 31))
    assert ok.passed and [f.status for f in ok.findings] == ["waived"]
    late = run_gate(_broken_plan(), waivers=path, today=dt.date(2027, 1, 1))
    assert {f.rule_id for f in late.blocking} == {"AILZ-FAB-001", "AILZ-WVR-001"}


def test_waiver_file_syntax_is_an_input_error(tmp_path):
    with pytest.raises(PolicyInputError, match="waivers file: .* not closed"):
        gate(_broken_plan(), waivers=_write(tmp_path, "w.yaml", "waivers: [\n"))
    with pytest.raises(PolicyInputError, match="'waivers:' list"):
        gate(_broken_plan(), waivers=_write(tmp_path, "w.yaml", "waivers: {a: 1}\n"))


def test_baseline_gates_only_new_findings(tmp_path):
    before = run_gate(_broken_plan())
    path = _write(tmp_path, "baseline.json", render_json(before))
    again = run_gate(_broken_plan(), baseline=path)
    assert again.passed and {f.status for f in again.findings} == {"baselined"}
    resources = compliant()
    resources["pg"].inputs["strategy"] = "spread"
    resources["lt"].inputs["metadataOptions"]["httpTokens"] = "optional"
    newer = run_gate(plan_of(resources), baseline=path)
    assert [f.rule_id for f in newer.blocking] == ["AILZ-EXP-004"]


def test_baseline_must_be_a_report(tmp_path):
    with pytest.raises(PolicyInputError, match="not an ailz policy report"):
        run_gate(_broken_plan(), baseline=_write(tmp_path, "b.json", json.dumps({"findings": []})))


@pytest.mark.parametrize(
    "content,words",
    [
        (
            b"a: &a [1,1,1,1,1,1,1,1,1]\n"
            + b"".join(
                b"a%d: &a%d [" % (i, i)
                + b",".join([b"*a" + (b"%d" % (i - 1) if i > 1 else b"")] * 9)
                + b"]\n"
                for i in range(1, 9)
            ),
            "expands",
        ),
        (b"rules:\n  x: " + b"[" * 5000, "nests"),
        (b"\xff\xfe binary", "not UTF-8"),
        (b"x: 1" + b"0" * 5000 + b"\n", "a number too long"),
    ],
)
def test_hostile_config_and_waivers_are_input_errors(tmp_path, content, words):
    path = tmp_path / "in.yaml"
    path.write_bytes(content)
    for loader in (load_config, lambda p: load_waivers(p)):
        with pytest.raises(PolicyInputError, match=words):
            loader(path)
