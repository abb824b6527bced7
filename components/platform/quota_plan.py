"""How a target's GPUs are shared among its Kueue ClusterQueues: one cohort whose nominal quotas
add up to the GPUs that exist. Kueue admits a gang all at once (waitForPodsReady); quotas that
promise more than the hardware holds let gangs be admitted that can never all start. Pure.

Per flavor (GPU pool of G GPUs): each team is guaranteed a share of the pool in proportion to its
quota (its quota when the quotas fit; largest remainders, so the shares add up to exactly G), and
may borrow idle GPUs up to its quota, to be preempted back when their owner needs them. The
validation queue owns what the teams leave, and borrows anything idle."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class QueueShare:
    nominal: int  # GPUs of the flavor the queue is guaranteed
    borrowing_limit: int | None  # GPUs it may borrow on top; None: any idle GPU of the cohort


def _largest_remainder(wants: dict[str, int], total: int) -> dict[str, int]:
    """Integer shares of `total` in proportion to `wants`, adding up to exactly `total`."""
    asked = sum(wants.values())
    exact = {name: want * total / asked for name, want in wants.items()}
    shares = {name: int(value) for name, value in exact.items()}
    left = total - sum(shares.values())
    for name in sorted(exact, key=lambda n: (shares[n] - exact[n], n))[:left]:
        shares[name] += 1
    return shares


def plan_quotas(
    team_quotas: dict[str, int], pool_gpus: dict[str, int], validation: str
) -> dict[str, dict[str, QueueShare]]:
    """queue -> flavor -> share, for the teams' queues and the validation queue."""
    plan: dict[str, dict[str, QueueShare]] = {name: {} for name in [*team_quotas, validation]}
    for flavor, gpus in pool_gpus.items():
        wants = {team: min(quota, gpus) for team, quota in team_quotas.items()}
        asked = sum(wants.values())
        nominal = dict(wants) if asked <= gpus or asked == 0 else _largest_remainder(wants, gpus)
        for team, want in wants.items():
            plan[team][flavor] = QueueShare(nominal[team], want - nominal[team])
        plan[validation][flavor] = QueueShare(gpus - sum(nominal.values()), None)
    return plan
