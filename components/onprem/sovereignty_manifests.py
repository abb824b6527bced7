"""Sovereignty controls: admission policies, and API server files for the cluster admin; pure."""

from __future__ import annotations

from typing import Any

import yaml

from ailz.components.platform.admission import cel_list, core_writes, pod_writes

REGISTRY_POLICY = "ailz-allowed-registries"
LOAD_BALANCER_POLICY = "ailz-no-load-balancers"
SYSTEM_NAMESPACE = "ailz-system"
APISERVER_CONFIG = "apiserver-hardening"
# Namespaces the cluster itself runs in; their images are the cluster builder's business.
EXEMPT_NAMESPACES = ("kube-system",)


def _binding(policy: str, labels: dict[str, str], exempt: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingAdmissionPolicyBinding",
        "metadata": {"name": policy, "labels": dict(labels)},
        "spec": {
            "policyName": policy,
            "validationActions": ["Deny"],
            "matchResources": {
                "namespaceSelector": {
                    "matchExpressions": [
                        {
                            "key": "kubernetes.io/metadata.name",
                            "operator": "NotIn",
                            "values": sorted({*EXEMPT_NAMESPACES, *exempt}),
                        }
                    ]
                }
            },
        },
    }


def registry_policy(
    allowed: list[str], labels: dict[str, str], exempt: tuple[str, ...] = ()
) -> list[dict[str, Any]]:
    """Pods may only run images whose registry host is in `allowed` (no implicit docker.io);
    `exempt` namespaces (the cluster builder's own: CNI, CSI, monitoring) are left alone."""
    hosts = sorted({a.rstrip("/") for a in allowed})
    policy = {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingAdmissionPolicy",
        "metadata": {"name": REGISTRY_POLICY, "labels": dict(labels)},
        "spec": {
            "failurePolicy": "Fail",
            "matchConstraints": pod_writes(),
            "variables": [
                {
                    "name": "images",
                    "expression": "object.spec.containers.map(c, c.image) + "
                    "(has(object.spec.initContainers) ? object.spec.initContainers.map(c, c.image) : []) + "
                    "(has(object.spec.ephemeralContainers) ? "
                    "object.spec.ephemeralContainers.map(c, c.image) : [])",
                }
            ],
            "validations": [
                {
                    "expression": "variables.images.all(i, "
                    f"{cel_list(hosts)}.exists(r, i.startsWith(r + '/')))",
                    "message": f"images must come from an allowed registry: {', '.join(hosts)}",
                    "reason": "Forbidden",
                }
            ],
        },
    }
    return [policy, _binding(REGISTRY_POLICY, labels, exempt)]


def load_balancer_policy(labels: dict[str, str]) -> list[dict[str, Any]]:
    """No Service of type LoadBalancer: nothing is exposed beyond the site network by accident."""
    policy = {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingAdmissionPolicy",
        "metadata": {"name": LOAD_BALANCER_POLICY, "labels": dict(labels)},
        "spec": {
            "failurePolicy": "Fail",
            "matchConstraints": core_writes("services"),
            "validations": [
                {
                    "expression": "!has(object.spec.type) || object.spec.type != 'LoadBalancer'",
                    "message": "Services of type LoadBalancer are not allowed in this landing zone",
                    "reason": "Forbidden",
                }
            ],
        },
    }
    return [policy, _binding(LOAD_BALANCER_POLICY, labels)]


def encryption_configuration(kms_name: str, endpoint: str, timeout_seconds: int) -> dict[str, Any]:
    """--encryption-provider-config: Secrets encrypted by the KMS v2 plugin (HSM or Vault); the
    identity provider last so Secrets written before encryption stay readable until rewritten."""
    return {
        "apiVersion": "apiserver.config.k8s.io/v1",
        "kind": "EncryptionConfiguration",
        "resources": [
            {
                "resources": ["secrets"],
                "providers": [
                    {
                        "kms": {
                            "apiVersion": "v2",
                            "name": kms_name,
                            "endpoint": endpoint,
                            "timeout": f"{timeout_seconds}s",
                        }
                    },
                    {"identity": {}},
                ],
            }
        ],
    }


def audit_policy() -> dict[str, Any]:
    """--audit-policy-file: who touched secrets, RBAC, admission policies and exec, never the
    secret payloads themselves; health and watch noise dropped."""
    return {
        "apiVersion": "audit.k8s.io/v1",
        "kind": "Policy",
        "omitStages": ["RequestReceived"],
        "rules": [
            {"level": "None", "nonResourceURLs": ["/healthz*", "/livez*", "/readyz*", "/version"]},
            {"level": "None", "users": ["system:kube-proxy"], "verbs": ["watch"]},
            {"level": "None", "resources": [{"group": "", "resources": ["events"]}]},
            {
                "level": "Metadata",
                "resources": [
                    {"group": "", "resources": ["secrets", "configmaps", "serviceaccounts/token"]},
                    {"group": "authentication.k8s.io", "resources": ["tokenreviews"]},
                ],
            },
            {
                "level": "RequestResponse",
                "resources": [
                    {"group": "rbac.authorization.k8s.io"},
                    {"group": "admissionregistration.k8s.io"},
                ],
                "verbs": ["create", "update", "patch", "delete", "deletecollection"],
            },
            {
                "level": "Request",
                "resources": [{"group": "", "resources": ["pods/exec", "pods/attach", "pods/portforward"]}],
            },
            {"level": "Metadata"},
        ],
    }


def render(doc: dict[str, Any]) -> str:
    return yaml.safe_dump(doc, sort_keys=False, default_flow_style=False)


def apiserver_config_map(encryption: str, audit: str, labels: dict[str, str]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": APISERVER_CONFIG, "namespace": SYSTEM_NAMESPACE, "labels": dict(labels)},
        "data": {"encryption-configuration.yaml": encryption, "audit-policy.yaml": audit},
    }
