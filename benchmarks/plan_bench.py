"""Wall time and peak memory of `ailz plan`: per example, and as GPU pools grow.

Run by hand:  python3 benchmarks/plan_bench.py [--pools 1,2,4,8,16] [--kind aws|gcp|onprem]
Each measurement is a fresh `ailz plan -o json` process (imports included, as a user waits).
"""

from __future__ import annotations

import argparse
import copy
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
BASE_FOR_KIND = {"aws": "aws-p5-training", "gcp": "gcp-a3-ultra", "onprem": "onprem-sovereign"}


def measure(spec: Path) -> tuple[float, float, int]:
    """(seconds, peak MiB, resources) of one `ailz plan` run in a child process."""
    code = (
        "import atexit, resource, sys\n"
        "atexit.register(lambda: sys.stderr.write("
        "f'MAXRSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}\\n'))\n"
        "from ailz.cli.app import main\nmain()\n"
    )
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", code, "plan", str(spec), "--output", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"plan of {spec} failed:\n{result.stderr}")
    peak_kib = int(result.stderr.rsplit("MAXRSS", 1)[1].split()[0])
    resources = sum(1 for r in json.loads(result.stdout)["resources"] if r["custom"])
    return seconds, peak_kib / 1024, resources


def scaled_spec(kind: str, pools: int, directory: Path) -> Path:
    """The kind's example with its first pool repeated `pools` times, one node each."""
    document = yaml.safe_load((EXAMPLES / f"{BASE_FOR_KIND[kind]}.yaml").read_text())
    target = document["targets"][0]
    template = target["gpu_pools"][0]
    target["gpu_pools"] = []
    for index in range(pools):
        pool = copy.deepcopy(template)
        pool["name"] = f"pool{index}"
        pool["nodes"] = 1  # many small pools: the network must hold every pool at full size
        if "reserved_nodes" in pool.get("capacity", {}):
            pool["capacity"]["reserved_nodes"] = 1
        target["gpu_pools"].append(pool)
    for team in document.get("teams", []):
        team["gpu_quota"] = 8
    path = directory / f"{kind}-{pools}.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pools", default="1,2,4,8,16")
    parser.add_argument("--kind", default="aws", choices=sorted(BASE_FOR_KIND))
    args = parser.parse_args()

    print("example                      seconds   peak MiB   resources")
    for spec in sorted(EXAMPLES.glob("*.yaml")):
        seconds, peak, count = measure(spec)
        print(f"{spec.stem:<28} {seconds:7.2f}   {peak:8.0f}   {count:9d}")

    print(f"\n{args.kind}: GPU pools   seconds   resources   ms/resource")
    with tempfile.TemporaryDirectory() as tmp:
        for pools in (int(p) for p in args.pools.split(",")):
            seconds, _, count = measure(scaled_spec(args.kind, pools, Path(tmp)))
            print(f"{pools:>14}   {seconds:7.2f}   {count:9d}   {1000 * seconds / max(count, 1):11.1f}")


if __name__ == "__main__":
    main()
