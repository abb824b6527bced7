"""The warm tier: FSx for Lustre (PERSISTENT_2) in the GPU zone, linked to the datasets bucket."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from ailz.catalog import load_catalog
from ailz.components.common.base import AilzComponent
from ailz.components.common.labels import aws_tags
from ailz.spec.common import WarmTier

S3_EVENTS = ["NEW", "CHANGED", "DELETED"]
DAILY_BACKUPS = {
    "automatic_backup_retention_days": 7,
    "daily_automatic_backup_start_time": "03:00",
    "copy_tags_to_backups": True,
}
NO_BACKUPS = {"automatic_backup_retention_days": 0}
DATASETS_PATH = "/datasets"
LOG_RETENTION_DAYS = 365


FSX_CSI_DRIVER = "fsx.csi.aws.com"


def fsx_lustre_pv_spec(file_system_id: str, dns_name: str, mount_name: str, gib: int) -> dict:
    """Static PV of an existing FSx for Lustre file system (aws-fsx-csi-driver static
    provisioning: volumeHandle is the file system id, dnsname and mountname its mount target)."""
    return {
        "capacity": {"storage": f"{gib}Gi"},
        "accessModes": ["ReadWriteMany"],
        "persistentVolumeReclaimPolicy": "Retain",
        "storageClassName": "",
        "volumeMode": "Filesystem",
        "mountOptions": ["flock"],
        "csi": {
            "driver": FSX_CSI_DRIVER,
            "volumeHandle": file_system_id,
            "volumeAttributes": {"dnsname": dns_name, "mountname": mount_name},
        },
    }


class WarmLustre(AilzComponent):
    def __init__(
        self,
        name: str,
        spec_path: str,
        *,
        warm: WarmTier,
        subnet_id: pulumi.Input[str],
        security_group_ids: list[pulumi.Input[str]],
        key_arn: pulumi.Input[str],
        log_key_arn: pulumi.Input[str],
        log_group_name: str,
        datasets_bucket: pulumi.Input[str] | None,
        tags: dict[str, str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("aws", "WarmLustre", name, spec_path, opts)
        tags = aws_tags(tags)
        facts = load_catalog().fsx_lustre  # sizes, throughputs, version and ailz's defaults
        # FSx logs into a group ailz owns, encrypted and kept for a year, instead of the shared
        # /aws/fsx/lustre it creates otherwise (the name must start with /aws/fsx: FSx API
        # reference, LustreLogCreateConfiguration)
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=log_group_name,
            retention_in_days=LOG_RETENTION_DAYS,
            kms_key_id=log_key_arn,
            tags=tags,
            opts=self.child(),
        )
        self.file_system = aws.fsx.LustreFileSystem(
            name,
            deployment_type="PERSISTENT_2",
            storage_type="SSD",
            storage_capacity=warm.capacity_gib or facts.default_capacity_gib,
            per_unit_storage_throughput=warm.throughput_per_tib or facts.default_throughput_per_tib,
            file_system_type_version=facts.version,
            data_compression_type="LZ4",
            kms_key_id=key_arn,
            subnet_ids=subnet_id,  # one subnet: PERSISTENT_2 is single-AZ
            security_group_ids=security_group_ids,
            metadata_configuration={"mode": "AUTOMATIC"},
            log_configuration={"level": "WARN_ERROR", "destination": log_group.arn},
            # FSx backs up only file systems not linked to a data repository (FSx API reference,
            # CreateBackup); linked to the datasets bucket, the bucket is the durable copy. Unlinked,
            # FSx keeps daily backups for a week.
            **(NO_BACKUPS if datasets_bucket is not None else DAILY_BACKUPS),
            weekly_maintenance_start_time="7:03:00",
            tags=tags,
            opts=self.child(),
        )
        if datasets_bucket is not None:
            aws.fsx.DataRepositoryAssociation(
                f"{name}-datasets",
                file_system_id=self.file_system.id,
                data_repository_path=pulumi.Output.concat("s3://", datasets_bucket, "/"),
                file_system_path=DATASETS_PATH,
                batch_import_meta_data_on_create=True,
                s3={
                    "auto_import_policy": {"events": S3_EVENTS},
                    "auto_export_policy": {"events": S3_EVENTS},
                },
                tags=tags,
                opts=self.child(),
            )
        self.capacity_gib = warm.capacity_gib or facts.default_capacity_gib
        self.dns_name = self.file_system.dns_name
        self.mount_name = self.file_system.mount_name
        self.register_outputs({"dnsName": self.dns_name, "mountName": self.mount_name})
