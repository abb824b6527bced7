"""How close `ailz plan` is to the floor: the same SDK classes imported and the same resources
registered bare under Pulumi's mocks, with nothing of ailz around them.

Run by hand:  python3 benchmarks/plan_floor.py [--examples] [--pools 1,8,32] [--targets 1,20,200]
              [--workers N] [--repeat 1]

Each figure is a fresh process (imports included, as a user waits): wall seconds, peak MiB
(ru_maxrss), and the ratio to the floor. For the pool and target series it also prints the
marginal cost per added resource between the smallest and the largest size, for ailz and the floor.
The floor registers every resource of the plan as a plain CustomResource or ComponentResource of the
same type, name, parent and inputs, stack by stack as ailz synthesizes them, after importing the
provider modules the plan's types come from.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
POOL_BASE = "aws-p5-training"

# `ailz plan SPEC -o json --out PLAN`, the command users run
_AILZ = "from ailz.cli.app import main\nmain()\n"

# the floor: import the modules of the plan's types, then register its resources bare, per stack
_FLOOR = r"""
import asyncio, importlib, json, sys
import pulumi
from pulumi.runtime import mocks, settings
from pulumi.runtime.stack import run_pulumi_func

plan = json.load(open(sys.argv[1]))
PACKAGES = {"aws": "pulumi_aws", "gcp": "pulumi_gcp", "kubernetes": "pulumi_kubernetes"}

def module_of(token):
    package, module, _ = token.split(":")
    if package == "pulumi":  # providers: pulumi:providers:aws
        return PACKAGES.get(module) or PACKAGES.get(_)
    if package not in PACKAGES:
        return None
    if package == "kubernetes":  # rbac.authorization.k8s.io/v1 -> rbac.v1, helm.sh/v3 -> helm.v3
        group, _, version = module.partition("/")
        path = f"{group.split('.')[0]}.{version}" if version else group.split(".")[0]
    else:
        path = module.split("/")[0]
    return f"{PACKAGES[package]}.{path}" if path and path != "index" else PACKAGES[package]

def load(name):
    # the module, else its closest parent; a custom resource's group is apiextensions' CustomResource
    while name:
        try:
            return importlib.import_module(name)
        except ImportError:
            name = name.rsplit(".", 1)[0] if name.count(".") > 1 else "pulumi_kubernetes.apiextensions"

for token in sorted({r["type"] for r in plan["resources"]}):
    if (name := module_of(token)) is not None:
        module = load(name)
        getattr(module, token.rsplit(":", 1)[1], None)  # the class: provider modules load lazily

class Mocks(pulumi.runtime.Mocks):
    def new_resource(self, args):
        return (f"{args.name}-id" if args.custom else None), dict(args.inputs)
    def call(self, args):
        return {}

class Component(pulumi.ComponentResource):
    def __init__(self, token, name, props, opts):
        super().__init__(token, name, props, opts)

stacks = {}
for r in plan["resources"]:
    stacks.setdefault(r["stack"], []).append(r)
for stack, resources in stacks.items():
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    settings.reset_options()
    pulumi.runtime.set_mocks(Mocks(), project="ailz", stack=stack, preview=False)

    def program(resources=resources):
        made = {}
        for r in resources:
            parent = made.get(r["parent"])
            opts = pulumi.ResourceOptions(parent=parent) if parent is not None else None
            if r["type"].startswith("pulumi:providers:"):
                res = pulumi.ProviderResource(r["type"].split(":")[2], r["name"], r["inputs"], opts)
            elif r["custom"]:
                res = pulumi.CustomResource(r["type"], r["name"], r["inputs"], opts)
            else:
                res = Component(r["type"], r["name"], r["inputs"], opts)
            made[r["urn"]] = res

    loop.run_until_complete(run_pulumi_func(program))
    settings.reset_options()
    loop.close()
"""


def run(code: str, *args: str, env: dict[str, str] | None = None) -> tuple[float, float]:
    """(wall seconds, peak MiB) of one child process, whichever way it exits. The peak is the
    kernel's (wait4): the largest resident size of the process or of any worker it started."""
    start = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, **(env or {})},
    )
    stderr = child.stderr.read() if child.stderr else b""
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{stderr.decode()[-3000:]}")
    return seconds, usage.ru_maxrss / 1024


def measure(spec: Path, workdir: Path, workers: str | None, repeat: int) -> dict:
    """ailz and floor figures of one spec (best of `repeat`)."""
    plan_file = workdir / f"{spec.stem}.plan.json"
    env = {"AILZ_PLAN_WORKERS": workers} if workers else None
    ailz = min(
        run(_AILZ, "plan", str(spec), "-o", "json", "--out", str(plan_file), env=env) for _ in range(repeat)
    )
    floor = min(run(_FLOOR, str(plan_file)) for _ in range(repeat))
    plan = json.loads(plan_file.read_text())
    resources = sum(1 for r in plan["resources"] if r["custom"])
    return {"spec": spec.stem, "resources": resources, "ailz": ailz, "floor": floor}


def row(label: str, figures: dict) -> str:
    (seconds, peak), (floor, floor_peak) = figures["ailz"], figures["floor"]
    return (
        f"{label:<28} {figures['resources']:9d} {seconds:8.2f} {floor:8.2f} {seconds / floor:6.2f}x"
        f" {peak:8.0f} {floor_peak:8.0f}"
    )


# MiB: the largest process's peak resident size (with workers: the largest of them or the parent)
HEADER = f"{'':<28} {'resources':>9} {'ailz s':>8} {'floor s':>8} {'ratio':>7} {'ailz MiB':>8} {'flr MiB':>8}"


def marginal(series: list[dict]) -> str:
    first, last = series[0], series[-1]
    added = last["resources"] - first["resources"]
    if added <= 0:
        return "marginal: n/a"
    ailz = 1000 * (last["ailz"][0] - first["ailz"][0]) / added
    floor = 1000 * (last["floor"][0] - first["floor"][0]) / added
    return f"marginal per added resource: ailz {ailz:.2f} ms, floor {floor:.2f} ms ({ailz / floor:.2f}x)"


def pools_spec(pools: int, directory: Path) -> Path:
    """The AWS example with its first pool repeated `pools` times, one node each."""
    document = yaml.safe_load((EXAMPLES / f"{POOL_BASE}.yaml").read_text())
    target = document["targets"][0]
    template = target["gpu_pools"][0]
    target["gpu_pools"] = []
    for index in range(pools):
        pool = copy.deepcopy(template)
        pool["name"] = f"pool{index}"
        pool["nodes"] = 1
        pool["capacity"] = {"kind": "on-demand"}  # one reservation cannot hold every pool
        target["gpu_pools"].append(pool)
    target["eks_quotas"] = {"node_groups_per_cluster": max(30, pools + 1)}  # raised, as AWS does on request
    for team in document.get("teams", []):
        team["gpu_quota"] = 8
        team.pop("budget_usd_month", None)
    path = directory / f"pools-{pools}.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def targets_spec(count: int, directory: Path) -> Path:
    """The AWS example's target repeated `count` times (one pool each), each in its own network."""
    document = yaml.safe_load((EXAMPLES / f"{POOL_BASE}.yaml").read_text())
    template = document["targets"][0]
    template["gpu_pools"] = template["gpu_pools"][:1]
    targets = []
    for index in range(count):
        target = copy.deepcopy(template)
        target["name"] = f"t{index}"
        target["network"]["cidr"] = f"{10 + index // 250}.{index % 250}.0.0/16"
        targets.append(target)
    document["targets"] = targets
    for team in document.get("teams", []):
        team["targets"] = ["t0"]
        team.pop("budget_usd_month", None)
    document.pop("budget_usd_month", None)
    document.get("cost", {}).pop("budget_alerts", None)
    path = directory / f"targets-{count}.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--examples", action="store_true", help="every example (default when no series)")
    parser.add_argument("--pools", default="", help="GPU pool counts, e.g. 1,8,32")
    parser.add_argument("--targets", default="", help="target counts, e.g. 1,20,200")
    parser.add_argument("--workers", default=None, help="AILZ_PLAN_WORKERS for ailz (default: the cores)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per figure; the best is shown")
    args = parser.parse_args()
    examples = args.examples or not (args.pools or args.targets)

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        print(HEADER)
        if examples:
            for spec in sorted(EXAMPLES.glob("*.yaml")):
                print(row(spec.stem, measure(spec, work, args.workers, args.repeat)), flush=True)
        for label, counts, make in (
            ("pools", args.pools, pools_spec),
            ("targets", args.targets, targets_spec),
        ):
            if not counts:
                continue
            series = []
            for count in (int(c) for c in counts.split(",")):
                figures = measure(make(count, work), work, args.workers, args.repeat)
                series.append(figures)
                print(row(f"{count} {label}", figures), flush=True)
            print(f"  {label}: {marginal(series)}", flush=True)


if __name__ == "__main__":
    main()
