"""The write side of one shard replica on its node (``ShardFiles``), plain Python: a replica
actor (``searcharc.cluster.actors``) runs its methods by name.

The primary (replica 0) takes the writes of an index run (``open``, ``write``, ``commit``): the
coordinator decides them (``store.Batch``, against the whole index's content hashes), the
primary analyzes and writes them. Its commit keeps the files of the commit the cluster last
recorded, which the replicas still serve. The other replicas are never written: they copy the
primary's files (``catch_up``, ``replication``). Each node keeps the last cluster commit it was
told (``record``: ``searcharc.cluster.json`` beside its shard folders), and the primary of
shard 0 the inputs manifest of the run that made it.
"""

from __future__ import annotations

import json
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Protocol

from searcharc.cluster import replication
from searcharc.errors import SearcharcError
from searcharc.index import manifest, store
from searcharc.index.indexing import open_for_writing
from searcharc.whooshx import generations

CLUSTER_FILE = "searcharc.cluster.json"


@dataclass(frozen=True, slots=True)
class ClusterCommit:
    """One commit of an index on a cluster: each shard's generation, recorded together."""

    shards: int
    replicas: int
    commit: int
    generations: list[int] = field(default_factory=list)

    @classmethod
    def read(cls, index_dir: Path) -> ClusterCommit | None:
        """The last cluster commit this node knows, or None."""
        try:
            data = json.loads((index_dir / CLUSTER_FILE).read_text("utf-8"))
            return cls(
                int(data["shards"]),
                int(data["replicas"]),
                int(data["commit"]),
                [int(g) for g in data["generations"]],
            )
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise SearcharcError(f"{index_dir / CLUSTER_FILE} cannot be read: {exc}") from None

    def write(self, index_dir: Path) -> None:
        index_dir.mkdir(parents=True, exist_ok=True)
        tmp = index_dir / f"{CLUSTER_FILE}.{threading.get_ident()}.tmp"
        tmp.write_text(json.dumps(asdict(self)) + "\n", "utf-8")
        tmp.replace(index_dir / CLUSTER_FILE)


@dataclass(frozen=True, slots=True)
class ShardState:
    """What a replica's node holds of its shard."""

    shard: int
    generation: int  # the latest commit in its folder; -1: none
    cluster: ClusterCommit | None  # the last cluster commit its node knows
    writing: bool  # a batch is open


class Source(Protocol):
    """Another replica's ``ShardFiles``, here or on another node, called by method name."""

    def files(self, method: str, args: tuple) -> object: ...


class ShardFiles:
    """The files of shard ``i`` of an index on this node: ``<dir>/<index>/shard-<i>``."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.index_dir = self.folder.parent
        self.shard = int(self.folder.name.rpartition("-")[2])
        self.sums = replication.Checksums()
        self.segments: store.Segments | None = None
        self.lock = threading.Lock()  # one write at a time, whatever the actor's threads

    def files(self, method: str, args: tuple) -> object:
        """A method by name (``Source``: a primary here, for a replica's ``catch_up``)."""
        if method.startswith("_") or not callable(getattr(self, method, None)):
            raise SearcharcError(f"no files method {method!r}")
        return getattr(self, method)(*args)

    def state(self) -> ShardState:
        found = generations.generations(self.folder)
        return ShardState(
            self.shard,
            found[-1] if found else -1,
            ClusterCommit.read(self.index_dir),
            self.segments is not None,
        )

    def recorded(self) -> set[int]:
        """The generation of this shard that the node's last cluster commit records."""
        commit = ClusterCommit.read(self.index_dir)
        return {commit.generations[self.shard]} if commit else set()

    # the primary's writes

    def open(
        self, rebuild: bool = False, jobs: int = 1, memory: int | None = None
    ) -> tuple[bool, dict[str, tuple[str, str]]]:
        """Start a batch (a batch left open by a run that died is dropped): whether its commit
        replaces what the shard holds, and what it holds (each id's content hash, origin)."""
        with self.lock:
            self._drop()
            ix, clear = open_for_writing(self.folder, rebuild)
            self.segments = store.Segments(ix, self.folder, jobs, clear, memory, keep_older=True)
            known = {} if clear else store.known_documents(ix)
            return clear, {i: (k.hash, k.origin) for i, k in known.items()}

    def write(self, writes: list[tuple]) -> int:
        """Apply writes in order: ("add", Article, content hash) or ("delete", id)."""
        with self.lock:
            segments = self._open_batch()
            for kind, *args in writes:
                if kind == "add":
                    segments.add(*args)
                else:
                    segments.delete(*args)
            return len(writes)

    def commit(self, optimize: bool = False) -> int:
        """Commit the batch; the new generation (the recorded one's files kept)."""
        with self.lock:
            segments = self._open_batch()
            self.segments = None
            segments.commit(optimize)
            generation = generations.generations(self.folder)[-1]
            generations.clean(self.folder, self.recorded() | {generation})
            return generation

    def cancel(self) -> None:
        with self.lock:
            self._drop()

    def _open_batch(self) -> store.Segments:
        if self.segments is None:
            raise SearcharcError(f"shard {self.shard}: no batch open (its run ended)")
        return self.segments

    def _drop(self) -> None:
        if self.segments is not None:
            segments, self.segments = self.segments, None
            segments.cancel()

    # replication

    def listing(self, generation: int | None = None) -> list[replication.FileEntry]:
        """The files of a commit of this shard (the latest when None)."""
        return replication.listing(self.folder, self.sums, generation)

    def chunk(self, name: str, offset: int, size: int = replication.CHUNK) -> bytes:
        return replication.read_chunk(self.folder, name, offset, size)

    def catch_up(self, primary: Source) -> replication.Copied:
        """Hold the primary's latest commit: copy what differs, switch, keep the recorded."""
        wanted = primary.files("listing", ())

        def read(name: str, offset: int, size: int) -> bytes:
            return primary.files("chunk", (name, offset, size))

        with self.lock:
            if self.segments is not None:
                raise SearcharcError(f"shard {self.shard}: a primary is not copied into")
            return replication.catch_up(self.folder, wanted, read, self.sums, self.recorded())

    def healthy(self) -> bool:
        """Whether the shard's recorded commit (its latest when none is) checks whole
        (``searcharc.index.check``: every file's length and CRC-32, every segment opened)."""
        from searcharc.index.check import check_folder

        recorded = self.recorded()
        return check_folder(self.folder, max(recorded) if recorded else None).healthy

    def repair(self, source: Source) -> replication.Copied:
        """Copy the files that differ from ``source`` (a healthy replica of the shard) again,
        every file read anew: a CRC remembered from before the damage proves nothing."""
        self.sums = replication.Checksums()
        return self.catch_up(source)

    # what the node knows of the cluster

    def record(self, commit: ClusterCommit) -> bool:
        """Keep a cluster commit as this node's last (unless it knows a later one)."""
        known = ClusterCommit.read(self.index_dir)
        if known is not None and known.commit >= commit.commit:
            return False
        commit.write(self.index_dir)
        return True

    def inputs(self, key: str) -> dict[str, manifest.Fingerprint]:
        """What the run that made the cluster commit read cleanly (as ``manifest.read``)."""
        return manifest.read(self.index_dir, key)

    def record_inputs(self, key: str, inputs: dict[str, manifest.Fingerprint]) -> None:
        manifest.write(self.index_dir, key, inputs)

    def forget_inputs(self) -> None:
        manifest.forget(self.index_dir)
