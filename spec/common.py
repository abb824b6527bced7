"""Spec building blocks shared by every target kind: pools, capacity, storage, network."""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, ClassVar, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

NAME_PATTERN = r"^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$"
Name = Annotated[
    str,
    Field(
        pattern=NAME_PATTERN,
        description="Lowercase letters, digits and '-', starting with a letter, at most 40 chars.",
    ),
]


def _cidr(value: str) -> str:
    try:
        net = ipaddress.ip_network(value, strict=True)
    except ValueError as err:
        raise ValueError(f"not a valid network CIDR ({err}); write e.g. 10.20.0.0/16") from err
    if net.version != 4:
        raise ValueError("only IPv4 CIDRs are supported for target networks")
    return str(net)


Cidr = Annotated[str, AfterValidator(_cidr)]


def _ipv4(value: str) -> str:
    try:
        return str(ipaddress.IPv4Address(value))
    except ValueError as err:
        raise ValueError(f"not an IPv4 address ({err}); write e.g. 172.30.0.1") from err


IPv4 = Annotated[str, AfterValidator(_ipv4)]


class SpecModel(BaseModel):
    """Strict base: unknown keys are errors, names stay as written."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


CapacityKind = Literal["on-demand", "reservation", "capacity-block", "spot"]


class Capacity(SpecModel):
    kind: CapacityKind = "on-demand"
    reservation_id: str | None = Field(
        default=None,
        description="AWS ODCR or Capacity Block id (cr-...), or GCP reservation name.",
    )
    reserved_nodes: int | None = Field(
        default=None, ge=1, description="Nodes the reservation holds; the pool may not exceed it."
    )
    reservation_block: str | None = Field(
        default=None, description="GCP: a reservation block name inside the reservation."
    )
    placement_group: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9_.:-]{1,255}$",
        description="AWS: the existing cluster placement group an ODCR was made in, or 'none'. "
        "Default: none for reservations (the reservation decides where its instances run), a "
        "cluster placement group of ailz's own for on-demand and spot pools; EC2 places Capacity "
        "Blocks itself.",
    )

    @model_validator(mode="after")
    def _needs_id(self) -> Capacity:
        if self.kind in ("reservation", "capacity-block") and not self.reservation_id:
            raise ValueError(f"capacity kind '{self.kind}' needs a reservation_id")
        if self.kind in ("on-demand", "spot") and self.reservation_id:
            raise ValueError(
                f"capacity kind '{self.kind}' takes no reservation_id; "
                "use kind: reservation or capacity-block"
            )
        return self


PoolPurpose = Literal["training", "inference", "batch", "interactive"]


class GpuPool(SpecModel):
    name: Name
    machine: str = Field(description="A machine from `ailz catalog list` for this target's kind.")
    nodes: int = Field(ge=1, le=2048, description="Nodes the pool runs (desired size).")
    min_nodes: int | None = Field(default=None, ge=0)
    max_nodes: int | None = Field(default=None, ge=1)
    purpose: PoolPurpose = Field(
        default="training", description="training = synchronous training (spot refused)."
    )
    capacity: Capacity = Field(default_factory=Capacity)
    labels: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _bounds(self) -> GpuPool:
        low = self.min_nodes if self.min_nodes is not None else self.nodes
        high = self.max_nodes if self.max_nodes is not None else self.nodes
        if not low <= self.nodes <= high:
            raise ValueError(f"nodes ({self.nodes}) must lie within min_nodes ({low}) and max_nodes ({high})")
        return self

    @property
    def scaling(self) -> tuple[int, int, int]:
        low = self.min_nodes if self.min_nodes is not None else self.nodes
        high = self.max_nodes if self.max_nodes is not None else self.nodes
        return low, self.nodes, high


class Network(SpecModel):
    cidr: Cidr
    egress: Literal["nat", "none"] = Field(
        default="nat", description="nat: outbound through NAT; none: no internet egress at all."
    )
    peer_with: list[str] = Field(
        default_factory=list,
        description="Targets this network will be connected to (the link itself is yours); "
        "their CIDRs must not overlap.",
    )


class HotTier(SpecModel):
    kind: Literal["local-nvme", "local-ssd"] = "local-nvme"


class WarmTier(SpecModel):
    kind: Literal["lustre", "filestore", "parallel-fs"]
    capacity_gib: int | None = Field(default=None, ge=1)
    throughput_per_tib: int | None = Field(
        default=None, description="MB/s per TiB (AWS: 125/250/500/1000, GCP: 125/250/500/1000)."
    )
    csi_driver: str | None = Field(default=None, description="On-prem: the CSI driver name.")
    parameters: dict[str, str] = Field(default_factory=dict)


class ColdTier(SpecModel):
    kind: Literal["object"] = "object"
    buckets: list[Literal["datasets", "checkpoints", "models"]] = Field(
        default_factory=lambda: ["datasets", "checkpoints", "models"]
    )
    archive_after_days: int = Field(default=90, ge=1)
    checkpoint_retention_days: int | None = Field(default=None, ge=1)
    endpoint: str | None = Field(default=None, description="On-prem: S3-compatible endpoint URL.")
    credentials_secret: str | None = Field(
        default=None, description="On-prem: name of the Kubernetes Secret with the credentials."
    )


class Storage(SpecModel):
    hot: HotTier | None = None
    warm: WarmTier | None = None
    cold: ColdTier | None = None


DataClass = Literal["secrets", "storage", "logs"]


class Encryption(SpecModel):
    external_keys: dict[DataClass, str] = Field(
        default_factory=dict,
        description="Existing key per data class, required when key_management is external.",
    )


class Kubernetes(SpecModel):
    version: str = Field(pattern=r"^1\.\d{2}$", description='Minor version, e.g. "1.33".')
    endpoint: Literal["private", "public-and-private"] = "private"
    admin_roles: list[str] = Field(
        default_factory=list, description="Identities given cluster-admin (AWS role ARNs)."
    )
    api_access_cidrs: list[Cidr] = Field(
        default_factory=list,
        description="endpoint: public-and-private: the networks that may reach the public API endpoint "
        "(your CI runners' and administrators' egress). Never the internet by default: 0.0.0.0/0 only "
        "when written here, and the policy gate flags it.",
    )
    connected_cidrs: list[Cidr] = Field(
        default_factory=list,
        description="Networks connected to the target's network (VPN, Direct Connect or Interconnect, "
        "peering, Transit Gateway) from which kubectl and the platform stage reach the private API "
        "endpoint; each gets HTTPS to it.",
    )


class Registries(SpecModel):
    mirror: str = Field(
        description="Registry that mirrors every image ailz uses: in-jurisdiction on-prem, an ECR or "
        "Artifact Registry repository in the region for clouds without egress."
    )
    allowed: list[str] = Field(default_factory=list, description="Registries pods may pull from.")
    exempt_namespaces: list[str] = Field(
        default_factory=list,
        description="On-prem: namespaces of the cluster's own components (CNI, CSI, monitoring) whose "
        "images the registry allow-list does not govern; kube-system always is.",
    )
    charts: str | None = Field(
        default=None, description="OCI path of mirrored Helm charts; default: oci://<mirror>/charts."
    )
    manifests: str | None = Field(
        default=None, description="HTTPS base of mirrored release manifests (images rewritten to the mirror)."
    )


class Fabric(SpecModel):
    """The RDMA fabric of the site's own GPU servers; cloud machines bring theirs (see the catalog)."""

    kind: Literal["infiniband", "roce"]
    hcas: list[str] = Field(default_factory=list, description="HCA names, e.g. mlx5_0 .. mlx5_7")
    interfaces: list[str] = Field(
        default_factory=list,
        description="Network interface of each HCA, same order as hcas (e.g. ibp24s0 or enp24s0np0).",
    )
    mtu: int = Field(default=4096, ge=1280, le=9216)
    gid_index: int | None = Field(default=None, ge=0, description="RoCE v2 GID index (often 3).")
    device_plugin: Literal["shared", "sriov"] = Field(
        default="shared",
        description="shared: RDMA shared device plugin (rdma/...); sriov: SR-IOV VFs (nvidia.com/...), "
        "created and isolated per pod by the SR-IOV Network Operator.",
    )
    sriov_vfs: int = Field(
        default=8,
        ge=1,
        le=127,
        description="sriov: virtual functions the SR-IOV Network Operator creates on each rail's port; "
        "every RDMA pod on a node takes one of each rail.",
    )
    ip_pool: Cidr = Field(
        default="172.30.0.0/16",
        description="Range carved into one subnet per rail when rail_subnets is empty.",
    )
    rail_subnets: list[Cidr] = Field(
        default_factory=list, description="Explicit IP pool (subnet) per rail, same order as hcas."
    )
    install_driver: bool = Field(
        default=False, description="Let the Network Operator run the DOCA driver container (hosts lack it)."
    )
    gpudirect: Literal["peermem", "dma-buf"] = Field(
        default="peermem",
        description="How the NIC reaches GPU memory. peermem: the legacy nvidia-peermem module, which "
        "works with any driver and kernel (NCCL still prefers DMA-BUF where the host supports it); "
        "dma-buf: NVIDIA's recommended path, no peermem module, needs the open GPU kernel modules and "
        "Linux 5.12 or later on every GPU node.",
    )
    traffic_class: int | None = Field(
        default=None,
        ge=0,
        le=255,
        description="RoCE: NCCL_IB_TC, the IP ToS byte of RDMA traffic (DSCP << 2 | ECN), matching "
        "the switches' lossless class, e.g. 106 for DSCP 26 with ECN.",
    )
    rail_gateways: list[IPv4] = Field(
        default_factory=list,
        description="L3 rails: the router address inside each rail subnet, same order as hcas.",
    )
    rail_exclusions: list[list[str]] = Field(
        default_factory=list,
        description="Per rail, addresses nv-ipam must not hand to pods (the hosts' own PF addresses, "
        "switches): '172.30.0.1' or a range '172.30.0.1-172.30.0.31', same order as hcas.",
    )
    rail_routes: list[list[Cidr]] = Field(
        default_factory=list,
        description="L3 rails: per rail, the networks reached through that rail's gateway (the same "
        "rail's subnets elsewhere in the fabric), same order as hcas.",
    )


class TargetBase(SpecModel):
    """What every target kind has. A kind's model adds `kind: Literal[...]`, its location fields, and
    sets the class facts below that zone-wide checks read."""

    # capacity kinds its GPU pools may use
    capacity_kinds: ClassVar[tuple[str, ...]] = ("on-demand", "reservation", "spot")
    # a zone of `region`, for hints
    zone_example: ClassVar[str] = "{region}a"
    # the catalog section with the cloud's regions and zones (None: the site names its own region)
    regions_catalog: ClassVar[str | None] = None
    # keys come from a cloud key service (external_keys apply)
    uses_key_service: ClassVar[bool] = True
    # the registry that mirrors images when the network has no egress; None: no such check
    mirror_example: ClassVar[str | None] = None
    # ailz creates the cluster and so decides who reaches its API (not on an existing cluster)
    manages_api_endpoint: ClassVar[bool] = True

    name: Name
    network: Network
    kubernetes: Kubernetes
    gpu_pools: list[GpuPool] = Field(default_factory=list)
    storage: Storage = Field(default_factory=Storage)
    encryption: Encryption = Field(default_factory=Encryption)
    registries: Registries | None = None
    image_digests: dict[str, str] = Field(
        default_factory=dict,
        description="Digests of images ailz chooses whose publishers tag them only, keyed by the "
        "upstream reference `ailz images` lists (e.g. 'us-docker.pkg.dev/gce-ai-infra/gpudirect-gib/"
        "nccl-plugin-gib:v1.1.1': 'sha256:...'; `crane digest <image>`): ailz pulls them by digest.",
    )

    @model_validator(mode="after")
    def _digests_are_sha256(self) -> TargetBase:
        for image, digest in self.image_digests.items():
            if not re.fullmatch(r"sha256:[0-9a-f]{64}", digest):
                raise ValueError(f"digest of {image} must be sha256: and 64 hex digits, not {digest!r}")
            if "@" in image or ":" not in image.rsplit("/", 1)[-1]:
                raise ValueError(f"{image!r} must be a tagged image reference, as `ailz images` lists it")
        return self

    @property
    def location(self) -> str:
        raise NotImplementedError

    @property
    def availability_zone(self) -> str | None:
        """The zone GPU pools run in, on kinds that have zones."""
        return None

    @property
    def site_fabric(self) -> Fabric | None:
        """The fabric the target declares for its own servers; None where the machine brings it."""
        return None

    @property
    def driver_os_tag(self) -> str | None:
        """The GPU nodes' OS as driver images are tagged (ubuntu22.04), where the site chooses it."""
        return None

    @property
    def existing_cluster(self) -> tuple[str | None, str] | None:
        """(kubeconfig file or None for $KUBECONFIG, context) of a cluster ailz does not create;
        None where ailz creates the cluster and its stack holds the kubeconfig."""
        return None
