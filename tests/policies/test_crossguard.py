"""The rules are real CrossGuard policies: metadata, engine-style calls and the policy pack entry point."""

from __future__ import annotations

import runpy

import pulumi_policy as pp

from ailz.policies.crossguard import Environment, build_policies
from ailz.policies.evaluate import _options, policy_resources
from ailz.policies.table import RULES
from tests.conftest import ROOT
from tests.policies.fixtures import CONTEXT, compliant, plan_of


def test_policy_objects_carry_the_table():
    policies = build_policies(Environment(context=CONTEXT))
    assert set(policies) == {rule.id for rule in RULES}
    for rule in RULES:
        policy = policies[rule.id]
        expected = pp.StackValidationPolicy if rule.scope == "stack" else pp.ResourceValidationPolicy
        assert isinstance(policy, expected)
        assert policy.enforcement_level == pp.EnforcementLevel(rule.enforcement)
        assert policy.severity == pp.Severity(rule.severity)
        assert policy.remediation_steps == rule.remediation
        assert rule.family in policy.tags and any(t.startswith("NIST 800-53") for t in policy.tags)


def test_engine_style_calls_without_a_plan():
    """Inside `pulumi preview --policy-pack`, there is no Plan: args are all a policy gets."""
    policies = build_policies(Environment(context=CONTEXT))
    resources = compliant()
    resources["lt"].inputs["metadataOptions"]["httpTokens"] = "optional"
    resources["pg"].inputs["strategy"] = "spread"
    lt = resources["lt"]
    violations = []
    args = pp.ResourceValidationArgs(lt.type, lt.inputs, lt.urn, lt.name, _options(lt), None, config={})
    policies["AILZ-EXP-004"].validate(args, lambda message, urn=None: violations.append(message))
    assert violations == ["metadataOptions.httpTokens is optional, not 'required'"]

    stack_violations = []
    stack_args = pp.StackValidationArgs(policy_resources(plan_of(resources)), config={})
    policies["AILZ-FAB-001"].validate(
        stack_args, lambda message, urn=None: stack_violations.append((urn, message))
    )
    assert stack_violations == [(lt.urn, "placement group 'pg' has strategy 'spread', EFA needs 'cluster'")]


def test_policy_pack_entry_point(monkeypatch, tmp_path):
    built = {}

    class RecordingPack:
        def __init__(self, **kwargs):
            built.update(kwargs)

    context = tmp_path / "plan.json"
    context.write_text(plan_of(compliant()).to_json())
    monkeypatch.setattr(pp, "PolicyPack", RecordingPack)
    monkeypatch.setenv("AILZ_POLICY_CONTEXT", str(context))
    runpy.run_path(str(ROOT / "policies" / "__main__.py"), run_name="__main__")
    assert built["name"] == "ailz"
    assert len(built["policies"]) == len(RULES)
    assert (ROOT / "policies" / "PulumiPolicy.yaml").read_text().count("runtime: python") == 1


def test_benchmark_runs_small(capsys, monkeypatch):
    import sys

    sys.path.insert(0, str(ROOT))
    from benchmarks.policy_check import main

    monkeypatch.setattr(sys, "argv", ["policy_check", "--resources", "300", "--repeat", "1"])
    main()
    printed = capsys.readouterr().out
    assert "plan: 300 resources" in printed and "rule evaluation: best" in printed


def test_the_engines_proxied_props_give_the_same_verdicts():
    # inside `pulumi preview --policy-pack` pulumi_policy hands rules read-only proxies (neither dict
    # nor list) that raise on unknown values, with typed placeholders for unknown booleans and lists
    from pulumi_policy.proxy import unknown_checking_proxy

    policies = build_policies(Environment(context=CONTEXT))
    resources = compliant()

    def verdicts(resource, rule):
        found = []
        args = pp.ResourceValidationArgs(
            resource.type, unknown_checking_proxy(resource.inputs), resource.urn, resource.name,
            _options(resource), None, config={},
        )  # fmt: skip
        policies[rule].validate(args, lambda message, urn=None: found.append(message))
        return found

    assert verdicts(resources["lt"], "AILZ-EXP-004") == []  # httpTokens required is read as such
    assert verdicts(resources["cluster"], "AILZ-EXP-009") == []
    resources["deploy"].inputs["spec"]["template"]["spec"]["containers"][0]["securityContext"] = {
        "privileged": True
    }
    assert verdicts(resources["deploy"], "AILZ-K8S-001")  # a privileged pod is still caught
    resources["lt"].inputs["metadataOptions"]["httpTokens"] = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
    resources["cluster"].inputs["vpcConfig"]["endpointPublicAccess"] = "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7"
    assert verdicts(resources["lt"], "AILZ-EXP-004")[0].startswith("value unknown before apply")
    assert verdicts(resources["cluster"], "AILZ-EXP-009")[0].startswith("value unknown before apply")
