"""Targets synthesized in worker processes: the same plan bytes as one process, failures in the
target's words, and `ailz diff` planning both sides together."""

from __future__ import annotations

import pytest
import yaml

from ailz.components.kinds import load_spec, load_text
from ailz.stacks.synth import SynthesisError, synthesize, synthesize_all
from ailz.stacks.workers import plan_workers
from tests.conftest import EXAMPLES


def plans(monkeypatch, workers: str, *specs):
    monkeypatch.setenv("AILZ_PLAN_WORKERS", workers)
    heard: list[str] = []
    made = synthesize_all([(s, None) for s in specs], on_progress=heard.append)
    return made, heard


def test_worker_processes_make_the_same_bytes_as_one_process(monkeypatch):
    hybrid = load_spec(EXAMPLES / "hybrid-sovereign.yaml")
    onprem = load_spec(EXAMPLES / "onprem-sovereign.yaml")
    serial, said_serial = plans(monkeypatch, "1", hybrid, onprem)
    parallel, said_parallel = plans(monkeypatch, "2", hybrid, onprem)
    assert [p.to_json() for p in parallel] == [p.to_json() for p in serial]
    assert [t.name for t in parallel[0].targets] == ["aws-train", "gcp-train", "fra-dgx"]
    # progress per target: one process names each stack, workers each finished target
    assert said_serial[:2] == [
        "synthesizing aws-train (1/4): infrastructure stack",
        "synthesizing aws-train (1/4): platform stack",
    ]
    assert said_parallel[0] == "synthesizing 4 targets in 2 processes"
    finished = sorted(line.split(" (")[0] for line in said_parallel[1:])
    assert finished == sorted(f"synthesized {n}" for n in ("aws-train", "gcp-train", "fra-dgx", "fra-dgx"))


def test_a_failing_target_in_a_worker_fails_the_plan_in_its_own_words(monkeypatch):
    data = yaml.safe_load((EXAMPLES / "hybrid-sovereign.yaml").read_text())
    aws = next(t for t in data["targets"] if t["kind"] == "aws")
    aws["zone"] = "eu-central-1c"
    import ailz.catalog as catalog_module

    real = catalog_module.load_catalog()
    machine = aws["gpu_pools"][0]["machine"]
    narrowed = real.machines[machine].model_copy(update={"zones": ["eu-central-1a"]})
    patched = real.model_copy(update={"machines": {**real.machines, machine: narrowed}})
    monkeypatch.setattr(catalog_module, "load_catalog", lambda: patched)
    loaded = load_text(yaml.safe_dump(data), "spec.yaml", check=False)
    monkeypatch.setenv("AILZ_PLAN_WORKERS", "2")
    with pytest.raises(
        SynthesisError, match=rf"target 'aws-train' \(infra\) failed: {machine} is not offered"
    ):
        synthesize(loaded)


@pytest.mark.parametrize(
    ("setting", "jobs", "expected"),
    [("", 1, 1), ("1", 8, 1), ("2", 8, 2), ("64", 3, 3), ("zero", 1, 1), ("0", 1, 1)],
)
def test_workers_are_bounded_by_the_jobs_and_the_setting(monkeypatch, setting, jobs, expected):
    monkeypatch.setenv("AILZ_PLAN_WORKERS", setting)
    assert plan_workers(jobs) == expected


def test_default_workers_are_the_usable_cores_the_quota_and_the_memory_allow(monkeypatch):
    import os

    from ailz.stacks import workers

    monkeypatch.delenv("AILZ_PLAN_WORKERS", raising=False)
    cores = len(os.sched_getaffinity(0))
    assert plan_workers(1000) == min(cores, workers._cgroup_cores(), workers._memory_workers())
    monkeypatch.setattr(workers, "_memory_workers", lambda: 1)  # a small runner: one process
    assert plan_workers(1000) == 1
    monkeypatch.setattr(workers, "_memory_workers", lambda: 64)
    monkeypatch.setattr(workers, "_cgroup_cores", lambda: 1)  # a container with one CPU's quota
    assert plan_workers(1000) == 1


def test_a_worker_that_dies_fails_the_plan_instead_of_hanging_it(monkeypatch):
    import os

    from ailz.stacks import synth

    real = synth._target_stacks

    def dies_on_the_second_target(job, say=lambda stack: None):
        if job[1] == 1:
            os._exit(9)  # as the kernel's OOM killer would end it
        return real(job, say)

    monkeypatch.setattr(synth, "_target_stacks", dies_on_the_second_target)
    monkeypatch.setenv("AILZ_PLAN_WORKERS", "2")
    with pytest.raises(SynthesisError, match="worker process ended unexpectedly.*AILZ_PLAN_WORKERS=1"):
        synthesize(load_spec(EXAMPLES / "hybrid-sovereign.yaml"))


@pytest.mark.parametrize("name", ["hybrid-sovereign", "onprem-sriov-roce"])
def test_the_streamed_plan_is_the_same_bytes_as_the_whole_one(example_plan, name):
    import io

    from ailz.stacks.plan import Plan

    plan = example_plan(name)
    for candidate in (plan, Plan(zone="z", spec_file=None, targets=[], resources=[], context={})):
        stream = io.StringIO()
        candidate.write_json(stream)
        assert stream.getvalue() == candidate.to_json()


def test_where_no_process_pool_can_be_made_one_process_plans(monkeypatch):
    from ailz.stacks import workers

    def no_semaphores(*args, **kwargs):
        raise OSError(38, "Function not implemented")

    monkeypatch.setattr(workers, "ProcessPoolExecutor", no_semaphores)
    serial, _ = plans(monkeypatch, "1", load_spec(EXAMPLES / "hybrid-sovereign.yaml"))
    fallback, heard = plans(monkeypatch, "2", load_spec(EXAMPLES / "hybrid-sovereign.yaml"))
    assert fallback[0].to_json() == serial[0].to_json()
    assert heard[0] == "synthesizing 3 targets in 2 processes" and heard[1].startswith(
        "synthesizing aws-train"
    )
