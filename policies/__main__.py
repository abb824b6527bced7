"""The ailz policy pack for `pulumi preview --policy-pack policies` (the only place a PolicyPack is built).

Zone facts (allowed regions, key management, registries) come from the `context` of an ailz plan
JSON named by AILZ_POLICY_CONTEXT, so the pack judges any Pulumi program against the zone's rules.
"""

import json
import os

from pulumi_policy import EnforcementLevel, PolicyPack

from ailz.policies.crossguard import Environment, build_policies


def _context() -> dict:
    path = os.environ.get("AILZ_POLICY_CONTEXT")
    if not path:
        return {}
    with open(path, encoding="utf-8") as handle:
        return json.load(handle).get("context") or {}


PolicyPack(
    name="ailz",
    description="ailz landing-zone gate: fabric, capacity, encryption, residency, exposure, workloads.",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=list(build_policies(Environment(context=_context())).values()),
)
