"""The Ray side of `searcharc index --cluster` and `searcharc remove --cluster`: an index's
replica actors as ``indexing.Replica`` (their ``files`` calls), the cluster's writer lock (a
named actor owned by the run: Ray ends it, and frees its name, when the run's process dies),
and the cluster found (its shard count, its last commit, every primary answering).

The Ray head holds the actors' names and restarts them: it is a single point of failure unless
Ray's GCS fault tolerance is set up (an external Redis; docs/cluster.md).
"""

from __future__ import annotations

import os
import socket
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import ray
from ray.exceptions import GetTimeoutError, RayError

from searcharc.cluster import indexing, placement
from searcharc.cluster.actors import ERROR, OK
from searcharc.cluster.connect import connect
from searcharc.cluster.transport import one_line
from searcharc.errors import SearcharcError
from searcharc.index.indexing import IndexOptions, IndexRun
from searcharc.progress import Progress

START_TIMEOUT = 30.0  # seconds a replica has to answer the run's first call (a new actor starts)
# Seconds a call may take. A call to a replica whose node died fails at once, but one sent
# while Ray restarts it waits for the restart, which never comes when no other node can take
# it: the deadline turns that into a one-line error.
TIMEOUTS = {"cancel": 5.0, "state": START_TIMEOUT, "chunk": 60.0, "write": 120.0}
LONG = 3600.0  # the others: a commit merges segments, a catch-up copies a whole shard
POLL = 0.2  # seconds between two tries of the writer lock


@dataclass(frozen=True, slots=True)
class RemoteReplica:
    """One replica actor, called by ``ShardFiles`` method (``indexing.Replica``); picklable, so
    that a replica can be handed its primary to copy from."""

    shard: int
    replica: int
    handle: object
    name: str

    def submit(self, method: str, args: tuple) -> RemoteCall:
        return RemoteCall(self, method, self.handle.files.remote(method, args))

    def files(self, method: str, args: tuple) -> object:
        return self.submit(method, args).result()


@dataclass(frozen=True, slots=True)
class RemoteCall:
    """A call in flight to a replica actor; its answer, or a one-line error naming it."""

    replica: RemoteReplica
    method: str
    ref: object

    def result(self, timeout: float | None = None) -> object:
        timeout = timeout or TIMEOUTS.get(self.method, LONG)
        who = f"shard {self.replica.shard} replica {self.replica.replica} ({self.replica.name})"
        try:
            status, value = ray.get(self.ref, timeout=timeout)
        except GetTimeoutError:
            raise SearcharcError(
                f"{who} did not answer within {timeout:g} s: is a node holding shard "
                f"{self.replica.shard} up (searcharc cluster status)?"
            ) from None
        except RayError as exc:
            raise SearcharcError(f"{who} is gone: {one_line(exc)}") from None
        if status == OK:
            return value
        reason = value if status == ERROR else f"cannot serve: {value}"
        raise SearcharcError(f"{who}: {reason}")


class WriterLock:
    """The cluster index's writer lock: held while this actor lives (it names its holder)."""

    def __init__(self, holder: str):
        self.holder = holder

    def held_by(self) -> str:
        return self.holder


@contextmanager
def writer_lock(name: str, timeout: float) -> Iterator[None]:
    """Hold the index's writer lock on the cluster, waiting up to ``timeout`` seconds."""
    lock_name = f"{name}/writer"
    holder = f"pid {os.getpid()} on {socket.gethostname()} ({' '.join(sys.argv)[:200]})"
    deadline = time.monotonic() + timeout
    while True:
        try:
            lock = (
                ray.remote(WriterLock)
                .options(name=lock_name, namespace=placement.NAMESPACE, num_cpus=0)
                .remote(holder)
            )
            break
        except ValueError:  # the name is taken: another run holds it
            if time.monotonic() >= deadline:
                raise SearcharcError(
                    f"index {name!r} on the cluster is being written by {_holder(lock_name)}; "
                    f"gave up after {timeout:g} s (--lock-timeout)"
                ) from None
            time.sleep(POLL)
    try:
        yield
    finally:
        ray.kill(lock)


def _holder(lock_name: str) -> str:
    try:
        lock = ray.get_actor(lock_name, namespace=placement.NAMESPACE)
        return ray.get(lock.held_by.remote(), timeout=5)
    except (RayError, ValueError):
        return "another run"


def replicas_of(placed: list[placement.Placed], name: str) -> list[list[RemoteReplica]]:
    """The replicas by shard, each shard's in order (its primary first)."""
    found: dict[int, list[RemoteReplica]] = {}
    for p in placed:
        one = RemoteReplica(
            p.shard, p.replica, p.handle, placement.actor_name(name, p.shard, p.replica)
        )
        found.setdefault(p.shard, []).append(one)
    return [sorted(found[i], key=lambda r: r.replica) for i in sorted(found)]


def states(replicas: list[RemoteReplica], timeout: float) -> dict[tuple[int, int], object]:
    """The ``ShardState`` of each replica (by shard and number) that answers in time."""
    calls = [r.submit("state", ()) for r in replicas]
    ready, _ = ray.wait([c.ref for c in calls], num_returns=len(calls), timeout=timeout)
    answered = {}
    for call in calls:
        if call.ref in ready:
            with suppress(SearcharcError):
                answered[call.replica.shard, call.replica.replica] = call.result()
    return answered


def check_resources(count: int) -> None:
    """Every shard is held by a live node (its custom resource), or a one-line error."""
    held = ray.cluster_resources()
    missing = [i for i in range(count) if held.get(placement.resource(i), 0) < 1]
    if missing:
        first = placement.resource(missing[0])
        raise SearcharcError(
            f"no node of the cluster holds shard {missing[0]}"
            f"{' (nor ' + ', '.join(map(str, missing[1:])) + ')' if missing[1:] else ''}: "
            f"start one with ray start --resources '{{\"{first}\": 1}}'"
        )


def found_cluster(name: str, shards: int | None, replicas: int | None) -> indexing.Cluster:
    """The index's replicas (started where missing), its last commit, its primaries up."""
    try:
        existing = [r for rs in replicas_of(placement.found(name), name) for r in rs]
    except SearcharcError:  # no replica runs yet
        existing = []
    before = states(existing, START_TIMEOUT) if existing else {}
    count, copies = indexing.counts(name, indexing.last_commit(before.values()), shards, replicas)
    check_resources(count)
    placed = [placement.start(name, i, r) for i in range(count) for r in range(copies)]
    every = replicas_of(placed, name)  # started, not waited for: a replica may lag
    answered = states([r for rs in every for r in rs], START_TIMEOUT)
    for shard, rs in enumerate(every):
        if (shard, 0) not in answered:
            rs[0].submit("state", ()).result(timeout=1)  # its one-line error, if it has one
            raise SearcharcError(
                f"shard {shard}'s primary ({rs[0].name}) does not answer: is a node holding "
                f"shard {shard} up (searcharc cluster status)?"
            )
    last = indexing.last_commit([*before.values(), *answered.values()])
    return indexing.Cluster(name, every, last)


@contextmanager
def opened(
    address: str,
    name: str,
    lock_timeout: float,
    shards: int | None = None,
    replicas: int | None = None,
) -> Iterator[indexing.Cluster]:
    """The cluster's index ``name``, its writer lock held."""
    connect(address)
    with writer_lock(name, lock_timeout):
        yield found_cluster(name, shards, replicas)


def index(
    paths: list[str | Path],
    address: str,
    name: str,
    options: IndexOptions,
    replicas: int | None = None,
    progress: Progress | None = None,
) -> tuple[IndexRun, list[str]]:
    """`searcharc index --cluster`: the run, and the replicas left behind (they copy later)."""
    with opened(address, name, options.lock_timeout, options.shards, replicas) as cluster:
        return indexing.index_cluster(paths, cluster, options, progress), cluster.lagging


def remove(
    address: str, name: str, ids: list[str], lock_timeout: float
) -> tuple[list[str], list[str]]:
    """`searcharc remove --cluster`: the ids not in the index, and the replicas left behind."""
    with opened(address, name, lock_timeout) as cluster:
        return indexing.remove_from_cluster(cluster, ids), cluster.lagging


def repair(address: str, name: str, lock_timeout: float) -> tuple[list[str], list[str]]:
    """`searcharc cluster repair`: the replicas repaired, and those left as they were."""
    with opened(address, name, lock_timeout) as cluster:
        return indexing.repair_cluster(cluster)
