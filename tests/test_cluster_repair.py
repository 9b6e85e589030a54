"""A damaged replica on a cluster copies its shard again from a healthy replica (issue 24),
without Ray: the nodes are folders, each replica's ShardFiles called in this process."""

from __future__ import annotations

import random
from pathlib import Path

from cluster_helpers import SHARDS, archive, folder, holders, local_cluster

from searcharc.cluster import replication
from searcharc.cluster.indexing import index_cluster, repair_cluster
from searcharc.index.check import check_folder
from searcharc.index.indexing import IndexOptions


def scribble(path: Path) -> None:
    """200 random bytes over the middle of a file (its length kept, its mtime new)."""
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 200] = random.Random(24).randbytes(200)
    path.write_bytes(bytes(data[: path.stat().st_size]))


def test_a_damaged_replica_copies_its_shard_from_a_healthy_one(tmp_path):
    nodes = tmp_path / "nodes"
    cluster = local_cluster(nodes)
    index_cluster(
        [archive(tmp_path / "archive", range(3))], cluster, IndexOptions(jobs=1, shards=SHARDS)
    )
    primary, replica = (folder(nodes, n, 1) for n in holders(1))
    scribble(next(replica.glob("*.pst")))  # a replica's copy
    scribble(next(folder(nodes, holders(2)[0], 2).glob("*.trm")))  # another shard's primary
    lost = folder(nodes, holders(3)[0], 3), folder(nodes, holders(3)[1], 3)
    for shard_folder in lost:  # both copies of shard 3
        scribble(next(shard_folder.glob("*.pst")))
    cluster = local_cluster(nodes)  # a new coordinator, as a new command finds it
    repaired, left = repair_cluster(cluster)
    assert repaired[0].startswith("shard 1 replica 1: repaired from replica 0 (1 files")
    assert repaired[1].startswith("shard 2 replica 0: repaired from replica 1 (1 files")
    assert left == [
        f"shard 3 replica {r}: damaged, and no replica of the shard is whole to copy"
        for r in (0, 1)
    ]
    for shard in (1, 2):
        first, second = (folder(nodes, n, shard) for n in holders(shard))
        assert check_folder(first).healthy and check_folder(second).healthy
        names = replication.committed(first)
        assert all((first / n).read_bytes() == (second / n).read_bytes() for n in names)
    assert repair_cluster(local_cluster(nodes)) == ([], left)
