"""Renders the NCCL test job for a pool's fabric: MPIJob (default) or JobSet, plus its script ConfigMap.

It renders a JobPlan (job_plan.py); names the infrastructure creates come from components.common.names.
"""

from __future__ import annotations

import json
import shlex
from functools import cache
from typing import Any

import jinja2
import yaml

from ailz.components.common import names as naming
from ailz.components.common.fabric_env import roce_env, sriov_hca_check, sriov_hca_command
from ailz.validation.job_plan import BAD_NODE_TAINT, RUN_LABEL, JobPlan, RenderError

SCRIPT_DIR = "/ailz"
SSH_DIR = "/etc/ailz-ssh"
# unprivileged: root sshd needs no NET_BIND_SERVICE (mpi-operator's non-root examples use 2222 too)
SSH_PORT = 2222
SSH_CONFIG = "\n".join(
    [
        "Host *",
        f"  Port {SSH_PORT}",
        "  StrictHostKeyChecking no",
        "  UserKnownHostsFile /dev/null",
        "  LogLevel ERROR",
        "",
    ]
)
# root sshd's privilege separation: setgroups/setgid/setuid to its privsep user, chroot to its empty
# directory, and the monitor kills its unprivileged child (OpenSSH sshd.c); pty logins (never used
# here) would add AUDIT_WRITE and CHOWN
SSHD_CAPABILITIES = ("SETUID", "SETGID", "SYS_CHROOT", "KILL")
SSHD = f"/usr/sbin/sshd -De -p {SSH_PORT} -o StrictModes=no -o UsePAM=no"


@cache
def _templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("ailz.validation", "templates"),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def nccl_env(plan: JobPlan) -> dict[str, str]:
    """The catalog profile's env plus what validation needs; obsolete variables never appear."""
    env = dict(plan.profile.nccl_env)
    env["NCCL_DEBUG"] = "INFO"  # channel lines prove GPUDirect RDMA ("via NET/.../GDRDMA")
    env["NCCL_DEBUG_SUBSYS"] = "INIT,NET,ENV"
    if plan.nodes > 1 and not plan.profile.tuner_decides:
        env["NCCL_ALGO"] = "Ring"  # the catalog's two-node figures are Ring: bounded by the network
    fabric = plan.target.site_fabric
    if fabric is not None:
        if fabric.hcas and fabric.device_plugin == "shared":
            # the pod sees the host's HCAs by name; an SR-IOV pod sees only its VFs (other names)
            env["NCCL_IB_HCA"] = "=" + ",".join(fabric.hcas)
        env["NCCL_SOCKET_IFNAME"] = "eth0"
        env.pop("NCCL_IB_GID_INDEX", None)
        env.update(roce_env(fabric))  # a pinned GID only when the spec says so
    obsolete = sorted(set(env) & set(plan.profile.obsolete_env))
    if obsolete:
        raise RenderError(f"catalog profile {plan.profile.name} sets obsolete variables {obsolete}")
    return dict(sorted(env.items()))


def test_command(plan: JobPlan) -> list[str]:
    s = plan.settings
    binary = f"{plan.pod['nccl_tests_dir']}/{plan.collective}_perf"
    return [
        binary, "-b", s.min_bytes, "-e", s.max_bytes, "-f", str(s.step_factor), "-g", "1",
        "-n", str(s.iterations), "-w", str(s.warmup_iterations), "-c", "1",
    ]  # fmt: skip


def sriov_hca_lines(plan: JobPlan) -> list[str]:
    """SR-IOV: NCCL takes exactly the RDMA devices behind the pod's rail interfaces (fabric_env)."""
    fabric = plan.target.site_fabric
    if fabric is None or fabric.device_plugin != "sriov":
        return []
    return [
        f"NCCL_IB_HCA=$({sriov_hca_command(len(fabric.hcas))})",
        sriov_hca_check(len(fabric.hcas)),
        "export NCCL_IB_HCA",
    ]


def rank_script(plan: JobPlan) -> str:
    """Runs in every rank (started over ssh, so the container env is not inherited)."""
    lines = ["#!/bin/bash", "set -e", *plan.pod.get("setup", [])]
    lines += [f"export {key}={shlex.quote(value)}" for key, value in nccl_env(plan).items()]
    lines += sriov_hca_lines(plan)
    lines.append("exec " + shlex.join(test_command(plan)))
    return "\n".join(lines) + "\n"


def worker_hosts(plan: JobPlan) -> list[str]:
    """JobSet pod DNS names: <jobset>-<replicatedJob>-<job index>-<pod index>.<subdomain>."""
    return [f"{plan.name}-workers-0-{i}.{plan.name}" for i in range(plan.nodes)]


def launch_script(plan: JobPlan) -> str:
    mpirun = [
        "--allow-run-as-root", "-np", str(plan.ranks),
        "--map-by", f"ppr:{plan.machine.gpus}:node", "--bind-to", "none",
        "--mca", "plm_rsh_no_tree_spawn", "1", "--mca", "pml", "ob1", "--mca", "btl", "tcp,self",
        # Open MPI cuts hostfile names to their first label without this: pod names alone do not resolve
        "--mca", "orte_keep_fqdn_hostnames", "1",
        # HPC-X's hcoll is for MPI collectives this run never makes; keep it out of the way
        "--mca", "coll", "^hcoll",
        "--mca", "btl_tcp_if_include", "eth0",
        "--mca", "plm_rsh_args", f"-p {SSH_PORT} -o StrictHostKeyChecking=no -o ConnectionAttempts=10",
    ]  # fmt: skip
    lines = ["#!/bin/bash", "set -euo pipefail"]
    if plan.job_kind == "jobset":
        lines += [
            f"mkdir -p /root/.ssh && cp {SSH_DIR}/id_ed25519 {SSH_DIR}/config /root/.ssh/",
            "chmod 600 /root/.ssh/id_ed25519",
            ": > /tmp/hostfile",
            f"for host in {' '.join(worker_hosts(plan))}; do",
            f'  echo "$host slots={plan.machine.gpus}" >> /tmp/hostfile',
            "done",
        ]
        hostfile = "/tmp/hostfile"
        mpirun += ["--hostfile", hostfile]
    else:
        hostfile = "/etc/mpi/hostfile"  # written by the MPI operator: <job>-worker-<i>.<job>.<ns>.svc slots=N
        mpirun += ["--hostfile", hostfile]
    # workers are Ready once sshd listens (readiness probe), but their DNS records can lag behind
    # as long as a test may wait to be scheduled: under Kueue the MPI operator creates the launcher
    # with the workers (WaitForWorkersReady has nothing to wait for while the job is suspended)
    wait_seconds = plan.settings.schedule_timeout_minutes * 60
    lines += [
        f"deadline=$((SECONDS + {wait_seconds}))",
        f"for host in $(awk '{{print $1}}' {hostfile}); do",
        '  until getent hosts "$host" >/dev/null; do',
        '    if [ "$SECONDS" -ge "$deadline" ]; then',
        '      echo "ailz-launcher: worker $host has no DNS record" >&2; exit 1',
        "    fi",
        "    sleep 2",
        "  done",
        f"  until ssh -p {SSH_PORT} -o BatchMode=yes -o ConnectTimeout=5 -o StrictHostKeyChecking=no "
        '"$host" true 2>/dev/null; do',
        '    if [ "$SECONDS" -ge "$deadline" ]; then',
        '      echo "ailz-launcher: no sshd on worker $host" >&2; exit 1',
        "    fi",
        "    sleep 2",
        "  done",
        "done",
    ]
    # --prefix: non-interactive ssh shells on the workers have no MPI on PATH for orted/prted
    lines.append(f'MPIRUN="$(command -v {shlex.quote(plan.pod["mpirun"])})"')
    lines.append(
        'exec "$MPIRUN" --prefix "$(dirname "$(dirname "$MPIRUN")")" '
        + shlex.join([*mpirun, "bash", f"{SCRIPT_DIR}/run-rank.sh"])
    )
    return "\n".join(lines) + "\n"


def _resources(plan: JobPlan) -> dict[str, dict[str, str]]:
    amounts: dict[str, str] = {k: str(v) for k, v in plan.machine.kubernetes_resources.items()}
    fabric = plan.target.site_fabric
    if fabric is not None:
        for resource, count in naming.onprem_rdma_request(fabric.device_plugin, len(fabric.hcas)).items():
            amounts[resource] = str(count)
    if plan.pod.get("hugepages_2mi"):
        amounts["hugepages-2Mi"] = plan.pod["hugepages_2mi"]
    amounts["memory"] = plan.pod["memory"]
    return {"requests": {**amounts, "cpu": plan.pod["cpu"]}, "limits": amounts}


def _annotations(plan: JobPlan) -> dict[str, str]:
    fabric = plan.target.site_fabric
    if plan.machine.gcp is not None:  # GKE multi-networking: the pod's extra interfaces
        networks = naming.gke_extra_networks(plan.machine)
        if plan.profile.fabric == "gpudirect-rdma-roce":
            networks = [n for n in networks if n["device_mode"] == "RDMA"]  # as the vendor examples
        interfaces = [{"interfaceName": "eth0", "network": "default"}]
        interfaces += [{"interfaceName": n["interface"], "network": n["name"]} for n in networks]
        annotations = {
            "networking.gke.io/default-interface": "eth0",
            "networking.gke.io/interfaces": json.dumps(interfaces),
        }
        sidecar = plan.pod.get("sidecar") or {}
        if sidecar.get("device_injection"):  # the NRI device injector gives the daemon the GPUs
            devices = [f"/dev/nvidia{i}" for i in range(plan.machine.gpus)]
            devices += ["/dev/nvidiactl", "/dev/nvidia-uvm"]
            if sidecar.get("aperture_devices"):
                devices.append("/dev/dmabuf_import_helper")
            annotations[f"devices.gke.io/container.{sidecar['name']}"] = "".join(
                f"- path: {d}\n" for d in devices
            )
        return annotations
    if fabric is not None:
        names = naming.onprem_network_names(fabric.kind, len(fabric.hcas))
        return {"k8s.v1.cni.cncf.io/networks": ",".join(f"{naming.FABRIC_NAMESPACE}/{n}" for n in names)}
    return {}


def _affinity(plan: JobPlan) -> dict[str, Any]:
    affinity: dict[str, Any] = {
        "podAntiAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": [
                {
                    "labelSelector": {"matchLabels": {RUN_LABEL: plan.name, "ailz.io/role": "worker"}},
                    "topologyKey": "kubernetes.io/hostname",
                }
            ]
        }
    }
    if plan.pin_nodes:
        term = {
            "matchExpressions": [
                {"key": "kubernetes.io/hostname", "operator": "In", "values": plan.pin_nodes}
            ]
        }
        affinity["nodeAffinity"] = {
            "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [term]}
        }
    return affinity


def worker_pod(plan: JobPlan) -> dict[str, Any]:
    """The worker PodTemplateSpec from the fabric's template."""
    if plan.job_kind == "jobset":
        command = (
            f"mkdir -p /root/.ssh /run/sshd && cp {SSH_DIR}/authorized_keys /root/.ssh/ && "
            f"chmod 600 /root/.ssh/authorized_keys && ssh-keygen -A >/dev/null && exec {SSHD}"
        )
    else:  # the MPI operator mounts its own keys at /root/.ssh
        command = f"mkdir -p /run/sshd && ssh-keygen -A >/dev/null && exec {SSHD}"
    context = {
        "plan": plan,
        "labels": {**plan.labels, "ailz.io/role": "worker"},
        "annotations": _annotations(plan),
        "resources": _resources(plan),
        "node_selector": {naming.POOL_LABEL: plan.pool.name},
        "affinity": _affinity(plan),
        "command": command,
        "fabric": plan.pod,
        "script_config_map": f"{plan.name}-scripts",
        "ssh_secret": f"{plan.name}-ssh" if plan.job_kind == "jobset" else None,
        "script_dir": SCRIPT_DIR,
        "ssh_dir": SSH_DIR,
        "ssh_port": SSH_PORT,
        "gpus": plan.machine.gpus,
        "tolerations": tolerations(plan),
        "capabilities": [*SSHD_CAPABILITIES, *plan.pod.get("capabilities", [])],
    }
    text = _templates().get_template(plan.pod["template"]).render(**context)
    return yaml.safe_load(text)


def tolerations(plan: JobPlan) -> list[dict[str, str]]:
    """The pool's GPU taint; ailz's own bad-node taint only on re-tests of repaired nodes."""
    result = [{"key": naming.GPU_TAINT_KEY, "operator": "Exists", "effect": "NoSchedule"}]
    if plan.tolerate_bad_nodes:
        result.append({"key": BAD_NODE_TAINT, "operator": "Exists", "effect": "NoSchedule"})
    return result


def launcher_pod(plan: JobPlan) -> dict[str, Any]:
    # beside one of its own workers: never on a node another test of the round needs
    beside_workers = {
        "podAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": [
                {
                    "labelSelector": {"matchLabels": {RUN_LABEL: plan.name, "ailz.io/role": "worker"}},
                    "topologyKey": "kubernetes.io/hostname",
                }
            ]
        }
    }
    text = (
        _templates()
        .get_template("launcher.yaml.j2")
        .render(
            plan=plan,
            affinity=beside_workers,
            tolerations=tolerations(plan),
            labels={**plan.labels, "ailz.io/role": "launcher"},
            node_selector={naming.POOL_LABEL: plan.pool.name},
            script_config_map=f"{plan.name}-scripts",
            ssh_secret=f"{plan.name}-ssh" if plan.job_kind == "jobset" else None,
            script_dir=SCRIPT_DIR,
            ssh_dir=SSH_DIR,
        )
    )
    return yaml.safe_load(text)


def _ssh_secret(plan: JobPlan) -> dict[str, Any]:
    """A fresh key pair per run (JobSet has no operator to make one)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()
    ).decode()
    public = key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": f"{plan.name}-ssh",
            "namespace": naming.VALIDATION_NAMESPACE,
            "labels": plan.labels,
        },
        "type": "Opaque",
        "stringData": {
            "id_ed25519": private,
            "authorized_keys": public.decode() + "\n",
            "config": SSH_CONFIG,
        },
    }


KUEUE_QUEUE_LABEL = "kueue.x-k8s.io/queue-name"


def render(plan: JobPlan, ssh_secret: bool = True) -> list[dict[str, Any]]:
    """All objects of one run, in creation order (the job last). ssh_secret False leaves out the
    JobSet's per-run key pair, so the output is the same bytes for the same inputs."""
    config_map = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": f"{plan.name}-scripts",
            "namespace": naming.VALIDATION_NAMESPACE,
            "labels": plan.labels,
        },
        "data": {"run-rank.sh": rank_script(plan), "launch.sh": launch_script(plan)},
    }
    objects = [config_map]
    if plan.job_kind == "jobset" and ssh_secret:
        objects.append(_ssh_secret(plan))
    template = "jobset.yaml.j2" if plan.job_kind == "jobset" else "mpijob.yaml.j2"
    text = (
        _templates()
        .get_template(template)
        .render(
            plan=plan,
            namespace=naming.VALIDATION_NAMESPACE,
            # Kueue admits the whole gang at once from the validation namespace's queue
            labels={**plan.labels, KUEUE_QUEUE_LABEL: naming.LOCAL_QUEUE},
            worker=json.dumps(worker_pod(plan)),
            launcher=json.dumps(launcher_pod(plan)),
            deadline_seconds=plan.settings.timeout_minutes * 60,
        )
    )
    objects.append(yaml.safe_load(text))
    return objects
