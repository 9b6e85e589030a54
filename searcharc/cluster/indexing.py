"""`searcharc index --cluster`: an index run whose shards live on other machines, coordinated
here without Ray (``remote`` gives the replicas over Ray; the tests, in folders).

The archive is read once, here, as `searcharc index` reads it (``index.indexing``: the inputs
manifest, prune, the summary). What each article does is decided here too, by one
``store.Batch`` a shard over the shards' own content hashes and ids, shared as
``ShardedWriter`` shares them (duplicates across shards are found as in one index); the
writes go in batches to each shard's one writer, its primary (replica 0), which analyzes and
writes them on its node. Every primary commits; the other replicas copy the new files from
their primary (``ShardFiles.catch_up``) and switch; then each node records the new cluster
commit (each shard's generation). The inputs manifest (kept by shard 0's primary, valid for
that one cluster commit) is dropped before the first shard commits and written after: a run
killed anywhere in between leaves each shard at a whole commit, and the next run reads every
input again and finishes the work.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from searcharc.cluster.writing import ClusterCommit, ShardState
from searcharc.errors import SearcharcError
from searcharc.index import indexing, shards, store
from searcharc.index.indexing import IndexOptions, IndexRun
from searcharc.progress import Progress
from searcharc.records import Article

BATCH_ARTICLES = 200  # articles a write call carries, at most
BATCH_BYTES = 4 * 1024 * 1024  # and about this much text
DEFAULT_REPLICAS = 2


class Call(Protocol):
    """A call in flight to a replica."""

    def result(self) -> object: ...


class Replica(Protocol):
    """One replica's ``ShardFiles``, called by method name (over Ray: ``remote``)."""

    shard: int
    replica: int

    def submit(self, method: str, args: tuple) -> Call: ...
    def files(self, method: str, args: tuple) -> object: ...


class RemoteSink(store.Sink):
    """``store.Sink`` of a shard's primary: the writes sent in batches, one call in flight at a
    time (their order kept), the commit asked without waiting (all shards commit at once)."""

    def __init__(self, primary: Replica):
        self.primary = primary
        self.pending: list[tuple] = []
        self.size = 0
        self.sent: Call | None = None
        self.committing: Call | None = None

    def add(self, article: Article, digest: str) -> None:
        self.pending.append(("add", article, digest))
        self.size += len(article.body) + len(article.title)
        if len(self.pending) >= BATCH_ARTICLES or self.size >= BATCH_BYTES:
            self.flush()

    def delete(self, article_id: str) -> None:
        self.pending.append(("delete", article_id))

    def flush(self) -> None:
        self.wait()
        if self.pending:
            self.sent = self.primary.submit("write", (self.pending,))
            self.pending, self.size = [], 0

    def wait(self) -> None:
        sent, self.sent = self.sent, None
        if sent is not None:
            sent.result()

    def commit(self, optimize: bool = False) -> None:
        self.flush()
        self.wait()
        self.committing = self.primary.submit("commit", (optimize,))

    def generation(self) -> int:
        """The generation the commit made (waits for it)."""
        if self.committing is None:
            raise SearcharcError(f"shard {self.primary.shard}: not committed")
        return self.committing.result()

    def cancel(self) -> None:
        self.pending = []
        try:
            self.wait()
            self.primary.files("cancel", ())
        except SearcharcError:  # the primary is gone: its batch went with it
            pass


@dataclass
class Cluster:
    """An index's replicas on a cluster, by shard: ``replicas[i][0]`` is shard i's primary."""

    name: str
    replicas: list[list[Replica]]
    last: ClusterCommit | None  # the last cluster commit the nodes know
    lagging: list[str] = field(default_factory=list)  # replicas that could not catch up

    @property
    def count(self) -> int:
        return len(self.replicas)

    def primary(self, shard: int) -> Replica:
        return self.replicas[shard][0]

    def inputs_key(self, reading: str, commit: int) -> str:
        """The inputs manifest's key: what reads the inputs, and the cluster commit it made."""
        return f"{reading} cluster commit {commit}"

    def commit_number(self) -> int:
        return self.last.commit if self.last else 0


def last_commit(states: Iterable[ShardState]) -> ClusterCommit | None:
    """The latest cluster commit any node knows."""
    known = [s.cluster for s in states if s.cluster is not None]
    return max(known, key=lambda c: c.commit, default=None)


def counts(
    name: str, last: ClusterCommit | None, wanted: int | None, replicas: int | None
) -> tuple[int, int]:
    """The shards and replicas to write ``name`` with: the recorded shard count (another one is
    refused), or ``wanted`` for a new index; replicas as given, else as recorded."""
    if last is None:
        if wanted is None:
            raise SearcharcError(
                f"the cluster holds no index {name!r}: give its shard count (--shards N)"
            )
        return wanted, replicas or DEFAULT_REPLICAS
    if wanted is not None and wanted != last.shards:
        raise SearcharcError(
            f"index {name!r} on the cluster has {last.shards} shards, not {wanted}: "
            f"build {wanted} shards under another name (--index NAME)"
        )
    return last.shards, replicas or last.replicas


def ready_primaries(cluster: Cluster) -> None:
    """Each primary holds at least the recorded commit of its shard: one that lost it (its
    node replaced, its folder new) copies it first from a replica that holds it."""
    for shard, replicas in enumerate(cluster.replicas):
        state = cluster.primary(shard).files("state", ())
        recorded = cluster.last.generations[shard] if cluster.last else -1
        if state.generation >= recorded:
            continue
        source = next((r for r in replicas[1:] if _holds(r, recorded)), None)
        if source is None:
            raise SearcharcError(
                f"shard {shard}: its primary lacks commit {recorded} and no live replica "
                f"holds it: start a node that holds shard {shard}'s folder"
            )
        cluster.primary(shard).files("catch_up", (source,))


def _holds(replica: Replica, generation: int) -> bool:
    try:
        return replica.files("state", ()).generation >= generation
    except SearcharcError:
        return False


class ClusterWriter(shards.ShardedWriter):
    """``ShardedWriter`` over the primaries (``RemoteSink``); its commit is the cluster's."""

    def __init__(self, cluster: Cluster, options: IndexOptions):
        self.cluster = cluster
        sinks = [RemoteSink(cluster.primary(i)) for i in range(cluster.count)]
        memory = options.memory // cluster.count if options.memory else None
        opened = [
            sink.primary.submit("open", (options.rebuild, options.jobs or 1, memory))
            for sink in sinks
        ]
        batches = []
        for sink, call in zip(sinks, opened, strict=True):
            clear, known = call.result()
            held = {i: store.Known(h, origin) for i, (h, origin) in known.items()}
            batches.append(store.Batch(sink, held, clear))
        super().__init__(None, batches)
        self.recorded: ClusterCommit | None = None

    def commit(self, optimize: bool = False) -> None:
        """Every shard commits (all at once), the replicas copy, every node records the
        cluster commit."""
        self.cluster.primary(0).files("forget_inputs", ())
        for batch in self.writers:
            batch.commit(optimize)
        made = [batch.generation() for batch in self.writers]
        catch_up(self.cluster)
        self.recorded = record(self.cluster, made)


def catch_up(cluster: Cluster) -> None:
    """Every other replica copies its primary's latest commit (all at once); one that cannot
    is named in ``cluster.lagging`` and copies at the next run."""
    asked = [
        (r, r.submit("catch_up", (replicas[0],)))
        for replicas in cluster.replicas
        for r in replicas[1:]
    ]
    for replica, call in asked:
        try:
            call.result()
        except SearcharcError as exc:
            cluster.lagging.append(f"shard {replica.shard} replica {replica.replica}: {exc}")


def record(cluster: Cluster, generations: list[int]) -> ClusterCommit:
    """The next cluster commit, recorded on every replica's node that answers."""
    replicas = len(cluster.replicas[0])
    commit = ClusterCommit(cluster.count, replicas, cluster.commit_number() + 1, generations)
    asked = [(r, r.submit("record", (commit,))) for rs in cluster.replicas for r in rs]
    for replica, call in asked:
        try:
            call.result()
        except SearcharcError as exc:
            cluster.lagging.append(f"shard {replica.shard} replica {replica.replica}: {exc}")
    cluster.last = commit
    return commit


def index_cluster(
    paths: Sequence[str | Path],
    cluster: Cluster,
    options: IndexOptions | None = None,
    progress: Progress | None = None,
) -> IndexRun:
    """`searcharc index` into the cluster's index (its writer lock held by the caller)."""
    options = options or IndexOptions()
    progress = progress or Progress()
    started = time.monotonic()
    ready_primaries(cluster)
    items = indexing.read_inputs(paths, options.selection, progress)
    writer = ClusterWriter(cluster, options)
    reading = indexing.reading_key(options)
    keeper = cluster.primary(0)
    key = cluster.inputs_key(reading, cluster.commit_number())
    before = {} if writer.clear else keeper.files("inputs", (key,))
    run, read = indexing.index_into(items, writer, before, options, progress)
    if read is not None and writer.recorded is not None:
        keeper.files("record_inputs", (cluster.inputs_key(reading, writer.recorded.commit), read))
    run.seconds = time.monotonic() - started
    return run


def remove_from_cluster(cluster: Cluster, ids: Iterable[str]) -> list[str]:
    """Delete articles by id in one cluster commit; the ids the index did not hold."""
    ready_primaries(cluster)
    writer = ClusterWriter(cluster, IndexOptions())
    try:
        missing = [i for i in ids if not writer.remove(i)]
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    return missing


def repair_cluster(cluster: Cluster) -> tuple[list[str], list[str]]:
    """Each replica checked; a damaged one copies its shard's commit again from a healthy
    replica of the shard (as a replica catches up: every file's CRC-32 checked). A line for
    each replica repaired, and one for each damaged or silent one left as it is."""
    repaired, left = [], []
    for shard, replicas in enumerate(cluster.replicas):
        health = [_healthy(r) for r in replicas]
        source = next((r for r, ok in zip(replicas, health, strict=True) if ok), None)
        for replica, ok in zip(replicas, health, strict=True):
            who = f"shard {shard} replica {replica.replica}"
            if ok is None:
                left.append(f"{who}: does not answer (searcharc cluster status)")
            elif not ok and source is None:
                left.append(f"{who}: damaged, and no replica of the shard is whole to copy")
            elif not ok:
                copied = replica.files("repair", (source,))
                repaired.append(
                    f"{who}: repaired from replica {source.replica} ({copied.files} files, "
                    f"{copied.bytes:,} bytes copied)"
                )
    return repaired, left


def _healthy(replica: Replica) -> bool | None:
    """Whether a replica's commit checks whole; None when it does not answer."""
    try:
        return replica.files("healthy", ())
    except SearcharcError:
        return None
