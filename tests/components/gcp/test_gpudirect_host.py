"""Host side of GPUDirect on GKE: NCCL plugin installers per fabric, the NRI device injector for
TCPX/TCPXO, their manifests against the Kubernetes schema and golden files, and agreement with
the NCCL job pods on host paths and images."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ailz.catalog import load_catalog
from ailz.components.common.images import mirrored_image
from ailz.components.gcp import nccl_plugin_plan as plan_
from tests.conftest import ROOT
from tests.golden import assert_golden as shared_assert_golden
from tests.k8s_schema import validate_manifest

DAEMONSET = "kubernetes:apps/v1:DaemonSet"
GOLDEN = Path(__file__).resolve().parent / "golden"
NVIDIA_LIB = "/home/kubernetes/bin/nvidia/lib64"
LABELS = {"app.kubernetes.io/managed-by": "ailz", "landing-zone": "z"}


def manifest(inputs: dict) -> dict:
    return {"apiVersion": "apps/v1", "kind": "DaemonSet", **inputs}


def daemonsets(plan) -> dict[str, dict]:
    found = [manifest(r.inputs) for r in plan.of_type(DAEMONSET)]
    names = [d["metadata"]["name"] for d in found]
    assert len(names) == len(set(names)), f"a DaemonSet is declared twice: {names}"
    return {d["metadata"]["name"]: d for d in found}


def accelerators(daemonset: dict) -> list[str]:
    affinity = daemonset["spec"]["template"]["spec"]["affinity"]["nodeAffinity"]
    terms = affinity["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    return terms[0]["matchExpressions"][0]["values"]


def host_paths(daemonset: dict) -> set[str]:
    return {v["hostPath"]["path"] for v in daemonset["spec"]["template"]["spec"]["volumes"]}


def assert_golden(name: str, data: Any) -> None:
    shared_assert_golden(GOLDEN, name, data)


MIRROR = "us-central1-docker.pkg.dev/acme-ai-finetune/mirror"  # examples/gcp-a3-mega.yaml
DOCS_MIRROR = "us-central1-docker.pkg.dev/acme-a4-train/mirror"  # docs/gcp.md


@pytest.fixture(scope="module")
def mega_plan(example_plan):
    """examples/gcp-a3-mega.yaml: an A3 Mega pool (TCPXO) and an A3 High pool (TCPX), no egress,
    every image from the mirror."""
    return example_plan("gcp-a3-mega")


# --- A3 Mega (GPUDirect-TCPXO) -------------------------------------------------------------------


def test_a3_mega_target_gets_each_installer_once_and_the_injector(mega_plan):
    found = daemonsets(mega_plan)
    assert set(found) == {"ailz-nccl-tcpx-installer", "ailz-nccl-tcpxo-installer", "ailz-nri-device-injector"}
    assert accelerators(found["ailz-nccl-tcpx-installer"]) == ["nvidia-h100-80gb"]
    assert accelerators(found["ailz-nccl-tcpxo-installer"]) == ["nvidia-h100-mega-80gb"]
    assert accelerators(found["ailz-nri-device-injector"]) == ["nvidia-h100-80gb", "nvidia-h100-mega-80gb"]
    for daemonset in found.values():
        validate_manifest(daemonset)
        assert daemonset["metadata"]["namespace"] == "kube-system"
        assert daemonset["metadata"]["labels"]["landing-zone"] == "acme-ft"


def test_without_egress_every_host_image_comes_from_the_mirror(mega_plan):
    # the TCPXO installer's helper is a Docker Hub image upstream, which such a node cannot reach
    for daemonset in daemonsets(mega_plan).values():
        pod = daemonset["spec"]["template"]["spec"]
        for container in [*pod.get("initContainers", []), *pod["containers"]]:
            assert container["image"].startswith(MIRROR + "/"), container["image"]


def test_tcpxo_installer(mega_plan):
    daemonset = daemonsets(mega_plan)["ailz-nccl-tcpxo-installer"]
    pod = daemonset["spec"]["template"]["spec"]
    aperture, install = pod["initContainers"]
    # the plugin version the NCCL pods run (catalog profile) is the one installed on the host
    assert install["image"] == mirrored_image(load_catalog().fabric_profiles["tcpxo"].image, MIRROR)
    # pinned by the digests NVIDIA's recipe inventory gives (catalog)
    assert install["image"].endswith(
        "/gpudirect-tcpxo/nccl-plugin-gpudirecttcpx-dev:v1.0.15@sha256:4c9f0de3f394"
        "55a2ea35e844e0fc92564ca5629f6b03250fde40e8160719dae4"
    )
    assert aperture["image"].startswith(f"{MIRROR}/library/ubuntu:24.04@sha256:c4a8d5503dfb")
    assert "container_entry.sh install --install-nccl" in install["args"][0]
    assert "cp -r /var/lib/tcpxo/lib64/. /host" + NVIDIA_LIB in install["args"][0]
    assert host_paths(daemonset) == {NVIDIA_LIB, "/var/lib"}
    # the aperture step runs in the host's namespaces
    assert aperture["command"][:5] == ["nsenter", "--all", "--target", "1", "--"]
    script = aperture["command"][-1]
    assert "modprobe import-helper" in script and "grep '1ae0:0084'" in script
    assert "mount --bind" in script and "/dev/aperture_devices" in script
    assert pod["hostPID"] and pod["hostNetwork"] and pod["tolerations"] == [{"operator": "Exists"}]
    assert_golden("nccl-tcpxo-installer", daemonset)


def test_nri_device_injector(mega_plan):
    daemonset = daemonsets(mega_plan)["ailz-nri-device-injector"]
    (container,) = daemonset["spec"]["template"]["spec"]["containers"]
    assert "@sha256:" in container["image"]
    assert host_paths(daemonset) == {"/dev", "/var/run/nri"}
    assert container["securityContext"] == {"privileged": True}
    assert_golden("nri-device-injector", daemonset)


# --- A3 High (GPUDirect-TCPX) beside A3 Mega; A4 (gIB) in the docs example -------------------------


def test_a3_high_gets_the_tcpx_installer(mega_plan):
    tcpx = daemonsets(mega_plan)["ailz-nccl-tcpx-installer"]
    (install,) = tcpx["spec"]["template"]["spec"]["initContainers"]  # no aperture devices on TCPX
    assert install["image"] == mirrored_image(load_catalog().fabric_profiles["tcpx"].image, MIRROR)
    assert "cp -r /var/lib/tcpx/lib64/. /host" + NVIDIA_LIB in install["args"][0]
    assert host_paths(tcpx) == {NVIDIA_LIB, "/var/lib"}
    assert_golden("nccl-tcpx-installer", tcpx)


def test_gpudirect_rdma_gets_only_its_own_installer(docs_plan):
    # Google: no TCPX/TCPXO plugin (nor the injector it needs) on clusters that use GPUDirect RDMA
    assert set(daemonsets(docs_plan)) == {"ailz-nccl-gib-installer"}


def test_gib_installer_on_a4(docs_plan):
    gib = daemonsets(docs_plan)["ailz-nccl-gib-installer"]
    validate_manifest(gib)
    assert accelerators(gib) == ["nvidia-b200"]
    (install,) = gib["spec"]["template"]["spec"]["initContainers"]
    assert install["image"] == mirrored_image(load_catalog().fabric_profiles["gib"].image, DOCS_MIRROR)
    assert install["image"].endswith("/gpudirect-gib/nccl-plugin-gib:v1.1.1")
    assert host_paths(gib) == {NVIDIA_LIB, "/home/kubernetes/bin/gib"}
    script = install["args"][0]
    # the vendor's installer no longer takes --install-nccl (container-engine-accelerators 2da1c92)
    assert "/scripts/container_entry.sh install\n" in script
    assert "cp -r /var/lib/gib/lib64/. /host" + NVIDIA_LIB in script
    assert "cp -r /var/lib/gib/. /host/home/kubernetes/bin/gib" in script
    assert_golden("nccl-gib-installer", gib)


# --- agreement with the NCCL job pods (validation/) -----------------------------------------------


def test_installers_write_where_the_nccl_pods_mount():
    """The GPUDirect-TCP(X/O) job template mounts host paths the installers fill."""
    template = (ROOT / "validation" / "templates" / "gpudirect-tcp.yaml.j2").read_text()
    mounted = set(re.findall(r"hostPath: \{path: ([^,}]+)", template))
    installers = plan_.host_facts().installers
    for profile in ("tcpx", "tcpxo"):
        assert set(installers[profile].copies.values()) <= mounted, profile
    assert installers["tcpxo"].aperture_devices.dir in mounted


def test_nccl_pods_run_the_installed_plugin_version():
    """Pods of one workload must use the plugin version on the host (vendor release notes)."""
    catalog = load_catalog()
    for profile in ("tcpx", "tcpxo"):
        # null: the pod runs the profile's image, the one the installer puts on the host
        assert catalog.nccl_pods[profile].image in (None, catalog.fabric_profiles[profile].image)


# --- planners ------------------------------------------------------------------------------------


@pytest.mark.parametrize("profile", ["gib", "tcpx", "tcpxo"])
def test_scripts_are_valid_shell(profile):
    daemonset = plan_.installer_daemonset(profile, "example/image:1", ["nvidia-x"], LABELS)
    for container in daemonset["spec"]["template"]["spec"]["initContainers"]:
        script = (container.get("args") or container["command"])[-1]
        subprocess.run(["sh", "-n", "-c", script], check=True)


GCP_MACHINES = [m for m in load_catalog().for_provider("gcp")]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(GCP_MACHINES), min_size=1))
def test_every_family_gets_exactly_one_installer(machines):
    families = plan_.installer_families(machines)
    installed = [a for accs in families.values() for a in accs]
    assert sorted(installed) == sorted({m.gcp.accelerator_type for m in machines})
    for profile, accs in families.items():
        assert {m.nccl_profile for m in machines if m.gcp.accelerator_type in accs} == {profile}
    injected = plan_.injector_accelerators(families)
    assert injected == sorted({m.gcp.accelerator_type for m in machines if m.fabric in ("tcpx", "tcpxo")})
