"""Typed shape of the catalog: machines and fabric profiles, every fact group with a source."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Provider = Literal["aws", "gcp", "onprem"]
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
    """Expected nccl-tests bus bandwidth at large messages (GB/s)."""

    intra_node_busbw_gbps: float = Field(gt=0, description="8 GPUs in one node, all_reduce.")
    two_node_busbw_gbps: float = Field(gt=0, description="2 nodes, all_reduce, Ring.")


class Price(Fact):
    on_demand_usd_per_hour: float = Field(gt=0)
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
    image: str
    source: str = Field(min_length=8)


class Catalog(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    machines: dict[str, Machine]
    fabric_profiles: dict[str, FabricProfile]

    def machine(self, name: str) -> Machine:
        return self.machines[name]

    def for_provider(self, provider: str) -> list[Machine]:
        return [m for m in self.machines.values() if m.provider == provider]
