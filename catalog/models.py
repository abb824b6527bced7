"""Typed shape of the catalog: machines, fabric profiles, storage tiers, network addressing, node-local
endpoints, resource limits, GPUDirect host plumbing and platform software; every fact group with a
source."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# The target kind that runs the machine (a registered kind; spec checks compare it with the target).
Provider = Annotated[str, Field(pattern=r"^[a-z][a-z0-9]*$")]
FabricKind = Literal["efa", "tcpx", "tcpxo", "gpudirect-rdma-roce", "infiniband", "roce"]


class Fact(BaseModel):
    """A group of facts that share one source (vendor documentation or an anchor project)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    source: str = Field(min_length=8, description="Where these facts come from.")


class Gpu(Fact):
    model: str
    count: int = Field(gt=0)
    memory_gib: int = Field(gt=0)
    nvlink_generation: int = Field(ge=0)
    nvlink_gbytes_per_s: int = Field(ge=0, description="NVLink bandwidth per GPU, GB/s.")


class Network(Fact):
    fabric: FabricKind
    gpu_nics: int = Field(ge=0, description="NICs that carry GPU-to-GPU traffic.")
    gbps_per_gpu_nic: int = Field(ge=0)
    total_gbps: int = Field(ge=0, description="All network bandwidth of the machine.")


class EfaLayout(Fact):
    """AWS: how many EFA interfaces the instance takes and on which network cards."""

    generation: int = Field(ge=1)
    network_cards: int = Field(ge=1)
    max_efa_interfaces: int = Field(ge=1)
    primary_interface: Literal["efa", "ena"] = Field(
        description="Interface at network card 0, device index 0 (current guidance: ENA)."
    )
    efa_only_min_vpc_cni: str = Field(description="First vpc-cni release with efa-only support.")


class VpcLimits(Fact):
    """AWS: the addresses an instance can hold (EC2 DescribeInstanceTypes NetworkInfo)."""

    vcpus: int = Field(gt=0)
    interfaces_per_card: int = Field(ge=1, description="Network interfaces each network card holds.")
    ipv4_per_interface: int = Field(ge=1, description="Private IPv4 addresses per ENA interface.")


class GcpNetworks(Fact):
    """GCP: the networks a machine family needs beyond the primary VPC."""

    accelerator_type: str
    extra_gvnic_networks: int = Field(ge=0)
    gvnic_mtu: int = Field(ge=1460)
    rdma_networks: int = Field(ge=0, description="RoCE VPCs (each with one subnet per RDMA NIC).")
    rdma_nics: int = Field(ge=0)
    rdma_mtu: int | None = None
    compact_placement: bool
    min_gke_version: str
    boot_disk_type: str = Field(
        default="pd-balanced", description="Boot disk type the machine series supports."
    )


class OnpremFabric(Fact):
    compute_hcas: int = Field(ge=0)
    storage_nics: int = Field(ge=0)
    link_layers: list[Literal["infiniband", "ethernet"]]


class LocalNvme(Fact):
    count: int = Field(ge=0)
    size_gb: int = Field(ge=0)


class Expected(Fact):
    """Expected nccl-tests bus bandwidth at large messages (GB/s); which figure judges which collective
    at which scale is `nccl_thresholds` (catalog/fabrics.yaml). A figure left out is not judged."""

    intra_node_busbw_gbps: float = Field(gt=0, description="All GPUs in one node, all_reduce.")
    two_node_busbw_gbps: float = Field(gt=0, description="2+ nodes, all_reduce, Ring.")
    intra_node_collective_busbw_gbps: float | None = Field(
        default=None,
        gt=0,
        description="All GPUs in one node, all_gather / reduce_scatter (no NVLink SHARP offload).",
    )
    sendrecv_busbw_gbps: float | None = Field(
        default=None, gt=0, description="2+ nodes, sendrecv: the network links of one GPU (busbw = algbw)."
    )


ExpectedFigure = Literal[
    "intra_node_busbw_gbps", "two_node_busbw_gbps", "intra_node_collective_busbw_gbps", "sendrecv_busbw_gbps"
]


class NodeTopology(Fact):
    """Node labels naming a GPU node's rack: exact keys, or prefixes numbered by network layer (the
    highest number is the closest to the node)."""

    rack_labels: list[str]
    layered_prefixes: list[str]


class HealthCheckFacts(Fact):
    """What the recurring node health check runs beyond the fabric's nccl-tests image."""

    dcgm_image: str
    gke_driver_libraries: str
    priority: int
    autoscaler_expendable_cutoff: int
    loopback_profiles: list[str]

    @model_validator(mode="after")
    def _never_scales_up(self) -> HealthCheckFacts:
        if self.priority >= self.autoscaler_expendable_cutoff:
            raise ValueError("health_check.priority must stay below the autoscaler's expendable cutoff")
        return self


class NcclThresholds(Fact):
    """Which `expected` figure judges a collective in one node and across nodes; a collective that is
    not listed at a scale has no sourced figure there, and its bandwidth is reported, not judged."""

    intra_node: dict[str, ExpectedFigure]
    multi_node: dict[str, ExpectedFigure]


class Price(Fact):
    """List prices of one machine, whole machine per hour, in `region`; None where not published."""

    on_demand_usd_per_hour: float | None = Field(default=None, gt=0)
    capacity_block_usd_per_hour: float | None = Field(
        default=None, gt=0, description="EC2 Capacity Block for ML, effective hourly (fixed at purchase)."
    )
    committed_1y_usd_per_hour: float | None = Field(default=None, gt=0, description="1-year commitment.")
    committed_3y_usd_per_hour: float | None = Field(default=None, gt=0, description="3-year commitment.")
    region: str
    as_of: str


class Machine(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    provider: Provider
    description: str
    gpu: Gpu
    network: Network
    local_nvme: LocalNvme
    kubernetes_resources: dict[str, int] = Field(
        description="Extended resources a pod requests to use the whole node."
    )
    kubernetes_resources_source: str = Field(min_length=8)
    nccl_profile: str = Field(description="Key of the fabric profile with the NCCL environment.")
    expected: Expected
    efa: EfaLayout | None = None
    vpc_limits: VpcLimits | None = None
    gcp: GcpNetworks | None = None
    onprem: OnpremFabric | None = None
    zones: list[str] | None = Field(
        default=None, description="Zones where the machine is offered, when a vendor lists them."
    )
    zones_source: str | None = None
    price: Price | None = None

    @property
    def fabric(self) -> str:
        return self.network.fabric

    @property
    def gpus(self) -> int:
        return self.gpu.count


class FabricProfile(BaseModel):
    """How NCCL is configured on a fabric and what pods must request."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    fabric: FabricKind
    description: str
    nccl_env: dict[str, str]
    obsolete_env: list[str] = Field(default_factory=list)
    tuner_decides: bool = Field(
        default=False, description="The vendor's tuner plugin picks NCCL's algorithms: never pin NCCL_ALGO."
    )
    image: str
    source: str = Field(min_length=8)


class NcclSidecar(BaseModel):
    """The rxdm daemon a GPUDirect-TCP(X/O) test pod runs next to NCCL."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    image: str
    command: list[str]
    socket_dir: str | None = Field(description="Where the daemon's Unix sockets are shared, if anywhere.")
    device_injection: bool = Field(description="The NRI device injector hands the daemon the GPUs.")
    aperture_devices: bool = Field(description="The daemon needs FasTrak's /dev/aperture_devices.")


class NcclPod(Fact):
    """What an nccl-tests pod needs on one fabric profile, beyond its NCCL environment."""

    template: str = Field(description="Jinja template under validation/templates.")
    image: str | None = Field(
        default=None, description="Test image; null: the fabric profile's image (fabric_profiles.<name>)."
    )
    nccl_tests_dir: str
    mpirun: str
    setup: list[str] = Field(
        default_factory=list, description="Shell lines every rank runs before the test binary."
    )
    hugepages_2mi: str | None = None
    memory: str
    cpu: str
    shm_size: str
    expect_gdr: bool = Field(description="NCCL logs GPUDirect RDMA (GDRDMA) on this fabric.")
    capabilities: list[str] = Field(
        default_factory=list, description="Added beyond root sshd's capabilities (IPC_LOCK for RDMA)."
    )
    sidecar: NcclSidecar | None = None


def _entries_beside_source(data: Any, field: str) -> Any:
    """A YAML mapping of named entries next to its `source` key -> {source, <field>: entries}."""
    if isinstance(data, dict) and field not in data:
        entries = {k: v for k, v in data.items() if k != "source"}
        return {"source": data.get("source"), field: entries}
    return data


# An inclusive TCP/UDP port range, [low, high]; one port is [port, port].
PortRange = tuple[Annotated[int, Field(ge=1, le=65535)], Annotated[int, Field(ge=1, le=65535)]]


# --- storage tiers -------------------------------------------------------------------------------


class FsxLustre(Fact):
    """AWS warm tier: FSx for Lustre PERSISTENT_2 on SSD."""

    small_sizes_gib: list[int] = Field(description="Sizes allowed below the increment.")
    increment_gib: int = Field(gt=0, description="Larger sizes are multiples of this.")
    throughputs_per_tib: list[int] = Field(description="PerUnitStorageThroughput tiers, MB/s per TiB.")
    version: str = Field(description="FileSystemTypeVersion ailz creates.")
    version_source: str = Field(min_length=8)
    default_capacity_gib: int = Field(gt=0, description="ailz default when the spec gives no capacity.")
    default_throughput_per_tib: int = Field(gt=0, description="ailz default when the spec gives none.")
    defaults_source: str = Field(min_length=8)
    client_ports: list[PortRange] = Field(description="TCP port ranges the file servers accept clients on.")
    client_ports_source: str = Field(min_length=8)

    def valid_capacity(self, gib: int) -> bool:
        return gib in self.small_sizes_gib or (gib > 0 and gib % self.increment_gib == 0)

    @model_validator(mode="after")
    def _defaults_are_valid(self) -> FsxLustre:
        if not self.valid_capacity(self.default_capacity_gib):
            raise ValueError(f"default_capacity_gib {self.default_capacity_gib} is not a valid size")
        if self.default_throughput_per_tib not in self.throughputs_per_tib:
            raise ValueError(f"default_throughput_per_tib {self.default_throughput_per_tib} is not a tier")
        for low, high in self.client_ports:
            if low > high:
                raise ValueError(f"client_ports [{low}, {high}]: the range runs from low to high")
        return self


class LustreTier(BaseModel):
    """One Managed Lustre performance tier (GiB)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    min_capacity_gib: int = Field(gt=0)
    step_gib: int = Field(gt=0, description="Capacity step up to step_threshold_gib.")
    step_threshold_gib: int = Field(gt=0)
    large_step_gib: int = Field(gt=0, description="Above the threshold, capacity is a multiple of this.")
    max_capacity_gib: int = Field(gt=0)

    def problem(self, gib: int, throughput: int) -> str | None:
        """Why this capacity is not valid in the tier, or None."""
        if gib < self.min_capacity_gib:
            return f"the {throughput} MB/s/TiB tier starts at {self.min_capacity_gib} GiB"
        if gib > self.max_capacity_gib:
            return f"the {throughput} MB/s/TiB tier holds at most {self.max_capacity_gib} GiB"
        if gib <= self.step_threshold_gib and gib % self.step_gib:
            return f"the {throughput} MB/s/TiB tier grows in steps of {self.step_gib} GiB"
        if gib > self.step_threshold_gib and gib % self.large_step_gib:
            return (
                f"above {self.step_threshold_gib} GiB the {throughput} MB/s/TiB tier is a multiple of "
                f"{self.large_step_gib} GiB"
            )
        return None

    def sizes_near(self, gib: int) -> list[int]:
        """The valid sizes just below and above `gib` (one at the tier's ends), for a fix line."""
        return _near(gib, self.min_capacity_gib, self.max_capacity_gib, self._step_at)

    def _step_at(self, gib: int) -> int:
        return self.step_gib if gib <= self.step_threshold_gib else self.large_step_gib

    def describe(self, throughput: int) -> str:
        return (
            f"the {throughput} MB/s/TiB tier holds {self.min_capacity_gib}-{self.max_capacity_gib} GiB, in "
            f"steps of {self.step_gib} GiB up to {self.step_threshold_gib} and multiples of "
            f"{self.large_step_gib} above"
        )


def _near(gib: int, low: int, high: int, step_at) -> list[int]:
    """Valid sizes on a stepped range nearest `gib`: the one below and the one above."""
    if gib <= low:
        return [low]
    if gib >= high:
        return [high]
    step = step_at(gib)
    below = gib - gib % step
    above = below + step
    found = [s for s in (below, above) if low <= s <= high]
    return found or [low]


class ManagedLustre(Fact):
    """GCP warm tier: Google Cloud Managed Lustre, keyed by throughput tier (MB/s per TiB)."""

    csi_min_gke_version: str = Field(description="Oldest GKE whose Lustre CSI driver mounts it.")
    default_port_min_gke_version: str = Field(description="Oldest new cluster using Lustre's port 988.")
    csi_source: str = Field(min_length=8)
    tiers: dict[int, LustreTier]
    default_capacity_gib: int = Field(gt=0, description="ailz default when the spec gives no capacity.")
    default_throughput_per_tib: int = Field(gt=0, description="ailz default tier when the spec gives none.")
    defaults_source: str = Field(min_length=8)

    @model_validator(mode="after")
    def _defaults_are_valid(self) -> ManagedLustre:
        tier = self.tiers.get(self.default_throughput_per_tib)
        if tier is None:
            raise ValueError(f"default_throughput_per_tib {self.default_throughput_per_tib} is not a tier")
        if tier.problem(self.default_capacity_gib, self.default_throughput_per_tib):
            raise ValueError(f"default_capacity_gib {self.default_capacity_gib} is not valid in its tier")
        return self


class FilestoreRange(BaseModel):
    """One Filestore Zonal capacity range and its scaling step (GiB)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    min_gib: int = Field(gt=0)
    max_gib: int = Field(gt=0)
    step_gib: int = Field(gt=0)


class FilestoreZonal(Fact):
    """GCP warm tier: Filestore Zonal; the range is fixed when the instance is created."""

    def sizes_near(self, gib: int) -> list[int]:
        """Valid sizes nearest `gib`: on its range's steps, or the ends of the ranges around it."""
        for r in self.ranges:
            if r.min_gib <= gib <= r.max_gib:
                below = r.min_gib + (gib - r.min_gib) // r.step_gib * r.step_gib
                return [s for s in (below, below + r.step_gib) if s <= r.max_gib]
        ends = sorted({r.min_gib for r in self.ranges} | {r.max_gib for r in self.ranges})
        lower = [e for e in ends if e < gib]
        higher = [e for e in ends if e > gib]
        return ([lower[-1]] if lower else []) + ([higher[0]] if higher else [])

    ranges: list[FilestoreRange]
    default_capacity_gib: int = Field(gt=0, description="ailz default when the spec gives no capacity.")
    defaults_source: str = Field(min_length=8)

    @model_validator(mode="after")
    def _default_is_valid(self) -> FilestoreZonal:
        gib = self.default_capacity_gib
        if not any(r.min_gib <= gib <= r.max_gib and not (gib - r.min_gib) % r.step_gib for r in self.ranges):
            raise ValueError(f"default_capacity_gib {gib} is not a Filestore Zonal size")
        return self


class GkeLimits(Fact):
    """GKE Standard limits a target's node pools must fit."""

    nodes_per_pool_per_zone: int = Field(gt=0)
    nodes_per_cluster: int = Field(gt=0)


class CloudStorage(Fact):
    """GCP cold tier: Cloud Storage storage classes."""

    nearline_min_storage_days: int = Field(gt=0, description="Nearline's minimum storage duration.")
    soft_delete_min_days: int = Field(gt=0, description="Shortest soft-delete retention, when enabled.")
    soft_delete_max_days: int = Field(gt=0)


# --- network addressing --------------------------------------------------------------------------


class AwsVpc(Fact):
    """Amazon VPC address rules the AWS subnet planner follows."""

    min_vpc_prefix: int = Field(ge=0, le=32, description="Largest VPC CIDR AWS allows (/16).")
    cidr_blocks_per_vpc: int = Field(gt=0, description="IPv4 CIDR blocks per VPC, the primary included.")
    secondary_exclusions: dict[str, list[IPv4Network]] = Field(
        description="Primary CIDR range -> ranges a secondary CIDR block may not come from."
    )
    max_vpc_prefix: int = Field(ge=0, le=32, description="Smallest VPC CIDR AWS allows (/28).")
    reserved_per_subnet: int = Field(ge=0, description="Addresses AWS keeps in every subnet.")


class EksZones(Fact):
    """Availability Zones (by zone ID: names differ per account) where EKS places no cluster subnet."""

    unsupported_zone_ids: list[str]


class EksPods(Fact):
    """Pods the VPC CNI may place on one EKS node, each taking a VPC address, and how EKS and the
    VPC CNI count them (components/aws/address_plan.py)."""

    max_pods_per_node: int = Field(gt=0, description="Managed node groups on up to 30 vCPUs.")
    max_pods_large: int = Field(gt=0, description="Managed node groups on instances with more vCPUs.")
    large_above_vcpus: int = Field(gt=0)
    host_network_pods: int = Field(ge=0, description="Pods on the node's own address (aws-node, kube-proxy).")
    prefix_addresses: int = Field(gt=0, description="Addresses in one delegated prefix (/28).")
    warm_prefixes: int = Field(ge=0, description="VPC CNI WARM_PREFIX_TARGET ailz sets.")
    warm_interfaces: int = Field(ge=0, description="VPC CNI WARM_ENI_TARGET default.")


class AwsOwnedBuckets(Fact):
    """S3 objects nodes read from AWS's own buckets through the S3 gateway endpoint ({region})."""

    read_only_objects: list[str]


class EksServiceCidrs(Fact):
    """The Kubernetes service ranges EKS picks from when a cluster names none, in its order."""

    candidates: list[IPv4Network]


class EksAddons(Fact):
    """Oldest EKS add-on builds that take the configuration ailz sets (components/aws/addons.py)."""

    minimum_versions: dict[str, str]


class EksQuotas(Fact):
    """EKS service quotas (adjustable per account; a target may state raised values)."""

    node_groups_per_cluster: int = Field(gt=0)
    nodes_per_node_group: int = Field(gt=0)


class GcpAddressing(Fact):
    """GCP subnet and GKE address rules the GCP network planner follows."""

    reserved_per_subnet: int = Field(ge=0, description="Addresses GCP keeps in every subnet range.")
    default_max_pods_per_node: int = Field(gt=0, description="GKE Standard node pools that set none.")
    pod_range_per_max_pod: int = Field(
        gt=0, description="A node's pod range holds this many addresses per pod, rounded up to a CIDR block."
    )
    pods_source: str = Field(min_length=8)
    control_plane_prefix: int = Field(ge=0, le=32, description="GKE private control-plane range size.")
    control_plane_source: str = Field(min_length=8)


class GcpVpc(Fact):
    """Google Cloud VPC defaults and the Google APIs VIP a target without internet egress uses."""

    default_mtu: int = Field(ge=1300, le=8896, description="MTU of a VPC network created without one.")
    restricted_google_apis: IPv4Network = Field(
        description="restricted.googleapis.com: Google APIs reachable without internet egress."
    )
    restricted_google_apis_source: str = Field(min_length=8)

    @property
    def restricted_google_apis_addresses(self) -> list[str]:
        """Every address of the restricted VIP range, as DNS A records list them."""
        return [str(address) for address in self.restricted_google_apis]


# --- node-local endpoints ------------------------------------------------------------------------


class NodeLocalAddress(Fact):
    """A link-local address a pod reaches on its own node."""

    address: IPv4Address

    @field_validator("address")
    @classmethod
    def _link_local(cls, address: IPv4Address) -> IPv4Address:
        if not address.is_link_local:
            raise ValueError(f"{address} is not a link-local address")
        return address

    @property
    def cidr(self) -> str:
        """The address alone, as a NetworkPolicy ipBlock names it."""
        return f"{self.address}/32"


class CredentialEndpoint(NodeLocalAddress):
    """The node-local endpoint that hands pods their workload identity's credentials."""

    port: int = Field(ge=1, le=65535, description="TCP port.")

    @property
    def endpoint(self) -> tuple[str, int]:
        """(cidr, port), as the cluster handle's credential_endpoints list them."""
        return (self.cidr, self.port)


# --- resource limits -----------------------------------------------------------------------------


class NameLimit(Fact):
    max_length: int = Field(gt=0, description="Longest name the vendor accepts, in characters.")


class AwsTagLimits(Fact):
    max_tags: int = Field(gt=0, description="User tags per resource.")
    max_key_length: int = Field(gt=0)
    max_value_length: int = Field(gt=0)


class AwsBudgetLimits(Fact):
    max_notifications: int = Field(gt=0, description="Notifications per budget.")
    max_email_subscribers: int = Field(gt=0, description="Email subscribers per notification.")
    name_max_length: int = Field(gt=0)
    unsupported_region_prefixes: dict[str, str] = Field(
        description="Region prefix -> partition where ailz creates no USD budget in the target's account."
    )


class AwsLimits(BaseModel):
    """AWS tag limits, the name lengths ailz shortens names to, and AWS Budgets' limits."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    tags: AwsTagLimits
    s3_bucket_name: NameLimit
    iam_role_name: NameLimit
    budgets: AwsBudgetLimits


class GcpLabelLimits(Fact):
    max_labels: int = Field(gt=0, description="Labels per resource.")
    max_length: int = Field(gt=0, description="Longest label key or value, in characters.")


class GcpBudgetLimits(Fact):
    max_notification_channels: int = Field(gt=0, description="Monitoring channels per budget.")
    display_name_max_length: int = Field(gt=0)


class GcpLimits(BaseModel):
    """GCP label limits, the name lengths ailz shortens names to, and Cloud Billing budgets' limits."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    labels: GcpLabelLimits
    storage_bucket_name: NameLimit
    budgets: GcpBudgetLimits


class KubernetesLabels(Fact):
    max_length: int = Field(gt=0, description="Longest label name (without prefix) or value.")


# --- GPUDirect on GKE ----------------------------------------------------------------------------


class ApertureDevices(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    dir: str
    pci_id: str
    kernel_module: str
    helper_image: str


class GpudirectInstaller(Fact):
    """How one fabric profile's NCCL plugin installer stages and copies its libraries."""

    model_config = ConfigDict(populate_by_name=True)
    staging_dir: str
    stage_on_host: bool
    install_args: list[str] = Field(description="Arguments of the plugin image's container_entry.sh.")
    excludes: list[str] = Field(
        default_factory=list, description="Fabric profiles whose plugin may not share its cluster."
    )
    copies: dict[str, str] = Field(alias="copy", description="Staged path -> host path.")
    nri_device_injector: bool
    aperture_devices: ApertureDevices | None = None


class PodAllowance(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    host_paths: list[str]
    daemon_capabilities: dict[str, list[str]]


class PodAllowances(Fact):
    """Per fabric profile: host paths and daemon capabilities the RDMA admission policy lets through."""

    profiles: dict[str, PodAllowance]

    @model_validator(mode="before")
    @classmethod
    def _flat(cls, data: Any) -> Any:
        return _entries_beside_source(data, "profiles")


class NriDeviceInjector(Fact):
    image: str
    socket_dir: str
    nri_source: str = Field(min_length=8)


class GpudirectHost(BaseModel):
    """Host-side GPUDirect plumbing on GKE, keyed by fabric profile."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    pause_image: str
    pause_source: str = Field(min_length=8)
    installers: dict[str, GpudirectInstaller]
    pod_allowances: PodAllowances
    nri_device_injector: NriDeviceInjector


# --- platform software (platform.yaml) -----------------------------------------------------------


class Chart(Fact):
    """A pinned Helm chart; the optional fields belong to one chart each."""

    chart: str
    version: str
    repository: str
    namespace: str
    component_version: str | None = Field(default=None, description="network-operator: NicClusterPolicy.")
    component_repository: str | None = None
    doca_driver_version: str | None = None
    image_tag: str | None = Field(default=None, description="local-static-provisioner image tag.")
    images: list[str] = Field(
        default_factory=list,
        description="Images the chart pulls with its defaults and what ailz enables (`ailz images`).",
    )
    images_source: str | None = None
    subchart_images: dict[str, dict[str, str]] = Field(
        default_factory=dict,
        description="Per subchart ailz enables (its values key), the values key of each image it "
        "pulls and the upstream image; ailz sets every one, under the mirror when there is one.",
    )
    sriov_source: str | None = None
    os_suffix: dict[str, str] = Field(
        default_factory=dict,
        description="Image name -> what the operator appends to its tag for the node's OS "
        "({os}, e.g. ubuntu22.04), so `ailz images` lists the tag a node really pulls.",
    )


class Manifest(Fact):
    """A pinned upstream manifest and its path under a mirror."""

    version: str
    url: str
    path: str
    namespace: str
    images: dict[str, str] = Field(
        default_factory=dict,
        description="Deployment/container in `namespace` -> the image the manifest names.",
    )


class EksImageRegistries(Fact):
    """ECR account serving EKS images per region (the common account elsewhere)."""

    default_account: str
    accounts: dict[str, str]


class ImageRepositories(Fact):
    """Upstream image repositories; a sovereign target pulls the same paths from its mirror."""

    repositories: dict[str, str]

    @model_validator(mode="before")
    @classmethod
    def _flat(cls, data: Any) -> Any:
        return _entries_beside_source(data, "repositories")


class KueueConfig(Fact):
    model_config = ConfigDict(populate_by_name=True)
    api_version: str = Field(alias="apiVersion")
    health_probe_bind_address: str
    metrics_bind_address: str
    webhook_port: int
    leader_election_resource_name: str
    frameworks: list[str]
    exclude_resource_prefixes: list[str]


class Scheduling(Fact):
    """CPU and memory Kueue admits per GPU."""

    cpu_per_gpu: int = Field(gt=0)
    memory_gib_per_gpu: int = Field(gt=0)


class PodSecurityBaseline(Fact):
    """What the Pod Security Standards' baseline level allows, which RDMA namespaces enforce by
    admission policy (plus IPC_LOCK and the GPUDirect stacks' own needs)."""

    capabilities: list[str] = Field(description="Capabilities a container may add.")
    selinux_types: list[str]
    sysctls: list[str] = Field(description="Safe sysctls a pod may set.")


class Platform(BaseModel):
    """catalog/platform.yaml: the in-cluster software ailz installs, pinned."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    charts: dict[str, Chart]
    eks_image_registries: EksImageRegistries
    manifests: dict[str, Manifest]
    images: ImageRepositories
    kueue_config: KueueConfig
    scheduling: Scheduling
    node_local_dns: NodeLocalAddress
    kubernetes_labels: KubernetesLabels
    pod_security_baseline: PodSecurityBaseline


class Region(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    zones: list[str] = Field(min_length=1, description="Zone letters: the zone name ends with one.")
    country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2 code of its location.")


class Regions(Fact):
    """A cloud's regions as of a date; a region launched later comes in through a catalog overlay."""

    as_of: str
    regions: dict[str, Region]


class EksVersions(Fact):
    as_of: str
    standard: list[str] = Field(min_length=1, description="Minors in standard support.")
    extended: list[str] = Field(description="Minors in extended support only.")


class GkeVersions(Fact):
    as_of: str
    regular: list[str] = Field(min_length=1, description="Minors the REGULAR channel offers.")
    other_channels: dict[str, str] = Field(description="Minors offered only elsewhere: minor -> channel.")


class Jurisdictions(Fact):
    groups: dict[str, list[str]] = Field(description="A jurisdiction's name -> its ISO country codes.")

    def countries(self, name: str) -> set[str] | None:
        """The countries a jurisdiction covers; a country code covers itself; None when unknown."""
        if name in self.groups:
            return set(self.groups[name])
        return {name} if len(name) == 2 and name.isalpha() and name.isupper() else None


class CloudServicePrices(Fact):
    region: str
    as_of: str
    kubernetes_control_plane_usd_per_hour: float
    nat_gateway_usd_per_hour: float
    instances: dict[str, float] = Field(description="System node machine -> on-demand USD per hour.")
    lustre_usd_per_gib_month: dict[int, float | None]
    filestore_zonal_usd_per_gib_month: float | None = None
    object_storage_usd_per_gib_month: float


class ServicePrices(Fact):
    hours_per_month: int
    object_storage_gib_per_bucket: int
    object_storage_source: str = Field(min_length=8)
    aws: CloudServicePrices
    gcp: CloudServicePrices


class PlanChanges(Fact):
    """What a change to a resource ailz creates does beyond an update, for `ailz diff`'s risks;
    input paths are Pulumi input names (camelCase, dotted, list indexes dropped)."""

    replace_on_change: dict[str, list[str]] = Field(description="type -> inputs whose change replaces it.")
    rolls_nodes: dict[str, list[str]] = Field(description="type -> inputs whose change rolls its nodes.")
    gpu_capacity_inputs: dict[str, list[str]] = Field(description="type -> inputs that size GPU capacity.")
    gpu_capacity_types: list[str] = Field(description="Types whose removal removes GPU capacity.")
    replace_if_decreased: dict[str, list[str]] = Field(
        default_factory=dict, description="type -> numeric inputs whose decrease replaces it."
    )
    replace_unless_range_grows: dict[str, list[str]] = Field(
        default_factory=dict,
        description="type -> CIDR inputs replaced unless the new range contains the old.",
    )


class Catalog(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    machines: dict[str, Machine]
    fabric_profiles: dict[str, FabricProfile]
    nccl_pods: dict[str, NcclPod] = Field(description="nccl-tests pod layout per fabric profile.")
    fsx_lustre: FsxLustre
    aws_vpc: AwsVpc
    eks_zones: EksZones
    eks_pods: EksPods
    eks_quotas: EksQuotas
    eks_addons: EksAddons
    eks_service_cidrs: EksServiceCidrs
    aws_owned_buckets: AwsOwnedBuckets
    eks_pod_identity_agent: CredentialEndpoint
    aws_limits: AwsLimits
    managed_lustre: ManagedLustre
    filestore_zonal: FilestoreZonal
    cloud_storage: CloudStorage
    gcp_addressing: GcpAddressing
    gcp_vpc: GcpVpc
    gke_metadata_server: CredentialEndpoint
    gcp_limits: GcpLimits
    gke_limits: GkeLimits
    gpudirect_host: GpudirectHost
    nccl_thresholds: NcclThresholds
    node_topology: NodeTopology
    health_check: HealthCheckFacts
    aws_regions: Regions
    eks_versions: EksVersions
    gcp_regions: Regions
    gke_versions: GkeVersions
    jurisdictions: Jurisdictions
    plan_changes: PlanChanges
    service_prices: ServicePrices
    platform: Platform

    def machine(self, name: str) -> Machine:
        return self.machines[name]

    def for_provider(self, provider: str) -> list[Machine]:
        return [m for m in self.machines.values() if m.provider == provider]
