"""Bad AWS input is refused before synthesis, with the path, the line and the fix."""

from __future__ import annotations

import pytest

from ailz.catalog import load_catalog
from ailz.components.aws.checks import check_aws_target, next_lustre_capacity, valid_lustre_capacity
from ailz.components.kinds import load_text
from ailz.spec.errors import SpecError
from tests.conftest import EXAMPLES

EXAMPLE = (EXAMPLES / "aws-p5-training.yaml").read_text(encoding="utf-8")


def errors(text: str) -> list:
    with pytest.raises(SpecError) as caught:
        load_text(text, "zone.yaml")
    return caught.value.issues


def one_issue(text: str, path: tuple):
    found = [i for i in errors(text) if i.path == path]
    assert len(found) == 1, [(i.path, i.message) for i in errors(text)]
    return found[0]


def test_example_is_clean():
    load_text(EXAMPLE, "zone.yaml")


def test_lustre_capacity_not_an_increment():
    issue = one_issue(
        EXAMPLE.replace("capacity_gib: 4800", "capacity_gib: 5000"),
        ("targets", 0, "storage", "warm", "capacity_gib"),
    )
    assert "5000 GiB is not a valid FSx for Lustre PERSISTENT_2 size" in issue.message
    assert "7200" in issue.hint
    assert (
        issue.line
        == EXAMPLE.splitlines().index(next(line for line in EXAMPLE.splitlines() if "capacity_gib" in line))
        + 1
    )


def test_lustre_throughput_tier():
    issue = one_issue(
        EXAMPLE.replace("throughput_per_tib: 500", "throughput_per_tib: 200"),
        ("targets", 0, "storage", "warm", "throughput_per_tib"),
    )
    assert "125, 250, 500, 1000" in issue.hint


@pytest.mark.parametrize("gib,ok", [(1200, True), (2400, True), (4800, True), (3600, False), (1000, False)])
def test_lustre_sizes(gib, ok):
    assert valid_lustre_capacity(gib) is ok
    assert valid_lustre_capacity(next_lustre_capacity(gib))


def test_capacity_block_without_reservation():
    text = EXAMPLE.replace(
        "capacity: {kind: capacity-block, reservation_id: cr-0123456789abcdef0, reserved_nodes: 4}",
        "capacity: {kind: capacity-block}",
    )
    messages = [i.message for i in errors(text)]
    assert any("needs a reservation_id" in m for m in messages)


def test_reservation_id_shape():
    issue = one_issue(
        EXAMPLE.replace("cr-0123456789abcdef0", "block-42"),
        ("targets", 0, "gpu_pools", 0, "capacity", "reservation_id"),
    )
    assert "cr-0123456789abcdef0" in issue.hint


def test_spot_refused_for_training():
    text = EXAMPLE.replace(
        "capacity: {kind: capacity-block, reservation_id: cr-0123456789abcdef0, reserved_nodes: 4}",
        "capacity: {kind: spot}",
    )
    issue = one_issue(text, ("targets", 0, "gpu_pools", 0, "capacity", "kind"))
    assert "spot capacity is refused" in issue.message


def test_vpc_too_small_for_the_pools():
    text = EXAMPLE.replace("cidr: 10.20.0.0/16", "cidr: 10.20.0.0/22").replace("nodes: 4\n", "nodes: 4\n", 1)
    issue = one_issue(text, ("targets", 0, "network", "cidr"))
    assert "GPU subnet" in issue.message and "need" in issue.message


def test_vpc_prefix_out_of_range():
    issue = one_issue(
        EXAMPLE.replace("cidr: 10.20.0.0/16", "cidr: 10.20.0.0/24"), ("targets", 0, "network", "cidr")
    )
    assert "/16 to /22" in issue.hint


def test_zone_not_offered():
    catalog = load_catalog()
    p5 = catalog.machines["p5.48xlarge"].model_copy(update={"zones": ["eu-west-1b"]})
    patched = catalog.model_copy(update={"machines": {**catalog.machines, "p5.48xlarge": p5}})
    zone = load_text(EXAMPLE, "zone.yaml", check=False).zone
    issues = check_aws_target(zone, 0, patched)
    assert [(i.path, i.message) for i in issues] == [
        (("targets", 0, "zone"), "p5.48xlarge (pool 'h100') is not offered in eu-west-1a")
    ]
    assert "eu-west-1b" in issues[0].hint


def test_gcp_settings_on_aws():
    text = EXAMPLE.replace("hot: {kind: local-nvme}", "hot: {kind: local-ssd}").replace(
        "warm: {kind: lustre,", "warm: {kind: filestore,"
    )
    paths = {i.path for i in errors(text)}
    assert {("targets", 0, "storage", "hot", "kind"), ("targets", 0, "storage", "warm", "kind")} <= paths


def test_admin_role_must_be_an_iam_arn():
    issue = one_issue(
        EXAMPLE.replace("arn:aws:iam::111122223333:role/platform-admin", "platform-admin"),
        ("targets", 0, "kubernetes", "admin_roles", 0),
    )
    assert "IAM role or user ARN" in issue.message


def test_external_keys_must_be_kms_arns_in_the_region():
    text = EXAMPLE.replace("key_management: customer-managed", "key_management: external").replace(
        "    gpu_pools:\n",
        "    encryption:\n      external_keys:\n"
        "        secrets: arn:aws:kms:us-east-1:111122223333:key/abcd-1\n"
        "        storage: not-a-key\n"
        "        logs: arn:aws:kms:eu-west-1:111122223333:key/abcd-3\n"
        "    gpu_pools:\n",
        1,
    )
    found = {
        i.path[-1]: i for i in errors(text) if i.path[:4] == ("targets", 0, "encryption", "external_keys")
    }
    assert set(found) == {"secrets", "storage"}
    assert "is in us-east-1" in found["secrets"].message
    assert "not a KMS key ARN" in found["storage"].message
    assert found["storage"].line is not None


def test_system_nodes_bounds():
    text = EXAMPLE.replace(
        "    gpu_pools:\n", "    system_nodes: {nodes: 5, max_nodes: 2}\n    gpu_pools:\n", 1
    )
    messages = [i.message for i in errors(text)]
    assert any("max_nodes (2) must be at least nodes (5)" in m for m in messages)


def test_a_16_holds_300_p5_but_not_400():
    def sized(nodes: int) -> str:
        return EXAMPLE.replace("        nodes: 4\n", f"        nodes: {nodes}\n", 1).replace(
            "reserved_nodes: 4", f"reserved_nodes: {nodes}"
        )

    load_text(sized(300), "zone.yaml")
    issue = one_issue(sized(400), ("targets", 0, "network", "cidr"))
    assert "add network.secondary_cidrs" in issue.hint


def test_a_capacity_block_takes_no_placement_group():
    text = EXAMPLE.replace("reserved_nodes: 4}", "reserved_nodes: 4, placement_group: ml-cpg-1}")
    with pytest.raises(SpecError) as error:
        load_text(text, "zone.yaml")
    assert "Capacity Block itself; it takes no placement group" in error.value.render()


def test_a_thousand_p5_in_the_primary_block_point_to_secondary_cidrs():
    text = EXAMPLE.replace("nodes: 4\n", "nodes: 1024\n", 1)
    text = text.replace("reserved_nodes: 4", "reserved_nodes: 1024")
    issue = one_issue(text, ("targets", 0, "network", "cidr"))
    assert "need 51900" in issue.message  # 1,024 p5 x 50 and 2 p4d x 350
    assert "secondary_cidrs" in issue.hint


def test_a_thousand_p5_fit_with_a_secondary_block():
    text = (
        EXAMPLE.replace("nodes: 4\n", "nodes: 1024\n", 1)
        .replace("reserved_nodes: 4", "reserved_nodes: 1024")
        .replace("cidr: 10.20.0.0/16\n", "cidr: 10.20.0.0/16\n      secondary_cidrs: [100.64.0.0/16]\n")
    )
    load_text(text, "zone.yaml")


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        ("172.16.0.0/16", "AWS refuses a secondary block in 172.16.0.0/12"),
        ("10.20.128.0/20", "overlaps 10.20.0.0/16"),
        ("8.8.0.0/16", "not a private or RFC 6598 block"),
        ("100.64.0.0/12", "not a private or RFC 6598 block of /16 to /28"),
    ],
)
def test_secondary_blocks_aws_would_refuse(block, expected):
    text = EXAMPLE.replace("cidr: 10.20.0.0/16\n", f"cidr: 10.20.0.0/16\n      secondary_cidrs: [{block}]\n")
    issue = one_issue(text, ("targets", 0, "network", "secondary_cidrs", 0))
    assert expected in issue.message


def test_more_node_groups_than_eks_allows_names_the_quota():
    text = (
        EXAMPLE.replace("nodes: 4\n", "nodes: 1024\n", 1)
        .replace("reserved_nodes: 4", "reserved_nodes: 1024")
        .replace("cidr: 10.20.0.0/16\n", "cidr: 10.20.0.0/16\n      secondary_cidrs: [100.64.0.0/16]\n")
        .replace("    gpu_pools:\n", "    eks_quotas: {nodes_per_node_group: 30}\n    gpu_pools:\n", 1)
    )
    issue = one_issue(text, ("targets", 0, "gpu_pools"))
    assert "30 managed node groups per cluster" in issue.message and "eks_quotas" in issue.hint


def test_secondary_blocks_on_an_existing_vpc_are_refused():
    text = EXAMPLE.replace(
        "cidr: 10.20.0.0/16\n",
        "cidr: 10.20.0.0/16\n      secondary_cidrs: [100.64.0.0/16]\n"
        "      existing: {vpc_id: vpc-0a1b2c3d, cluster_subnet_ids: [subnet-0001aaaa, subnet-0002aaaa], "
        "gpu_subnet_ids: [subnet-0003aaaa]}\n",
    )
    issue = one_issue(text, ("targets", 0, "network", "secondary_cidrs"))
    assert "network team" in issue.message
