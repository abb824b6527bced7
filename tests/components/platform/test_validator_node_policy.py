"""The validator group may patch nodes only under ailz.io/nccl*: the admission policy's CEL,
evaluated against node updates as the API server would."""

from __future__ import annotations

import copy

import celpy
import pytest

from ailz.components.platform.scheduling_manifests import validator_node_policy
from ailz.validation.session import BAD_NODE_LABEL as BAD_LABEL
from ailz.validation.session import BAD_NODE_TAINT as BAD_TAINT

POLICY = validator_node_policy("platform-engineers", {})[0]
NODE = {
    "metadata": {"name": "n1", "labels": {"ailz.io/pool": "h100", "kubernetes.io/hostname": "n1"}},
    "spec": {"taints": [{"key": "nvidia.com/gpu", "value": "true", "effect": "NoSchedule"}]},
}


def admitted(old: dict, new: dict, groups=("platform-engineers",)) -> list[str]:
    env = celpy.Environment()
    activation = {
        "object": celpy.json_to_cel(new),
        "oldObject": celpy.json_to_cel(old),
        "request": celpy.json_to_cel({"userInfo": {"groups": list(groups)}}),
    }
    for condition in POLICY["spec"]["matchConditions"]:
        if not bool(env.program(env.compile(condition["expression"])).evaluate(activation)):
            return []  # not the validator: the policy does not apply
    variables: dict = {}
    for variable in POLICY["spec"]["variables"]:
        variables[celpy.celtypes.StringType(variable["name"])] = env.program(
            env.compile(variable["expression"])
        ).evaluate(activation)
    activation["variables"] = celpy.celtypes.MapType(variables)
    return [
        rule["message"]
        for rule in POLICY["spec"]["validations"]
        if not bool(env.program(env.compile(rule["expression"])).evaluate(activation))
    ]


def changed(**edits) -> dict:
    node = copy.deepcopy(NODE)
    for key, value in edits.items():
        section, field = key.split("__")
        node[section][field] = value
    return node


def test_marking_a_node_bad_is_allowed():
    new = changed(
        metadata__labels={**NODE["metadata"]["labels"], BAD_LABEL: "bad"},
        spec__taints=[*NODE["spec"]["taints"], {"key": BAD_TAINT, "value": "true", "effect": "NoSchedule"}],
    )
    assert admitted(NODE, new) == []


@pytest.mark.parametrize(
    ("new", "reason"),
    [
        (changed(metadata__labels={**NODE["metadata"]["labels"], "ailz.io/pool": "b200"}), "labels"),
        (changed(metadata__labels={"kubernetes.io/hostname": "n1"}), "labels"),
        (changed(metadata__annotations={"node.alpha.kubernetes.io/ttl": "0"}), "annotations"),
        (changed(spec__taints=[]), "taints"),
        (changed(spec__unschedulable=True), "cordon"),
    ],
)
def test_anything_else_is_refused(new, reason):
    refused = admitted(NODE, new)
    assert len(refused) == 1 and reason in refused[0], refused


def test_other_users_are_not_this_policys_concern():
    assert admitted(NODE, changed(spec__unschedulable=True), groups=("system:nodes",)) == []


def test_the_validators_own_keys_fall_under_the_policys_prefix():
    from ailz.components.common import names as naming

    assert BAD_LABEL.startswith(naming.VALIDATOR_NODE_KEYS) and BAD_TAINT.startswith(
        naming.VALIDATOR_NODE_KEYS
    )
