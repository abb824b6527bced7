"""Jobs in forked worker processes: how many the machine holds, and running them so that a failure
or a dead worker ends the run instead of hanging it."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

# A worker peaks at about 200 MB (the provider SDKs and one target; benchmarks/plan_floor.py): room
# for twice that per default worker, and no more than this many unless AILZ_PLAN_WORKERS says so.
WORKER_MEMORY_BYTES = 400 * 2**20
MAX_DEFAULT_WORKERS = 8
PR_SET_PDEATHSIG = 1  # prctl(2): the signal a process gets when its parent ends


class NoPool(Exception):
    """This system cannot run a process pool (no /dev/shm, no POSIX semaphores)."""


class WorkerDied(Exception):
    """A worker process ended without answering (killed, out of memory)."""


def plan_workers(jobs: int) -> int:
    """Processes for `jobs` jobs: AILZ_PLAN_WORKERS, else what the usable cores, the container's CPU
    quota and the available memory allow, never more than the jobs. Parallel needs fork (Linux):
    workers inherit the loaded spec and catalog overlays instead of rebuilding them."""
    if jobs < 2 or "fork" not in multiprocessing.get_all_start_methods() or sys.platform != "linux":
        return 1
    wanted = os.environ.get("AILZ_PLAN_WORKERS", "").strip()
    if wanted.isdigit() and int(wanted) > 0:
        return min(int(wanted), jobs)
    return max(1, min(len(os.sched_getaffinity(0)), _cgroup_cores(), _memory_workers(), jobs))


def _cgroup_cores() -> int:
    """The CPU quota of the container (cgroup v2 cpu.max), which CPU affinity does not show."""
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
        return max(1, int(int(quota) / int(period))) if quota != "max" else MAX_DEFAULT_WORKERS
    except (OSError, ValueError):
        return MAX_DEFAULT_WORKERS


def _memory_workers() -> int:
    """Workers the available memory holds."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return max(1, int(line.split()[1]) * 1024 // WORKER_MEMORY_BYTES)
    except (OSError, ValueError, IndexError):
        pass
    return 1


def _worker_start() -> None:
    """Fresh standard streams (a spinner thread in the parent may have held their locks at fork);
    interrupts are the parent's to handle, and a termination ends a worker at once (not through
    the handlers the CLI installed before forking)."""
    sys.stdout = open(1, "w", closefd=False, buffering=1)  # noqa: SIM115
    sys.stderr = open(2, "w", closefd=False, buffering=1)  # noqa: SIM115
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:  # end with the parent, however it ends (Ctrl-C exits it at once)
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass
    if os.getppid() == 1:  # the parent ended before the line above
        os._exit(1)


def run_forked(
    work: Callable[[Any], Any], jobs: list, workers: int, finished: Callable[[Any, Any, int], None]
) -> None:
    """`work(job)` for every job in `workers` forked processes, all forked before any thread of the
    executor starts; `finished(job, answer, count done)` hears each answer as it comes, and an
    exception it raises ends the others' work at once. `work` must be a module-level function."""
    try:
        executor = ProcessPoolExecutor(workers, multiprocessing.get_context("fork"), _worker_start)
        pending = {executor.submit(work, job): job for job in jobs}
    except (OSError, NotImplementedError) as error:
        raise NoPool(str(error)) from error
    try:
        for done, future in enumerate(as_completed(pending), start=1):
            finished(pending[future], future.result(), done)
    except BrokenProcessPool as error:
        raise WorkerDied(str(error)) from None
    except BaseException:
        # a failed job or an interrupt: the others' work is moot, end it now
        for process in list((getattr(executor, "_processes", None) or {}).values()):
            process.terminate()
        raise
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
