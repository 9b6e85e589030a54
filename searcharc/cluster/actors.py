"""A replica of one shard on a Ray node: the class that ``placement`` starts as an actor.

It finds its shard's folder under the node's ``SEARCHARC_CLUSTER_DIR`` and opens it at its
first call (a replica started before its folder arrives answers that it is not ready). Every
answer is a ``Reply``: a value, an error the caller raises (a ``SearcharcError``: e.g. a
request asked at a commit no longer open), or "down" (this replica cannot answer: its folder
is missing or damaged): the caller then asks another replica. Plain Python: Ray only runs it.
"""

from __future__ import annotations

import os
import pickle
from dataclasses import asdict
from pathlib import Path

from searcharc.errors import MissingCommit, SearcharcError

CLUSTER_DIR = "SEARCHARC_CLUSTER_DIR"  # set on each node's `ray start`

OK, ERROR, DOWN = "ok", "error", "down"
Reply = tuple[str, object]  # OK and the value, ERROR and the exception, DOWN and why


def index_folder(index: str) -> Path:
    """Where this node keeps its shards of ``index``."""
    root = os.environ.get(CLUSTER_DIR)
    if not root:
        raise FileNotFoundError(f"{CLUSTER_DIR} is not set on this node (ray start)")
    return Path(root) / index


def why(exc: Exception) -> str:
    """An exception as one line (its type too, unless it is one of ours)."""
    text = " ".join(str(exc).split())
    return text if isinstance(exc, SearcharcError) else f"{type(exc).__name__}: {text}"


def answered(call) -> Reply:
    """The reply to ``call()``: its value, the SearcharcError it raised, or down and why."""
    try:
        return OK, call()
    except MissingCommit as exc:  # this replica lags (or moved on): another may hold it
        return DOWN, why(exc)
    except SearcharcError as exc:
        return ERROR, exc
    except Exception as exc:  # damaged or missing files: another replica may answer
        return DOWN, why(exc)


class Replica:
    """Replica ``replica`` of shard ``shard`` of ``index``, on this node."""

    def __init__(self, index: str, shard: int, replica: int):
        self.index, self.shard, self.replica = index, shard, replica
        self.opened = None  # the Shard, at the first call
        self.writing = None  # the ShardFiles, at the first files call

    def folder(self) -> Path:
        return index_folder(self.index) / f"shard-{self.shard}"

    def open(self):
        """The shard, opened at the first call (a one-line error if its folder is missing)."""
        if self.opened is None:
            from searcharc.search.shard import Shard

            folder = self.folder()
            if not folder.is_dir():
                raise FileNotFoundError(f"no folder {folder} on this node")
            self.opened = Shard(folder)
        return self.opened

    def call(self, method: str, args: tuple) -> Reply:
        """``method`` of ``searcharc.search.shard.Shard`` with ``args`` (down if the shard
        cannot be opened here)."""
        try:
            shard = self.open()
        except Exception as exc:
            return DOWN, why(exc)
        return answered(lambda: getattr(shard, method)(*args))

    def pickled(self, method: str, args: bytes) -> bytes:
        """``call`` with its arguments and its reply pickled (the coordinator's calls: the
        standard library's pickle, in C, is several times quicker than the cloudpickle Ray
        uses for objects, and Ray passes bytes as they are)."""
        return pickle.dumps(self.call(method, pickle.loads(args)), pickle.HIGHEST_PROTOCOL)

    def files(self, method: str, args: tuple) -> Reply:
        """``method`` of ``searcharc.cluster.writing.ShardFiles`` (the shard's files: written
        by its primary, copied by the other replicas) with ``args``."""

        def run():
            if self.writing is None:
                from searcharc.cluster.writing import ShardFiles

                self.writing = ShardFiles(self.folder())
            try:
                return getattr(self.writing, method)(*args)
            finally:
                if method == "repair":  # the files searched were replaced: read them anew
                    self.opened = None

        return answered(run)

    def manifest(self) -> dict | None:
        """The last cluster commit this node knows (``writing.ClusterCommit``), or None."""
        from searcharc.cluster.writing import ClusterCommit

        try:
            known = ClusterCommit.read(index_folder(self.index))
        except (OSError, SearcharcError):  # no SEARCHARC_CLUSTER_DIR, a damaged manifest
            return None
        return asdict(known) if known else None

    def info(self) -> dict:
        """What `searcharc cluster status` shows of this replica."""
        import ray

        known = self.manifest() or {}
        found = {
            "node": ray.get_runtime_context().get_node_id(),
            "address": ray.util.get_node_ip_address(),
            "pid": os.getpid(),
            "commit": known.get("commit"),
            "shards": known.get("shards"),  # the index's shard count, as the manifest says
        }
        status, state = answered(lambda: self.open().state())
        if status == OK:
            return found | {"generation": state.generation, "documents": state.documents}
        return found | {"error": str(state)}
