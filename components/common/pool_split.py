"""A GPU pool larger than one cloud node group (EKS managed node group, GKE node pool) may hold
becomes several, as even as possible: one pool to people, several groups to the cloud. Pure."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class PoolShare:
    """One node group of a pool: its sizes, and where a kind places it (e.g. the index of an AWS
    GPU subnet; None: wherever the kind's default puts it)."""

    index: int
    min_size: int
    desired_size: int
    max_size: int
    subnet: int | None = None

    def name(self, pool_name: str) -> str:
        """The first group keeps the pool's name (existing stacks keep their group), then -2, -3."""
        return pool_name if self.index == 0 else f"{pool_name}-{self.index + 1}"


def _spread(total: int, parts: int) -> list[int]:
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def split_pool(scaling: tuple[int, int, int], nodes_per_group: int) -> list[PoolShare]:
    """(min, desired, max) over as few groups of at most `nodes_per_group` as hold `max`."""
    low, desired, high = scaling
    groups = max(1, math.ceil(high / nodes_per_group))
    return [
        PoolShare(i, a, b, c)
        for i, (a, b, c) in enumerate(
            zip(_spread(low, groups), _spread(desired, groups), _spread(high, groups), strict=True)
        )
    ]


# Nodes an upgrade replaces at once: a tenth of the node group (a 342-node group would take days one
# at a time), at least one; ailz's choice, bounded by what each cloud accepts.
ROLLOUT_FRACTION = 0.1


def rollout_batch(nodes: int, most: int | None = None) -> int:
    """Nodes of a group of `nodes` an upgrade may take down at once."""
    batch = max(1, int(nodes * ROLLOUT_FRACTION))
    return batch if most is None else min(most, batch)
