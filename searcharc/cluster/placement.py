"""Where an index's replicas run on a Ray cluster, and how they are found again.

Each node declares the shards whose folders it holds as custom resources (``ray start
--resources '{"searcharc-shard-0": 1, …}'``) and where those folders are
(``SEARCHARC_CLUSTER_DIR=DIR ray start …``: ``DIR/<index>/shard-<i>/``). Replica r of shard i
of an index is the detached actor ``<index>/shard-<i>/replica-<r>`` in namespace "searcharc",
asking for one unit of ``searcharc-shard-<i>``: two replicas of a shard never share a node,
and Ray restarts a replica whose node died on any other node that holds the shard (without
end: ``max_restarts=-1``; a call it was answering is not retried by Ray but by the transport).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

import ray
from ray.exceptions import ActorUnavailableError

from searcharc.cluster.actors import Replica
from searcharc.errors import SearcharcError

NAMESPACE = "searcharc"
NAME = re.compile(r"(?P<index>.+)/shard-(?P<shard>\d+)/replica-(?P<replica>\d+)")


def resource(shard: int) -> str:
    """The custom resource of the nodes that hold shard ``shard``'s folder."""
    return f"searcharc-shard-{shard}"


def actor_name(index: str, shard: int, replica: int) -> str:
    return f"{index}/shard-{shard}/replica-{replica}"


@dataclass(frozen=True, slots=True)
class Placed:
    """One replica actor of an index: its shard, its number and its handle."""

    shard: int
    replica: int
    handle: object


def start(index: str, shard: int, replica: int) -> Placed:
    """Replica ``replica`` of shard ``shard`` (started if it is not running yet)."""
    actor = ray.remote(Replica).options(
        name=actor_name(index, shard, replica),
        namespace=NAMESPACE,
        lifetime="detached",
        get_if_exists=True,
        max_restarts=-1,
        max_task_retries=0,
        num_cpus=0,  # placed by the shard's resource alone
        resources={resource(shard): 1},
    )
    return Placed(shard, replica, actor.remote(index, shard, replica))


def ensure(index: str, shards: int, replicas: int, wait: float = 120.0) -> list[Placed]:
    """The ``shards`` × ``replicas`` actors of an index, those missing started; each has
    opened its shard (or said why it cannot) within ``wait`` seconds."""
    placed = [start(index, i, r) for i in range(shards) for r in range(replicas)]
    deadline = time.monotonic() + wait
    waiting = placed
    while waiting:  # those restarting are asked again
        asked = {p: p.handle.call.remote("state", ()) for p in waiting}
        left = max(0.0, deadline - time.monotonic())
        ready, _ = ray.wait(list(asked.values()), num_returns=len(asked), timeout=left)
        if len(ready) < len(asked) or time.monotonic() > deadline:
            raise SearcharcError(
                f"the replicas of index {index!r} did not all start within {wait:g} s: does "
                f"each shard have {replicas} nodes that hold it (ray start --resources)?"
            )
        waiting = [p for p, answer in asked.items() if restarting(answer)]
        time.sleep(0.2 if waiting else 0)
    return placed


def restarting(answer) -> bool:
    """Whether a replica's answer says it is restarting (Ray's ActorUnavailableError)."""
    try:
        ray.get(answer)
    except ActorUnavailableError:
        return True
    return False


def found(index: str) -> list[Placed]:
    """The replica actors of an index that the cluster runs (or restarts), in order."""
    placed = []
    for actor in ray.util.list_named_actors(all_namespaces=True):
        named = NAME.fullmatch(actor["name"]) if actor["namespace"] == NAMESPACE else None
        if named and named["index"] == index:
            handle = ray.get_actor(actor["name"], namespace=NAMESPACE)
            placed.append(Placed(int(named["shard"]), int(named["replica"]), handle))
    if not placed:
        raise SearcharcError(
            f"the cluster runs no replica of index {index!r}: index it there first "
            f"(searcharc index ARCHIVE --cluster ADDRESS --index {index} --shards N)"
        )
    return sorted(placed, key=lambda p: (p.shard, p.replica))


def stop(index: str) -> None:
    """End the replica actors of an index for good (they are not restarted)."""
    for placed in found(index):
        ray.kill(placed.handle, no_restart=True)
