"""`searcharc cluster status`: each replica of an index on the cluster, where it runs, which
commit it reads and whether it answers."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import ray
from ray.exceptions import RayError

from searcharc.cluster import placement
from searcharc.cluster.transport import one_line


@dataclass(frozen=True, slots=True)
class ReplicaStatus:
    """One replica as it answered (``health`` "up"), or why it did not."""

    shard: int
    replica: int
    health: str
    node: str | None = None  # Ray's node id
    address: str | None = None  # the node's IP address
    pid: int | None = None
    commit: int | None = None  # the last cluster commit its node knows
    generation: int | None = None  # the shard's last commit there
    documents: int | None = None


@dataclass(frozen=True, slots=True)
class ClusterStatus:
    index: str
    shards: int
    replicas: list[ReplicaStatus]

    @property
    def unavailable(self) -> list[int]:
        """The shards with no replica up."""
        up = {r.shard for r in self.replicas if r.health == "up"}
        return [i for i in range(self.shards) if i not in up]

    @property
    def exit_status(self) -> int:
        """0: every replica up; 1: some down, every shard served; 2: a shard is not."""
        if self.unavailable:
            return 2
        return 0 if all(r.health == "up" for r in self.replicas) else 1

    def as_dict(self) -> dict:
        return {
            "index": self.index,
            "shards": self.shards,
            "unavailable": self.unavailable,
            "replicas": [asdict(r) for r in self.replicas],
        }


def replica_status(placed: placement.Placed, answer, ready: bool, timeout: float) -> ReplicaStatus:
    if not ready:
        why = f"no answer within {timeout:g} s (restarting, or waiting for a node with its shard)"
        return ReplicaStatus(placed.shard, placed.replica, why)
    try:
        info = ray.get(answer)
    except RayError as exc:
        return ReplicaStatus(placed.shard, placed.replica, one_line(exc))
    health = info.pop("error", None) or "up"
    info.pop("shards")  # the index's, not the replica's
    return ReplicaStatus(placed.shard, placed.replica, health, **info)


def gather(index: str, timeout: float) -> ClusterStatus:
    """Every replica of ``index``, asked at once; those that have not answered within
    ``timeout`` seconds are reported as such."""
    placed = placement.found(index)
    asked = [(p, p.handle.info.remote()) for p in placed]
    answers = [answer for _, answer in asked]
    ready, _ = ray.wait(answers, num_returns=len(answers), timeout=timeout)
    found = [replica_status(p, a, a in ready, timeout) for p, a in asked]
    return ClusterStatus(index, max(p.shard for p in placed) + 1, found)
