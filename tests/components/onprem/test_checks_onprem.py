"""Bad on-prem input becomes a spec error naming the path, line and fix; never a traceback."""

from __future__ import annotations

import pytest

from ailz.components.kinds import load_text
from ailz.spec.errors import SpecError

BASE = """
name: z
owner: me
tags: {{cost-center: a, team: b, environment: c}}
residency: {{allowed_regions: [fra1]}}
targets:
  - name: site
    kind: onprem
    region: fra1
    cluster: {{context: ctx}}
    network: {{cidr: 10.60.0.0/16}}
    kubernetes: {{version: "1.32"}}
    gpu_pools: [{{name: dgx, machine: dgx-h100, nodes: 2}}]
{extra}
teams:
  - {{name: t, targets: [site], gpu_quota: {quota}}}
"""
GOOD_FABRIC = "    fabric: {kind: infiniband, hcas: [mlx5_0, mlx5_1], interfaces: [ib0, ib1]}"


def issues(extra: str = "", quota: int = 8):
    try:
        load_text(BASE.format(extra=extra, quota=quota), "zone.yaml")
    except SpecError as err:
        return [(".".join(map(str, i.path)), i.message, i.hint, i.line) for i in err.issues]
    return []


def test_good_spec_has_no_issues():
    assert issues(GOOD_FABRIC) == []


def test_infiniband_without_hcas():
    (path, message, hint, line), = issues("    fabric: {kind: infiniband}")  # fmt: skip
    assert path == "targets.0.fabric.hcas" and "HCAs" in message and "mlx5_0" in hint
    assert line == 14


def test_interfaces_must_match_hcas():
    found = issues("    fabric: {kind: roce, hcas: [mlx5_0, mlx5_1], interfaces: [eth0]}")
    assert [(p, m) for p, m, _, _ in found] == [("targets.0.fabric.interfaces", "1 interfaces for 2 HCAs")]


def test_quota_larger_than_target():
    found = issues(GOOD_FABRIC, quota=17)
    assert [p for p, *_ in found] == ["teams.0.gpu_quota"]
    assert "16 GPUs" in found[0][1]


def test_mirror_outside_allow_list():
    extra = GOOD_FABRIC + "\n    registries: {mirror: reg.other, allowed: [reg.site]}"
    (path, message, hint, _), = issues(extra)  # fmt: skip
    assert path == "targets.0.registries.mirror"
    assert "reg.other" in message and "registries.allowed" in hint


@pytest.mark.parametrize(
    ("fabric", "expected"),
    [
        (
            "rail_subnets: [172.30.0.0/24, 172.30.0.128/25]",
            [
                (
                    "targets.0.fabric.rail_subnets.1",
                    "rail IP pool 172.30.0.128/25 overlaps rail 0 (172.30.0.0/24)",
                )
            ],
        ),
        (
            "ip_pool: 10.60.128.0/17",
            [
                (
                    "targets.0.fabric.ip_pool",
                    f"rail IP pool 10.60.{n}.0/18 overlaps the target network 10.60.0.0/16",
                )
                for n in (128, 192)
            ],
        ),
        (
            "rail_subnets: [172.30.0.0/30, 172.30.1.0/24]",
            [
                (
                    "targets.0.fabric.rail_subnets.0",
                    "rail IP pool 172.30.0.0/30 is too small for 2 nodes (4 addresses each)",
                )
            ],
        ),
    ],
)
def test_ip_pools(fabric, expected):
    extra = f"    fabric: {{kind: infiniband, hcas: [mlx5_0, mlx5_1], interfaces: [ib0, ib1], {fabric}}}"
    assert [(p, m) for p, m, _, _ in issues(extra)] == expected


def test_gid_index_is_roce_only():
    extra = "    fabric: {kind: infiniband, hcas: [mlx5_0], interfaces: [ib0], gid_index: 3}"
    assert [p for p, *_ in issues(extra)] == ["targets.0.fabric.gid_index"]


def test_device_plugin_choice_is_validated():
    found = issues("    fabric: {kind: roce, hcas: [mlx5_0], interfaces: [e0], device_plugin: dpdk}")
    assert found and found[0][0] == "targets.0.fabric.device_plugin"


def test_cli_exits_2_with_the_message(tmp_path):
    from typer.testing import CliRunner

    from ailz.cli.app import app

    spec = tmp_path / "zone.yaml"
    spec.write_text(BASE.format(extra="    fabric: {kind: infiniband}", quota=8))
    result = CliRunner().invoke(app, ["plan", str(spec)])
    assert result.exit_code == 2
    assert "targets[0].fabric.hcas" in result.output and "Traceback" not in result.output


def test_infiniband_over_sriov_is_refused_until_vfs_get_guids_and_pkeys():
    fabric = "    fabric: {kind: infiniband, hcas: [mlx5_0], interfaces: [ib0], device_plugin: sriov}"
    found = issues(fabric)
    assert [p for p, *_ in found] == ["targets.0.fabric.device_plugin"]
    assert "GUIDs and PKeys" in found[0][1] and "device_plugin: shared" in found[0][2]


def test_roce_over_sriov_is_accepted():
    assert issues("    fabric: {kind: roce, hcas: [mlx5_0], interfaces: [eth1], device_plugin: sriov}") == []


def test_the_hot_tier_provisioner_serves_tainted_gpu_nodes():
    from ailz.components.common.names import GPU_TAINT_KEY
    from ailz.components.onprem.storage_manifests import local_provisioner_values

    tolerations = local_provisioner_values(None)["tolerations"]
    assert {"key": GPU_TAINT_KEY, "operator": "Exists", "effect": "NoSchedule"} in tolerations


def test_ip_pools_wait_for_the_nic_cluster_policy_to_be_ready():
    # the operator installs nv-ipam's IPPool CRD while it reconciles the policy
    from types import SimpleNamespace

    from ailz.components.onprem.fabric_manifests import nic_cluster_policy

    fabric = SimpleNamespace(
        kind="infiniband", hcas=["mlx5_0"], interfaces=["ib0"], device_plugin="shared", install_driver=False
    )
    policy = nic_cluster_policy(fabric, None, {})
    assert policy["metadata"]["annotations"] == {
        "pulumi.com/waitFor": "jsonpath={.status.state}=ready",
        "pulumi.com/timeoutSeconds": "3600",  # a DOCA driver build outlasts the default 10 minutes
    }
    # only the GPU nodes run the driver, Multus and nv-ipam, not every node with a Mellanox NIC
    terms = policy["spec"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    assert terms["nodeSelectorTerms"] == [
        {"matchExpressions": [{"key": "ailz.io/pool", "operator": "Exists"}]}
    ]


ROCE = "    fabric: {{kind: roce, hcas: [mlx5_0, mlx5_1], interfaces: [e0, e1], rail_subnets: [172.31.0.0/24, 172.31.1.0/24], {extra}}}"  # noqa: E501


GATEWAYS = "rail_gateways: [172.31.0.1, 172.31.1.1], "


def test_l3_rails_with_gateways_and_routes_are_accepted():
    # a rail's route may cover its own subnet: the connected route is more specific
    extra = "rail_gateways: [172.31.0.1, 172.31.1.1], rail_routes: [[172.31.64.0/18], [172.31.0.0/16]], traffic_class: 106"  # noqa: E501
    assert issues(ROCE.format(extra=extra)) == []


@pytest.mark.parametrize(
    "extra, path, words",
    [
        ("rail_routes: [[172.31.64.0/18], [172.31.128.0/18]]", "rail_routes", "need a gateway"),
        ("rail_gateways: [172.31.0.1]", "rail_gateways", "1 rail gateways for 2 HCAs"),
        ("rail_gateways: [172.31.0.1, 172.31.9.1]", "rail_gateways.1", "not a host address of rail 1"),
        ("rail_gateways: [172.31.0.0, 172.31.1.1]", "rail_gateways.0", "not a host address"),
        (GATEWAYS + "rail_routes: [[0.0.0.0/0], []]", "rail_routes.0.0", "default"),
        (GATEWAYS + "rail_routes: [[10.60.0.0/24], []]", "rail_routes.0.0", "target network"),
        (GATEWAYS + "rail_routes: [[], [172.31.1.128/25]]", "rail_routes.1.0", "own subnet"),
        ("rail_gateways: [172.31.0.1, 300.1.1.1]", "rail_gateways.1", "not an IPv4 address"),
        ("traffic_class: 256", "traffic_class", "256 is too large"),
    ],
)
def test_l3_rail_mistakes_name_the_rail(extra, path, words):
    found = issues(ROCE.format(extra=extra))
    assert [p for p, *_ in found] == [f"targets.0.fabric.{path}"]
    assert words in found[0][1]


def test_traffic_class_is_roce_only():
    extra = "    fabric: {kind: infiniband, hcas: [mlx5_0], interfaces: [ib0], traffic_class: 106}"
    found = issues(extra)
    assert [p for p, *_ in found] == ["targets.0.fabric.traffic_class"] and "kind: roce" in found[0][2]


AIRGAPPED = BASE.replace("network: {{cidr: 10.60.0.0/16}}", "network: {{cidr: 10.60.0.0/16, egress: none}}")


def airgapped_issues(extra: str):
    try:
        load_text(AIRGAPPED.format(extra=extra, quota=8), "zone.yaml")
    except SpecError as err:
        return [(".".join(map(str, i.path)), i.message, i.hint) for i in err.issues]
    return []


def test_without_egress_a_driver_build_needs_the_sites_package_mirror():
    found = airgapped_issues(GOOD_FABRIC)
    assert [p for p, *_ in found] == ["targets.0.network.egress"]
    assert "GPU driver container" in found[0][1] and "os_packages" in found[0][2]
    doca = airgapped_issues(GOOD_FABRIC.replace("}", ", install_driver: true}") + "\n    gpu_driver: host")
    assert "DOCA driver container" in doca[0][1] and "GPU driver" not in doca[0][1]
    # the drivers come with the servers: nothing builds
    assert airgapped_issues(GOOD_FABRIC + "\n    gpu_driver: host") == []
    packages = "\n    os_packages: {repository: 'deb https://pkgs.site/ubuntu jammy main'}"
    assert airgapped_issues(GOOD_FABRIC + packages) == []


def test_driver_containers_read_the_package_mirror_and_its_ca():
    from types import SimpleNamespace

    from ailz.components.common.os_packages import os_package_config_maps
    from ailz.components.onprem.fabric_manifests import nic_cluster_policy
    from ailz.components.platform.gpu_operator_values import GpuStackOptions, gpu_operator_values

    packages = (
        "ailz-os-packages.repo",
        "[site]\nbaseurl=https://pkgs.site/rhel9\n",
        "-----BEGIN CERTIFICATE-----",
    )
    repo, ca = os_package_config_maps(packages, "gpu-operator", {})
    assert repo["data"] == {"ailz-os-packages.repo": "[site]\nbaseurl=https://pkgs.site/rhel9\n"}
    assert ca["metadata"] == {"name": "ailz-os-packages-ca", "namespace": "gpu-operator", "labels": {}}
    fabric = SimpleNamespace(
        kind="infiniband", hcas=["mlx5_0"], interfaces=["ib0"], device_plugin="shared", install_driver=True
    )
    ofed = nic_cluster_policy(fabric, None, {}, packages)["spec"]["ofedDriver"]
    assert ofed["repoConfig"] == {"name": "ailz-os-packages"} and ofed["certConfig"] == {
        "name": "ailz-os-packages-ca"
    }
    values = gpu_operator_values(
        GpuStackOptions(
            driver_preinstalled=False, repo_config="ailz-os-packages", cert_config="ailz-os-packages-ca"
        ),
        {},
    )
    assert values["driver"]["repoConfig"] == {"configMapName": "ailz-os-packages"}
    assert values["driver"]["certConfig"] == {"name": "ailz-os-packages-ca"}


def test_rail_exclusions_keep_host_addresses_from_pods():
    extra = "rail_exclusions: [[172.31.0.1-172.31.0.31], [172.31.1.5]]"
    assert issues(ROCE.format(extra=extra)) == []
    from ailz.components.kinds import load_text as load
    from ailz.components.onprem.fabric_manifests import ip_pools

    zone = load(BASE.format(extra=ROCE.format(extra=extra), quota=8), "zone.yaml").zone
    pools = ip_pools(zone.targets[0].fabric, 2, {})
    assert pools[0]["spec"]["exclusions"] == [{"startIP": "172.31.0.1", "endIP": "172.31.0.31"}]
    assert pools[1]["spec"]["exclusions"] == [{"startIP": "172.31.1.5", "endIP": "172.31.1.5"}]


@pytest.mark.parametrize(
    "extra, path, words",
    [
        ("rail_exclusions: [[172.31.0.1]]", "rail_exclusions", "1 rail exclusion lists for 2 HCAs"),
        ("rail_exclusions: [[172.31.0.9-172.31.0.1], []]", "rail_exclusions.0.0", "ends before it starts"),
        ("rail_exclusions: [[], [172.31.9.1]]", "rail_exclusions.1.0", "not inside rail 1"),
        ("rail_exclusions: [[host-a], []]", "rail_exclusions.0.0", "not an address or range"),
    ],
)
def test_rail_exclusion_mistakes(extra, path, words):
    found = issues(ROCE.format(extra=extra))
    assert [p for p, *_ in found] == [f"targets.0.fabric.{path}"] and words in found[0][1]


def test_an_unknown_machine_brings_no_follow_on_quota_error():
    text = BASE.format(extra=GOOD_FABRIC, quota=8).replace("machine: dgx-h100", "machine: dgx-h10")
    try:
        load_text(text, "zone.yaml")
    except SpecError as err:
        found = [(".".join(map(str, i.path)), i.message) for i in err.issues]
    else:
        found = []
    assert [p for p, _ in found] == ["targets.0.gpu_pools.0.machine"]  # not also "quota exceeds the 0 GPUs"
