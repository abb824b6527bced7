"""Manifests for the host side of GPUDirect on GKE: NCCL plugin installers and the NRI injector. Pure.

Which installer a node gets follows its machine's NCCL fabric profile (gIB on A3 Ultra / A4,
GPUDirect-TCPX on A3 High, GPUDirect-TCPXO on A3 Mega); the facts (staging directory, host
directories, aperture devices, images) come from catalog/gcp.yaml `gpudirect_host`
(`load_catalog().gpudirect_host`).
"""

from __future__ import annotations

from typing import Any

from ailz.catalog import load_catalog
from ailz.catalog.models import ApertureDevices, GpudirectHost, Machine
from ailz.components.common.images import mirrored_image

NAMESPACE = "kube-system"
ACCELERATOR_LABEL = "cloud.google.com/gke-accelerator"
NRI_INJECTOR = "ailz-nri-device-injector"


def host_facts() -> GpudirectHost:
    return load_catalog().gpudirect_host


def installer_name(profile: str) -> str:
    return f"ailz-nccl-{profile}-installer"


def installer_families(machines: list[Machine]) -> dict[str, list[str]]:
    """Fabric profile -> GKE accelerator types of the target's machines that need its installer."""
    installers = host_facts().installers
    out: dict[str, set[str]] = {}
    for machine in machines:
        if machine.gcp is not None and machine.nccl_profile in installers:
            out.setdefault(machine.nccl_profile, set()).add(machine.gcp.accelerator_type)
    return {profile: sorted(out[profile]) for profile in sorted(out)}


def injector_accelerators(families: dict[str, list[str]]) -> list[str]:
    """Accelerator types whose GPUDirect daemons get their devices from the NRI device injector."""
    installers = host_facts().installers
    return sorted(
        {a for profile, accs in families.items() if installers[profile].nri_device_injector for a in accs}
    )


def _on_accelerators(accelerators: list[str]) -> dict[str, Any]:
    term = {"matchExpressions": [{"key": ACCELERATOR_LABEL, "operator": "In", "values": accelerators}]}
    return {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [term]}}}


def _daemonset(name: str, labels: dict[str, str], pod: dict[str, Any]) -> dict[str, Any]:
    """A node agent in kube-system: every tainted GPU node, host network and PID namespace."""
    selector = {"k8s-app": name}
    return {
        "metadata": {"name": name, "namespace": NAMESPACE, "labels": {**labels, **selector}},
        "spec": {
            "selector": {"matchLabels": selector},
            "updateStrategy": {"type": "RollingUpdate"},
            "template": {
                "metadata": {"labels": {**labels, **selector}},
                "spec": {
                    "priorityClassName": "system-node-critical",
                    "tolerations": [{"operator": "Exists"}],
                    "hostNetwork": True,
                    "hostPID": True,
                    **pod,
                },
            },
        },
    }


def _volume_name(host_path: str) -> str:
    return "host" + host_path.replace("/", "-").replace(".", "").rstrip("-")


def aperture_script(aperture: ApertureDevices) -> str:
    """Runs in the host's namespaces: FasTrak's kernel helper, host firewall, aperture devices."""
    directory, pci_id = aperture.dir, aperture.pci_id
    return (
        "set -e\n"
        "iptables -I INPUT -p tcp -m tcp -j ACCEPT\n"
        f"modprobe {aperture.kernel_module}\n"
        f"mkdir -p {directory}\n"
        f"lspci -nn -D | grep '{pci_id}' | while read -r bdf _; do\n"
        f'  mkdir -p "{directory}/$bdf"\n'
        f'  umount -R "{directory}/$bdf" 2>/dev/null || true\n'
        f'  mount --bind "$(readlink -f /sys/bus/pci/devices/$bdf)" "{directory}/$bdf"\n'
        "done\n"
        f"chmod -R a+r {directory}\n"
        f"chmod a+rw {directory}/*/resource* 2>/dev/null || true\n"
    )


def installer_daemonset(
    profile: str, image: str, accelerators: list[str], labels: dict[str, str], mirror: str | None = None
) -> dict[str, Any]:
    """The NCCL plugin installer of one fabric profile: init containers install, pause keeps the pod
    so a new image rolls out node by node. With a mirror, every image comes from it (the aperture
    helper is a Docker Hub image, which a node without internet egress cannot reach)."""
    facts = host_facts()
    installer = facts.installers[profile]
    staging = installer.staging_dir
    host_paths = sorted(set(installer.copies.values()))
    mounts = [{"name": _volume_name(p), "mountPath": "/host" + p} for p in host_paths]
    volumes = [
        {"name": _volume_name(p), "hostPath": {"path": p, "type": "DirectoryOrCreate"}} for p in host_paths
    ]
    if installer.stage_on_host:  # the plugin stages into the host's /var/lib, as the vendor does
        volumes.append({"name": "host-var-lib", "hostPath": {"path": "/var/lib", "type": "Directory"}})
        mounts.append({"name": "host-var-lib", "mountPath": "/var/lib"})
    script = "set -ex\nchmod 755 /scripts/container_entry.sh\n"
    script += f"/scripts/container_entry.sh {' '.join(installer.install_args)}\n"
    for source, target in sorted(installer.copies.items()):
        script += f"cp -r {staging}/{source}/. /host{target}\n".replace("/./.", "/.")
    init = []
    aperture = installer.aperture_devices
    if aperture:
        init.append(
            {
                "name": "aperture-devices",
                "image": mirrored_image(aperture.helper_image, mirror),
                "command": ["nsenter", "--all", "--target", "1", "--", "sh", "-c", aperture_script(aperture)],
                "securityContext": {"privileged": True},
                "resources": {"requests": {"cpu": "10m"}},
            }
        )
    init.append(
        {
            "name": "install",
            "image": mirrored_image(image, mirror),
            "command": ["/bin/sh", "-c"],
            "args": [script],
            "securityContext": {"privileged": True},
            "resources": {"requests": {"cpu": "150m"}},
            "volumeMounts": mounts,
        }
    )
    pod = {
        "affinity": _on_accelerators(accelerators),
        "volumes": volumes,
        "initContainers": init,
        "containers": [
            {
                "name": "pause",
                "image": mirrored_image(facts.pause_image, mirror),
                "resources": {"requests": {"cpu": "1m", "memory": "8Mi"}},
            }
        ],
    }
    return _daemonset(installer_name(profile), labels, pod)


def nri_injector_daemonset(
    accelerators: list[str], labels: dict[str, str], mirror: str | None = None
) -> dict[str, Any]:
    """GKE's NRI device injector: containerd asks it, for each new container, which host devices the
    pod's devices.gke.io/container.<name> annotation lists (GPUs for the unprivileged tcpx(o)-daemon)."""
    facts = host_facts().nri_device_injector
    pod = {
        "affinity": _on_accelerators(accelerators),
        "volumes": [
            {"name": "dev", "hostPath": {"path": "/dev", "type": "Directory"}},
            {"name": "nri", "hostPath": {"path": facts.socket_dir, "type": "DirectoryOrCreate"}},
        ],
        "containers": [
            {
                "name": "device-injector",
                "image": mirrored_image(facts.image, mirror),
                "securityContext": {"privileged": True},
                "resources": {"requests": {"cpu": "150m"}},
                "volumeMounts": [
                    {"name": "dev", "mountPath": "/dev"},
                    {"name": "nri", "mountPath": facts.socket_dir},
                ],
            }
        ],
    }
    return _daemonset(NRI_INJECTOR, labels, pod)


def pod_allowances(profiles: list[str]) -> tuple[tuple[str, ...], dict[str, tuple[str, ...]]]:
    """Host paths and daemon capabilities the NCCL pods of these fabric profiles need."""
    facts = host_facts().pod_allowances.profiles
    paths: set[str] = set()
    capabilities: dict[str, tuple[str, ...]] = {}
    for profile in profiles:
        entry = facts.get(profile)
        if entry is None:
            continue
        paths |= set(entry.host_paths)
        for container, caps in entry.daemon_capabilities.items():
            capabilities[container] = tuple(sorted(caps))
    return tuple(sorted(paths)), capabilities
