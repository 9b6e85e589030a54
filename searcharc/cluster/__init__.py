"""An index's shards on a Ray cluster: each shard held by R replicas on different machines,
searched through the shard protocol of ``searcharc.search.shards`` (``ShardedIndex``) over a
Ray transport. Ray is imported by these modules only, never by a local query.

- ``placement``: where replicas run (each node's custom resources) and their actors' names;
- ``actors``: a replica, one Ray actor answering the calls of ``searcharc.search.shard.Shard``;
- ``transport``: ``RayShards``, each call to one live replica of each shard, with a deadline;
- ``connect``: the connection to the cluster and the backend of ``SearchIndex.connect``;
- ``status``: `searcharc cluster status`, shards × replicas × nodes;
- ``writing`` (plain): a replica's files on its node, written by its primary's index runs;
  ``replication`` (plain): a replica made a byte copy of its primary's commit;
- ``indexing`` (plain): `searcharc index --cluster`, coordinated here; ``remote``: its Ray side.
"""

from __future__ import annotations

import sys
import threading
from importlib.util import find_spec
from pathlib import Path

from searcharc.errors import SearcharcError


class MainThreadOutput:
    """Standard output for the main thread only: what other threads print goes to standard
    error. Ray's error listener (a thread of every driver) prints cluster events, such as a
    node's death, on standard output, amid a command's JSON or TREC run."""

    def __init__(self, out, err):
        self.out, self.err = out, err

    def write(self, text: str) -> int:
        main = threading.current_thread() is threading.main_thread()
        return (self.out if main else self.err).write(text)

    def __getattr__(self, name: str):
        return getattr(self.out, name)


def keep_output_clean() -> None:
    """For a command (not the Python API, whose caller's threads may print): only its own
    output on standard output (before Ray starts its threads)."""
    if not isinstance(sys.stdout, MainThreadOutput):
        sys.stdout = MainThreadOutput(sys.stdout, sys.stderr)


def require_ray() -> None:
    """A one-line error when Ray is not installed."""
    if find_spec("ray") is None:
        raise SearcharcError("--cluster needs Ray: pip install 'searcharc[cluster]'")


def backend(address: str, index: str, shard_timeout: float, allow_partial: bool):
    """What ``SearchIndex.connect`` fronts: ``ShardedIndex`` over the replicas of ``index`` on
    the Ray cluster at ``address``."""
    require_ray()
    from searcharc.cluster.connect import transport
    from searcharc.search.shards import ShardedIndex

    replicas = transport(address, index, shard_timeout)
    return ShardedIndex(Path(f"{address}/{index}"), replicas, allow_partial)
