"""Indexing an index whose shards live on other nodes (searcharc.cluster.indexing), without
Ray: the nodes are folders, each replica's ShardFiles called in this process. A cluster run
gives what `searcharc index --shards 4` gives locally (the same articles in the same shards,
the same scores), keeps updates, prune, remove and duplicates across shards, copies the
replicas, records one cluster commit on every node, and loses nothing when killed."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from cluster_helpers import (
    NODES,
    SHARDS,
    archive,
    folder,
    holders,
    local_cluster,
    ranked,
    same_ranking,
    view,
)
from test_segments import WORDS

from searcharc.cluster import replication
from searcharc.cluster.indexing import index_cluster, remove_from_cluster
from searcharc.cluster.writing import ClusterCommit
from searcharc.errors import SearcharcError
from searcharc.index.indexing import IndexOptions, run_index
from searcharc.search.searcher import SearchIndex

QUERIES = [*WORDS[:20], *(f"{a} {b}" for a, b in zip(WORDS[20:40], WORDS[40:60], strict=False))]
OPTIONS = IndexOptions(jobs=1)


def replica_view(root: Path, at: Path, replica: int) -> Path:
    return view(at, [folder(root, holders(i)[replica], i) for i in range(SHARDS)])


def search(path: Path) -> list[list[tuple[str, float]]]:
    index = SearchIndex.open(path, parallel=False)
    try:
        return ranked(index, QUERIES)
    finally:
        index.close()


def summary(run) -> dict:
    found = run.as_dict()
    del found["seconds"]
    return found


def both(paths, nodes: Path, local: Path, options: IndexOptions = OPTIONS, **given) -> dict:
    """One run on the cluster and the same run locally (4 shards): their summaries, equal."""
    cluster = local_cluster(nodes)
    run = index_cluster(paths, cluster, replace(options, **given))
    alone = run_index(paths, local, replace(options, **given))
    assert summary(run) == summary(alone)
    assert cluster.lagging == []
    return summary(run)


def check_same(nodes: Path, local: Path, tmp_path: Path, tag: str) -> None:
    expected = search(local)
    assert any(expected)
    for replica in (0, 1):
        assert same_ranking(
            search(replica_view(nodes, tmp_path / f"{tag}-{replica}", replica)), expected
        )
    for shard in range(SHARDS):  # the replicas are byte copies of the primaries
        first, second = (folder(nodes, n, shard) for n in holders(shard))
        names = replication.committed(first)
        assert names == replication.committed(second)
        assert all((first / n).read_bytes() == (second / n).read_bytes() for n in names)


def commits(nodes: Path) -> list[ClusterCommit | None]:
    return [ClusterCommit.read(nodes / node / "index") for node in NODES]


def test_a_cluster_run_indexes_as_one_local_run_and_records_one_commit(tmp_path):
    days, nodes, local = (
        archive(tmp_path / "archive", range(4)),
        tmp_path / "nodes",
        tmp_path / "local",
    )
    first = both([days], nodes, local, shards=SHARDS)
    assert first["added"] == 48
    check_same(nodes, local, tmp_path, "first")
    recorded = commits(nodes)
    assert all(c == recorded[0] for c in recorded) and recorded[0].commit == 1
    assert recorded[0].shards == SHARDS and recorded[0].replicas == 2
    again = both([days], nodes, local)  # unchanged inputs: not read again
    assert again["unchanged"] == 48 and again["added"] == 0
    assert commits(nodes)[0].commit == 2


def indexed_twice(tmp_path: Path) -> tuple[Path, Path, Path]:
    """Three days of articles, indexed on the cluster's nodes and locally in as many shards:
    the archive, the nodes' folder, the local index."""
    days, nodes, local = (
        archive(tmp_path / "archive", range(3)),
        tmp_path / "nodes",
        tmp_path / "local",
    )
    both([days], nodes, local, shards=SHARDS)
    return days, nodes, local


def test_changes_prune_remove_and_duplicates_across_shards(tmp_path):
    days, nodes, local = indexed_twice(tmp_path)
    archive(days, range(3, 5))  # new days
    (days / "day0.jsonl").unlink()  # a day gone: pruned
    text = (days / "day1.jsonl").read_text("utf-8").replace(WORDS[0], WORDS[1])
    twin = (days / "day2.jsonl").read_text("utf-8").splitlines()[0].replace('"a24"', '"twin"')
    (days / "day1.jsonl").write_text(text + twin + "\n", "utf-8")  # changed, and a duplicate
    changed = both([days], nodes, local, prune=True)
    assert changed["removed"] == 12 and changed["added"] == 24
    assert changed["duplicates"] == [{"id": "twin", "duplicate_of": "a24"}]
    check_same(nodes, local, tmp_path, "changed")
    gone = ["a30", "a41", "nothing"]
    assert remove_from_cluster(local_cluster(nodes), gone) == ["nothing"]
    assert SearchIndex.open(local).remove(gone) == ["nothing"]
    check_same(nodes, local, tmp_path, "removed")
    assert commits(nodes)[0].commit == 3


def test_a_run_killed_midway_loses_nothing_and_the_next_finishes(tmp_path):
    days, nodes, local = indexed_twice(tmp_path)
    before = search(replica_view(nodes, tmp_path / "before", 1))
    archive(days, range(3, 8), size=60)
    cluster = local_cluster(nodes)
    cluster.primary(2).fail["commit"] = 0  # shard 2's node dies before it commits
    with pytest.raises(SearcharcError, match="node gone"):
        index_cluster([days], cluster, OPTIONS)
    assert commits(nodes)[0].commit == 1  # no cluster commit recorded
    assert same_ranking(search(replica_view(nodes, tmp_path / "during", 1)), before)
    again = index_cluster([days], local_cluster(nodes), OPTIONS)  # the next run, its node back
    assert again.changes.added + again.changes.unchanged == 36 + 300
    run_index([days], local, OPTIONS)
    check_same(nodes, local, tmp_path, "after")
    assert commits(nodes)[0].commit == 2


def test_a_primary_whose_node_was_replaced_copies_the_shard_first(tmp_path):
    days, nodes, local = indexed_twice(tmp_path)
    shutil.rmtree(folder(nodes, holders(1)[0], 1))  # a new machine in its place: no folder
    archive(days, range(3, 4))
    both([days], nodes, local)
    check_same(nodes, local, tmp_path, "replaced")


def test_shard_counts_are_refused_as_locally(tmp_path):
    days, nodes = archive(tmp_path / "archive", range(1)), tmp_path / "nodes"
    with pytest.raises(SearcharcError, match="--shards"):
        from searcharc.cluster.indexing import counts

        counts("index", None, None, None)
    index_cluster([days], local_cluster(nodes), IndexOptions(jobs=1))
    with pytest.raises(SearcharcError, match="has 4 shards, not 3"):
        counts("index", commits(nodes)[0], 3, None)
