"""Node user data: a MIME multipart document with a nodeadm NodeConfig, pinned by a golden file."""

from __future__ import annotations

import email
from pathlib import Path

import yaml

from ailz.components.aws.user_data import node_user_data

GOLDEN = Path(__file__).parent / "golden" / "gpu-node-user-data.txt"


def test_matches_golden_file():
    assert node_user_data(8) == GOLDEN.read_text(encoding="utf-8")


def test_is_mime_multipart_with_a_raid0_node_config():
    message = email.message_from_string(node_user_data(8))
    assert message.is_multipart()
    parts = message.get_payload()
    assert [p.get_content_type() for p in parts] == ["application/node.eks.aws"]
    config = yaml.safe_load(parts[0].get_payload())
    assert config["apiVersion"] == "node.eks.aws/v1alpha1"
    assert config["kind"] == "NodeConfig"
    assert config["spec"]["instance"]["localStorage"]["strategy"] == "RAID0"


def test_no_local_disks_no_raid():
    config = yaml.safe_load(email.message_from_string(node_user_data(0)).get_payload()[0].get_payload())
    assert "instance" not in config["spec"]
