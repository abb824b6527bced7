"""Customer-managed encryption keys (CMEK) for a GCP target, and who may use them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pulumi
import pulumi_gcp as gcp

from ailz.components.gcp.component import GcpComponent

DATA_CLASSES = ("secrets", "storage", "logs")
ROTATION_PERIOD = "7776000s"  # 90 days
ENCRYPTER_DECRYPTER = "roles/cloudkms.cryptoKeyEncrypterDecrypter"


def service_agents(
    project_number: pulumi.Input[str],
    gcs_agent: pulumi.Input[str],
    warm_agent: tuple[str, pulumi.Input[str]] | None = None,
) -> dict[str, dict[str, pulumi.Input[str]]]:
    """Google service agents that encrypt data of each class on the project's behalf.

    data class -> {short name: IAM member}. Logs keys get no grant here: a log bucket's CMEK is
    granted to the Logging agent when the bucket is configured. The project's number and storage
    agent may be lookups still on their way (outputs): the members are then outputs too.
    """
    storage: dict[str, pulumi.Input[str]] = {
        # node boot disks are encrypted by the Compute Engine service agent
        "compute": _member(
            "serviceAccount:service-", project_number, "@compute-system.iam.gserviceaccount.com"
        ),
        "gcs": _member("serviceAccount:", gcs_agent),
    }
    if warm_agent is not None:  # (warm tier kind, agent email) for Lustre or Filestore
        storage[warm_agent[0]] = _member("serviceAccount:", warm_agent[1])
    return {
        "secrets": {
            "gke": _member(
                "serviceAccount:service-", project_number, "@container-engine-robot.iam.gserviceaccount.com"
            )
        },
        "storage": storage,
        "logs": {},
    }


def _member(*parts: pulumi.Input[str]) -> pulumi.Input[str]:
    """The parts joined: a string when they all are, else an output."""
    if all(isinstance(part, str) for part in parts):
        return "".join(parts)  # type: ignore[arg-type]
    return pulumi.Output.concat(*parts)


# What a lookup of a key ring or key that is not there answers: not found, or, on a project whose
# Cloud KMS API is not enabled yet (ailz enables it in the same deployment), the API is disabled.
ABSENT = ("not found", "notfound", "404", "service_disabled", "has not been used", "is disabled")


def existing_id(lookup: Callable[[], Any], resource_id: str) -> str | None:
    """`resource_id` when the lookup finds the resource, None when Cloud KMS says it is absent;
    any other failure (permissions, network) is raised as it is."""
    try:
        lookup()
    except Exception as err:  # a failed invoke: the engine raises what the provider said
        if any(marker in str(err).lower() for marker in ABSENT):
            return None
        raise
    return resource_id


class EncryptionKeys(GcpComponent):
    """One key per data class with a rotation period, plus encrypter grants for service agents.

    key_management customer-managed: ailz creates a key ring in the target region and
    SOFTWARE-protected keys. Cloud KMS keeps key rings and keys for good, so they outlive the
    stack: destroy leaves them and their key versions as they are (data they encrypt stays
    readable), and the next deployment adopts the ring and keys of the same names instead of
    failing because they exist. external: the keys already exist (Cloud EKM / Cloud HSM, created
    with the external key manager, never by ailz); ailz uses the ids from
    encryption.external_keys and only grants the service agents on them.
    """

    def __init__(
        self,
        name: str,
        spec_path: str,
        *,
        project: str,
        region: str,
        agents: dict[str, dict[str, pulumi.Input[str]]],
        external_keys: dict[str, str] | None,
        labels: dict[str, str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("EncryptionKeys", name, spec_path, opts)
        self.key_ids: dict[str, pulumi.Input[str]] = {}
        if external_keys:
            self.key_ids = {data_class: external_keys[data_class] for data_class in DATA_CLASSES}
        else:
            invoke = pulumi.InvokeOptions(parent=self)
            ring_name = f"projects/{project}/locations/{region}/keyRings/{name}"
            found_ring = existing_id(
                lambda: gcp.kms.get_kms_key_ring(name=name, location=region, project=project, opts=invoke),
                ring_name,
            )
            ring = gcp.kms.KeyRing(
                name,
                name=name,
                project=project,
                location=region,
                opts=self.child(retain_on_delete=True, import_=found_ring),
            )
            # Full resource names (what GKE, GCS and Lustre take), tied to the resources they name.
            ring_id = ring.id.apply(lambda _: ring_name)
            for data_class in DATA_CLASSES:
                key_name = f"{name}-{data_class}"
                found_key = found_ring and existing_id(
                    lambda key_name=key_name: gcp.kms.get_kms_crypto_key(
                        name=key_name, key_ring=ring_name, opts=invoke
                    ),
                    f"{ring_name}/cryptoKeys/{key_name}",
                )
                key = gcp.kms.CryptoKey(
                    f"{name}-{data_class}",
                    name=f"{name}-{data_class}",
                    key_ring=ring_id,
                    purpose="ENCRYPT_DECRYPT",
                    rotation_period=ROTATION_PERIOD,
                    version_template={
                        "algorithm": "GOOGLE_SYMMETRIC_ENCRYPTION",
                        "protection_level": "SOFTWARE",
                    },
                    labels={**labels, "data-class": data_class},
                    opts=self.child(retain_on_delete=True, import_=found_key or None),
                )
                self.key_ids[data_class] = pulumi.Output.all(ring_id, key.name).apply(
                    lambda parts: f"{parts[0]}/cryptoKeys/{parts[1]}"
                )
        self.grants = []
        for data_class, members in agents.items():
            for agent, member in members.items():
                self.grants.append(
                    gcp.kms.CryptoKeyIAMMember(
                        f"{name}-{data_class}-{agent}",
                        crypto_key_id=self.key_ids[data_class],
                        role=ENCRYPTER_DECRYPTER,
                        member=member,
                        opts=self.child(),
                    )
                )
        self.register_outputs({"keys": self.key_ids})
