"""Rendered NCCL jobs: accepted by the API server schemas, and right for each fabric."""

from __future__ import annotations

import json
import shlex
import subprocess

import pytest

from ailz.catalog import load_catalog
from ailz.components.common import names as naming
from ailz.components.kinds import load_spec
from ailz.validation.job_plan import RenderError, plan_job
from ailz.validation.render import nccl_env, render
from tests.conftest import EXAMPLES
from tests.k8s_schema import validate_manifest


def every_pool():
    """Every GPU pool of every example: each must render a job the API server accepts."""
    cases = []
    for path in sorted(EXAMPLES.glob("*.yaml")):
        zone = load_spec(path).zone
        cases += [(path.stem, t.name, p.name) for t in zone.targets for p in t.gpu_pools]
    return cases


CASES = every_pool()


@pytest.fixture(scope="module")
def specs():
    cache = {}

    def get(name):
        if name not in cache:
            cache[name] = load_spec(EXAMPLES / f"{name}.yaml").zone
        return cache[name]

    return get


def rendered(spec, target, pool, job="mpijob", **kwargs):
    spec = spec.model_copy(deep=True)
    spec.validation.nccl.job = job
    plan = plan_job(spec, target, pool, name="nccl-check", **kwargs)
    return plan, render(plan)


def pod_templates(job):
    if job["kind"] == "MPIJob":
        specs = job["spec"]["mpiReplicaSpecs"]
        return {"launcher": specs["Launcher"]["template"], "worker": specs["Worker"]["template"]}
    return {
        rj["name"].rstrip("s"): rj["template"]["spec"]["template"] for rj in job["spec"]["replicatedJobs"]
    }


def validate_all(objects, k8s_version):
    for obj in objects:
        validate_manifest(obj, k8s_version)
    job = objects[-1]
    for name, template in pod_templates(job).items():
        validate_manifest(
            {"apiVersion": "v1", "kind": "PodTemplate", "metadata": {"name": name}, "template": template},
            k8s_version,
        )
    if job["kind"] == "JobSet":
        for rj in job["spec"]["replicatedJobs"]:
            validate_manifest(
                {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": rj["name"]}, **rj["template"]},
                k8s_version,
            )


@pytest.mark.parametrize("job", ["mpijob", "jobset"])
@pytest.mark.parametrize(("example", "target", "pool"), CASES)
def test_manifests_pass_the_api_schemas(specs, example, target, pool, job):
    spec = specs(example)
    plan, objects = rendered(spec, target, pool, job)
    validate_all(objects, spec.target(target).kubernetes.version)
    kinds = [o["kind"] for o in objects]
    assert kinds == (["ConfigMap", "MPIJob"] if job == "mpijob" else ["ConfigMap", "Secret", "JobSet"])
    assert all(o["metadata"]["namespace"] == naming.VALIDATION_NAMESPACE for o in objects)
    worker = pod_templates(objects[-1])["worker"]["spec"]
    assert worker["nodeSelector"] == {naming.POOL_LABEL: pool}
    assert {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"} in worker["tolerations"]
    shm = next(v for v in worker["volumes"] if v["name"] == "dshm")
    assert shm["emptyDir"]["medium"] == "Memory" and shm["emptyDir"]["sizeLimit"]
    nccl = worker["containers"][0]
    assert nccl["resources"]["limits"]["nvidia.com/gpu"] == str(plan.machine.gpus)
    assert nccl["securityContext"].get("privileged") in (None, False)


def test_mpijob_waits_for_workers(specs):
    _, objects = rendered(specs("aws-p5-training"), "aws-train", "h100")
    job = objects[-1]
    assert job["apiVersion"] == "kubeflow.org/v2beta1"
    assert job["spec"]["launcherCreationPolicy"] == "WaitForWorkersReady"
    assert job["spec"]["slotsPerWorker"] == 8 and job["spec"]["mpiReplicaSpecs"]["Worker"]["replicas"] == 2


def test_launcher_runs_on_the_pool_it_validates(specs):
    from ailz.components.common import names as naming

    _, objects = rendered(specs("aws-p5-training"), "aws-train", "a100-dev")
    launcher = pod_templates(objects[-1])["launcher"]["spec"]
    assert launcher["nodeSelector"] == {naming.POOL_LABEL: "a100-dev"}
    assert {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"} in launcher["tolerations"]


def test_jobs_are_admitted_through_the_validation_queue(specs):
    from ailz.components.common import names as naming

    for job_kind in ("mpijob", "jobset"):
        _, objects = rendered(specs("aws-p5-training"), "aws-train", "h100", job=job_kind)
        job = objects[-1]
        assert job["metadata"]["namespace"] == naming.VALIDATION_NAMESPACE
        assert job["metadata"]["labels"]["kueue.x-k8s.io/queue-name"] == naming.LOCAL_QUEUE


def scripts(objects):
    return objects[0]["data"]["run-rank.sh"], objects[0]["data"]["launch.sh"]


def exported(script):
    return dict(
        line.removeprefix("export ").split("=", 1)
        for line in script.splitlines()
        if line.startswith("export NCCL") and "=" in line
    )


def test_aws_efa_worker(specs):
    plan, objects = rendered(specs("aws-p5-training"), "aws-train", "h100")
    profile = load_catalog().fabric_profiles["efa"]
    worker = pod_templates(objects[-1])["worker"]["spec"]["containers"][0]
    limits = worker["resources"]["limits"]
    assert limits["vpc.amazonaws.com/efa"] == "32"  # p5: 32 EFA interfaces (catalog)
    assert limits["hugepages-2Mi"] == "5120Mi" and limits["memory"]
    assert worker["image"] == profile.image
    rank, launch = scripts(objects)
    env = exported(rank)
    for obsolete in profile.obsolete_env:
        assert obsolete not in rank, f"obsolete {obsolete} exported"
    assert env["NCCL_ALGO"] == "Ring" and env["NCCL_DEBUG"] == "INFO"
    assert "FI_PROVIDER" not in rank and "FI_EFA_USE_DEVICE_RDMA" not in rank
    command = shlex.split(rank.splitlines()[-1])
    assert command[1:] == ["/opt/nccl-tests/build/all_reduce_perf", "-b", "1G", "-e", "16G", "-f", "2",
                           "-g", "1", "-n", "20", "-w", "5", "-c", "1"]  # fmt: skip
    assert "-np 16" in launch and "ppr:8:node" in launch
    small = rendered(specs("aws-p5-training"), "aws-train", "a100-dev", nodes=1)[1]
    assert (
        pod_templates(small[-1])["worker"]["spec"]["containers"][0]["resources"]["limits"][
            "vpc.amazonaws.com/efa"
        ]
        == "4"
    )
    assert "NCCL_ALGO" not in scripts(small)[0]  # one node measures NVLink: let NCCL choose


def interfaces(objects):
    annotations = pod_templates(objects[-1])["worker"]["metadata"]["annotations"]
    assert annotations["networking.gke.io/default-interface"] == "eth0"
    return {i["interfaceName"]: i["network"] for i in json.loads(annotations["networking.gke.io/interfaces"])}


def test_gcp_a3_ultra_gib(specs):
    plan, objects = rendered(specs("gcp-a3-ultra"), "gcp-train", "h200")
    mapping = interfaces(objects)
    rdma = [n for n in naming.gke_extra_networks(plan.machine) if n["device_mode"] == "RDMA"]
    assert mapping == {"eth0": "default", **{n["interface"]: n["name"] for n in rdma}}
    assert mapping["eth2"] == "rdma-0" and mapping["eth9"] == "rdma-7"
    worker = pod_templates(objects[-1])["worker"]["spec"]
    gib = next(v for v in worker["volumes"] if v["name"] == "gib")
    assert gib["hostPath"]["path"] == "/home/kubernetes/bin/gib"
    assert {"name": "gib", "mountPath": "/usr/local/gib"} in worker["containers"][0]["volumeMounts"]
    rank, _ = scripts(objects)
    assert "source /usr/local/gib/scripts/set_nccl_env.sh" in rank
    assert "LD_LIBRARY_PATH=/usr/local/gib/lib64" in rank
    # set_nccl_env.sh is the gIB environment: nothing exported overrides it, and its tuner picks
    # the algorithms even across nodes (no NCCL_ALGO, no NCCL_IB_GID_INDEX of ailz's); NCCL_NET=gIB
    # only makes a missing plugin fail instead of falling back to sockets
    env = exported(rank)
    assert not {"NCCL_ALGO", "NCCL_IB_GID_INDEX"} & set(env) and env["NCCL_NET"] == "gIB"
    assert rank.index("set_nccl_env.sh") < rank.index("all_reduce_perf")


def test_gcp_a3_mega_tcpxo(specs):
    plan, objects = rendered(specs("gcp-a3-mega"), "gcp-ft", "h100-mega")
    assert interfaces(objects) == {"eth0": "default", **{f"eth{i}": f"vpc{i}" for i in range(1, 9)}}
    pod = pod_templates(objects[-1])["worker"]
    containers = {c["name"]: c for c in pod["spec"]["containers"]}
    assert set(containers) == {"nccl", "tcpxo-daemon"}
    assert {"name": "aperture-devices", "mountPath": "/dev/aperture_devices"} in containers["nccl"][
        "volumeMounts"
    ]
    assert "/dev/nvidia7" in pod["metadata"]["annotations"]["devices.gke.io/container.tcpxo-daemon"]
    env = exported(scripts(objects)[0])
    assert env["NCCL_FASTRAK_IFNAME"] == ",".join(f"eth{i}" for i in range(1, 9))
    assert "NCCL_ALGO" not in env  # the TCPXO tuner decides (gpudirect-tcpxo README)
    # no egress: the job and its receive daemon come from the mirror, the daemon with current flags
    mirror = "us-central1-docker.pkg.dev/acme-ai-finetune/mirror/"
    assert containers["nccl"]["image"].startswith(mirror)
    assert containers["tcpxo-daemon"]["image"].startswith(mirror)
    assert "--num_nics" not in " ".join(containers["tcpxo-daemon"]["command"])


def test_gcp_a3_high_tcpx_daemon_gets_the_gpus_from_the_injector(specs):
    _, objects = rendered(specs("gcp-a3-mega"), "gcp-ft", "h100-batch", nodes=2)
    env = exported(scripts(objects)[0])
    # the vendor's nccl-config.yaml settings, Ring pinned for the network figures
    assert env["NCCL_GPUDIRECTTCPX_PROGRAM_FLOW_STEERING_WAIT_MICROS"] == "500000"
    assert env["NCCL_GPUDIRECTTCPX_TX_BINDINGS"].strip("'").startswith("eth1:8-21,112-125")
    assert env["NCCL_ALGO"] == "Ring"
    annotations = pod_templates(objects[-1])["worker"]["metadata"]["annotations"]
    devices = annotations["devices.gke.io/container.tcpx-daemon"]
    assert "/dev/nvidia7" in devices and "/dev/nvidia-uvm" in devices
    assert "dmabuf_import_helper" not in devices


def test_onprem_infiniband(specs):
    spec = specs("onprem-sovereign")
    plan, objects = rendered(spec, "fra-dgx", "dgx", nodes=4)
    pod = pod_templates(objects[-1])["worker"]
    networks = pod["metadata"]["annotations"]["k8s.v1.cni.cncf.io/networks"].split(",")
    assert networks == [
        f"{naming.FABRIC_NAMESPACE}/{n}" for n in naming.onprem_network_names("infiniband", 8)
    ]
    nccl = pod["spec"]["containers"][0]
    assert nccl["resources"]["limits"][naming.onprem_rdma_resource()] == "1"
    assert nccl["securityContext"] == {
        "privileged": False,
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"], "add": ["SETUID", "SETGID", "SYS_CHROOT", "KILL", "IPC_LOCK"]},
    }
    env = exported(scripts(objects)[0])
    # HPC-X's plugin sits in the image's loader path: NCCL's own IB transport is named explicitly
    assert env["NCCL_NET_PLUGIN"] == "none" and env["NCCL_NET"] == "IB"
    assert env["NCCL_IB_HCA"] == "=" + ",".join(
        f"mlx5_{i}" for i in (0, 3, 4, 5, 6, 9, 10, 11)
    )  # compute ports
    assert "NCCL_NET_GDR_LEVEL" not in env  # NCCL's default (PXB); PIX turns GPUDirect off on PXB boards
    assert env["NCCL_SOCKET_IFNAME"] == "eth0" and "NCCL_IB_GID_INDEX" not in env
    assert nccl["image"].startswith("registry.fra1.acme.internal/")  # the in-country mirror


def test_onprem_sriov_requests_one_virtual_function_per_rail(specs):
    spec = specs("onprem-sovereign").model_copy(deep=True)
    spec.targets[0].fabric.device_plugin = "sriov"
    _, objects = rendered(spec, "fra-dgx", "dgx")
    limits = pod_templates(objects[-1])["worker"]["spec"]["containers"][0]["resources"]["limits"]
    assert all(limits[naming.onprem_rail_resource(i)] == "1" for i in range(8))
    assert naming.onprem_rdma_resource("shared") not in limits
    # the pod's VFs have other names than the host's HCAs, and the shared RDMA subsystem may show
    # it other devices too: NCCL takes exactly the devices behind its rail interfaces net1..net8
    rank = scripts(objects)[0]
    assert "NCCL_IB_HCA" not in exported(rank)
    assert "for i in $(seq 1 8); do ls /sys/class/net/net$i/device/infiniband" in rank
    assert rank.index("export NCCL_IB_HCA") < rank.index("exec ")
    # a rail interface missing in the pod stops the rank instead of running on fewer rails
    assert '-eq 8 ] || { echo "expected 8 RDMA devices' in rank
    import subprocess

    subprocess.run(["bash", "-n", "-c", rank], check=True)


def test_onprem_roce_without_gid_index_lets_nccl_pick_a_gid_on_the_rails(specs):
    # with the shared device plugin the HCA's GID table also holds the host's and other pods'
    # addresses: no fixed index, NCCL (2.21+) selects an IPv4 GID inside the rails' range
    spec = specs("onprem-sovereign").model_copy(deep=True)
    spec.targets[0].fabric.kind = "roce"
    spec.targets[0].fabric.gid_index = None
    _, objects = rendered(spec, "fra-dgx", "dgx")
    env = exported(scripts(objects)[0])
    assert "NCCL_IB_GID_INDEX" not in env
    assert env["NCCL_IB_ADDR_FAMILY"] == "AF_INET"
    assert env["NCCL_IB_ADDR_RANGE"] == str(spec.targets[0].fabric.ip_pool)


def test_onprem_roce_traffic_class_reaches_nccl(specs):
    spec = specs("onprem-sovereign").model_copy(deep=True)
    spec.targets[0].fabric.kind = "roce"
    spec.targets[0].fabric.traffic_class = 106
    _, objects = rendered(spec, "fra-dgx", "dgx")
    assert exported(scripts(objects)[0])["NCCL_IB_TC"] == "106"
    spec.targets[0].fabric.traffic_class = None
    _, objects = rendered(spec, "fra-dgx", "dgx")
    assert "NCCL_IB_TC" not in exported(scripts(objects)[0])  # NCCL's default class 0


def test_onprem_roce_gid_index(specs):
    spec = specs("onprem-sovereign").model_copy(deep=True)
    spec.targets[0].fabric.kind = "roce"
    spec.targets[0].fabric.gid_index = 5
    plan, objects = rendered(spec, "fra-dgx", "dgx")
    assert exported(scripts(objects)[0])["NCCL_IB_GID_INDEX"] == "5"
    assert (
        "roce-rail0"
        in pod_templates(objects[-1])["worker"]["metadata"]["annotations"]["k8s.v1.cni.cncf.io/networks"]
    )


def test_pinned_pair(specs):
    _, objects = rendered(specs("aws-p5-training"), "aws-train", "h100", pin_nodes=["ip-a", "ip-b"])
    affinity = pod_templates(objects[-1])["worker"]["spec"]["affinity"]
    terms = affinity["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    assert terms[0]["matchExpressions"][0]["values"] == ["ip-a", "ip-b"]


def test_jobset_launch_reaches_every_worker(specs):
    _, objects = rendered(specs("aws-p5-training"), "aws-train", "h100", job="jobset", nodes=3)
    _, launch = scripts(objects)
    for i in range(3):
        assert f"nccl-check-workers-0-{i}.nccl-check" in launch
    secret = objects[1]["stringData"]
    assert secret["authorized_keys"].startswith("ssh-ed25519 ")
    assert "BEGIN OPENSSH PRIVATE KEY" in secret["id_ed25519"]
    assert objects[-1]["spec"]["successPolicy"] == {"operator": "All", "targetReplicatedJobs": ["launcher"]}


def test_obsolete_env_is_refused(specs):
    plan = plan_job(specs("aws-p5-training"), "aws-train", "h100", name="x")
    bad = plan.profile.model_copy(
        update={"nccl_env": {**plan.profile.nccl_env, "FI_EFA_USE_DEVICE_RDMA": "1"}}
    )
    plan.profile = bad
    with pytest.raises(RenderError, match="obsolete"):
        nccl_env(plan)


def test_unknown_pool_names_the_choices(specs):
    with pytest.raises(RenderError, match="pools: h100, a100-dev"):
        plan_job(specs("aws-p5-training"), "aws-train", "nope")


EXAMPLE_OF = {"aws": ("aws-p5-training", "aws-train"), "gcp": ("gcp-a3-ultra", "gcp-train"),
              "onprem": ("onprem-sovereign", "fra-dgx")}  # fmt: skip


@pytest.mark.parametrize("machine", sorted(load_catalog().machines))
def test_every_catalog_machine_renders(specs, machine):
    """Machines no example uses yet (A3 High/TCPX, p5en, p6-b200, A4, ...) still render valid jobs."""
    facts = load_catalog().machine(machine)
    example, target = EXAMPLE_OF[facts.provider]
    spec = specs(example).model_copy(deep=True)
    pool = spec.target(target).gpu_pools[0]
    pool.machine = machine
    for job in ("mpijob", "jobset"):
        plan, objects = rendered(spec, target, pool.name, job)
        validate_all(objects, spec.target(target).kubernetes.version)
        for script in scripts(objects):
            subprocess.run(["bash", "-n"], input=script, text=True, check=True)  # parses as bash
        worker = pod_templates(objects[-1])["worker"]
        limits = worker["spec"]["containers"][0]["resources"]["limits"]
        for resource, count in facts.kubernetes_resources.items():
            assert limits[resource] == str(count)
        if facts.gcp:
            networks = json.loads(worker["metadata"]["annotations"]["networking.gke.io/interfaces"])
            assert len(networks) == 1 + (facts.gcp.rdma_nics or facts.gcp.extra_gvnic_networks)


@pytest.mark.parametrize("job", ["mpijob", "jobset"])
@pytest.mark.parametrize(("example", "target", "pool"), CASES)
def test_every_job_is_hardened(specs, example, target, pool, job):
    plan, objects = rendered(specs(example), target, pool, job=job)
    pods = pod_templates(objects[-1])
    for role, pod in pods.items():
        spec = pod["spec"]
        assert spec["automountServiceAccountToken"] is False, role
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, role
        for container in spec["containers"]:
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False, (role, container["name"])
            assert not context.get("privileged"), (role, container["name"])
            assert "NET_RAW" not in context.get("capabilities", {}).get("add", []), (role, container["name"])
    launcher = pods["launcher"]["spec"]["containers"][0]["securityContext"]
    assert launcher["capabilities"] == {"drop": ["ALL"]}
    worker = pods["worker"]["spec"]["containers"][0]
    assert worker["securityContext"]["capabilities"]["drop"] == ["ALL"]
    added = worker["securityContext"]["capabilities"]["add"]
    assert added[:4] == ["SETUID", "SETGID", "SYS_CHROOT", "KILL"]  # root sshd's privilege separation
    assert ("IPC_LOCK" in added) == (plan.profile.fabric not in ("tcpx", "tcpxo"))
    assert worker["readinessProbe"]["tcpSocket"]["port"] == 2222
    assert "-p 2222" in worker["command"][-1] and "UsePAM=no" in worker["command"][-1]
    _, launch = scripts(objects)
    assert "-p 2222 -o StrictHostKeyChecking=no" in launch
    assert 'getent hosts "$host"' in launch  # the launcher waits for each worker's DNS record
    assert ("--hostfile /etc/mpi/hostfile" in launch) == (job == "mpijob")
    assert "--mca orte_keep_fqdn_hostnames 1" in launch  # else Open MPI cuts worker names to bare pod names
    launcher_env = {e["name"]: e["value"] for e in pods["launcher"]["spec"]["containers"][0]["env"]}
    # the MPI operator blanks the launcher's GPUs itself; the JobSet launcher has no operator
    assert launcher_env.get("NVIDIA_VISIBLE_DEVICES") == ("" if job == "jobset" else None)
    assert f"deadline=$((SECONDS + {plan.settings.schedule_timeout_minutes * 60}))" in launch


def test_launcher_sits_beside_its_own_workers(specs):
    _, objects = rendered(specs("aws-p5-training"), "aws-train", "h100", pin_nodes=["ip-a", "ip-b"])
    pods = pod_templates(objects[-1])
    term = pods["launcher"]["spec"]["affinity"]["podAffinity"][
        "requiredDuringSchedulingIgnoredDuringExecution"
    ][0]
    assert term["labelSelector"]["matchLabels"] == {
        "ailz.io/validation-run": "nccl-check",
        "ailz.io/role": "worker",
    }
    assert term["topologyKey"] == "kubernetes.io/hostname"


def test_re_tests_of_repaired_nodes_tolerate_ailz_taint_and_nothing_else_does(specs):
    def tolerated(**kwargs):
        _, objects = rendered(specs("aws-p5-training"), "aws-train", "h100", **kwargs)
        return {t["key"] for pod in pod_templates(objects[-1]).values() for t in pod["spec"]["tolerations"]}

    assert tolerated() == {"nvidia.com/gpu"}
    assert tolerated(tolerate_bad_nodes=True) == {"nvidia.com/gpu", "ailz.io/nccl-bad"}
