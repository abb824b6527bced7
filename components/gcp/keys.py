"""Customer-managed encryption keys (CMEK) for a GCP target, and who may use them."""

from __future__ import annotations

import pulumi
import pulumi_gcp as gcp

from ailz.components.gcp.component import GcpComponent

DATA_CLASSES = ("secrets", "storage", "logs")
ROTATION_PERIOD = "7776000s"  # 90 days
ENCRYPTER_DECRYPTER = "roles/cloudkms.cryptoKeyEncrypterDecrypter"


def service_agents(
    project_number: str, gcs_agent: str, warm_agent: tuple[str, pulumi.Input[str]] | None = None
) -> dict[str, dict[str, pulumi.Input[str]]]:
    """Google service agents that encrypt data of each class on the project's behalf.

    data class -> {short name: IAM member}. Logs keys get no grant here: a log bucket's CMEK is
    granted to the Logging agent when the bucket is configured.
    """
    storage: dict[str, pulumi.Input[str]] = {
        # node boot disks are encrypted by the Compute Engine service agent
        "compute": f"serviceAccount:service-{project_number}@compute-system.iam.gserviceaccount.com",
        "gcs": f"serviceAccount:{gcs_agent}",
    }
    if warm_agent is not None:  # (warm tier kind, agent email) for Lustre or Filestore
        storage[warm_agent[0]] = pulumi.Output.concat("serviceAccount:", warm_agent[1])
    return {
        "secrets": {
            "gke": f"serviceAccount:service-{project_number}@container-engine-robot.iam.gserviceaccount.com"
        },
        "storage": storage,
        "logs": {},
    }


class EncryptionKeys(GcpComponent):
    """One key per data class with a rotation period, plus encrypter grants for service agents.

    key_management customer-managed: ailz creates a key ring in the target region and
    SOFTWARE-protected keys. external: the keys already exist (Cloud EKM / Cloud HSM, created
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
            ring = gcp.kms.KeyRing(name, name=name, project=project, location=region, opts=self.child())
            # Full resource names (what GKE, GCS and Lustre take), tied to the resources they name.
            ring_id = ring.id.apply(lambda _: f"projects/{project}/locations/{region}/keyRings/{name}")
            for data_class in DATA_CLASSES:
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
                    opts=self.child(),
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
