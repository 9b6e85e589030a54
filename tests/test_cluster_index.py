"""`searcharc index --cluster` on a Ray cluster of a head and three nodes on this host (4
shards, each on 2 nodes, 2 replicas): as one local index of the same articles, a second run
with changes, `remove --cluster`, and a node killed mid-index (the next run finishes)."""

from __future__ import annotations

import contextlib
import re
import shutil
import tempfile
from pathlib import Path

import pytest
from cluster_helpers import (
    NODES,
    SHARDS,
    add_ray_node,
    archive,
    holders,
    kill_node,
    pinned_view,
    ranked,
    ray_nodes,
    same_ranking,
    view,
)
from conftest import run_cli
from test_segments import WORDS

from searcharc.cluster import replication
from searcharc.cluster.writing import ClusterCommit
from searcharc.errors import SearcharcError
from searcharc.index.indexing import IndexOptions, run_index
from searcharc.search.searcher import SearchIndex

pytestmark = pytest.mark.cluster
ray = pytest.importorskip("ray")

QUERIES = [*WORDS[:15], *(f"{a} {b}" for a, b in zip(WORDS[20:35], WORDS[40:55], strict=False))]


@pytest.fixture(scope="module")
def nodes(tmp_path_factory):
    """The cluster: its address, its nodes' folders, and the Cluster (to add and remove)."""
    from ray.cluster_utils import Cluster

    tmp = tmp_path_factory.mktemp("cluster")
    ray_dir = Path(tempfile.mkdtemp(prefix="sa-cidx-", dir="/tmp"))
    cluster, started = ray_nodes(tmp, ray_dir, Cluster)
    try:
        yield cluster, tmp / "nodes", started
    finally:
        ray.shutdown()
        cluster.shutdown()
        shutil.rmtree(ray_dir, ignore_errors=True)


def index(nodes, *args: str):
    cluster, _, _ = nodes
    return run_cli("index", *args, "--cluster", cluster.address, "--json", "-q")


def folders(root: Path, replica: int, name: str = "index") -> list[Path]:
    return [root / holders(i)[replica] / name / f"shard-{i}" for i in range(SHARDS)]


def search(path: Path):
    opened = SearchIndex.open(path, parallel=False)
    try:
        return ranked(opened, QUERIES)
    finally:
        opened.close()


def check_same(root: Path, local: Path, tmp: Path, name: str = "index") -> None:
    """Both replicas of every shard rank as the local index; they are byte copies."""
    expected = search(local)
    assert any(expected)
    for replica in (0, 1):
        at = view(Path(tempfile.mkdtemp(dir=tmp)) / "v", folders(root, replica, name))
        assert same_ranking(search(at), expected)
    for first, second in zip(folders(root, 0, name), folders(root, 1, name), strict=True):
        names = replication.committed(first)
        assert names == replication.committed(second)
        assert all((first / n).read_bytes() == (second / n).read_bytes() for n in names)


@pytest.fixture(scope="module")
def shared(tmp_path_factory) -> dict[str, Path]:
    """The archive of the index "index" and its local twin, from one test to the next."""
    tmp = tmp_path_factory.mktemp("shared")
    return {"days": tmp / "archive", "local": tmp / "local"}


def test_index_on_the_cluster_then_changes_then_remove(nodes, shared, tmp_path):
    import json

    _, root, _ = nodes
    days, local = archive(shared["days"], range(4)), shared["local"]
    done = index(nodes, str(days), "--shards", "4", "--replicas", "2")
    assert done.returncode == 0, done.stderr
    alone = run_index([days], local, IndexOptions(shards=SHARDS, jobs=1))
    assert json.loads(done.stdout)["added"] == alone.changes.added == 48
    check_same(root, local, tmp_path)
    recorded = [ClusterCommit.read(root / n / "index") for n in NODES]
    assert all(c == recorded[0] for c in recorded) and recorded[0].commit == 1

    archive(days, range(4, 6))  # new
    (days / "day0.jsonl").unlink()  # pruned
    text = (days / "day1.jsonl").read_text("utf-8")
    (days / "day1.jsonl").write_text(text.replace(WORDS[0], WORDS[2]), "utf-8")  # changed
    again = index(nodes, str(days), "--prune")
    assert again.returncode == 0, again.stderr
    alone = run_index([days], local, IndexOptions(prune=True, jobs=1))
    found = json.loads(again.stdout)
    assert (found["added"], found["removed"], found["updated"]) == (
        alone.changes.added,
        alone.changes.removed,
        alone.changes.updated,
    )
    assert found["removed"] == 12 and found["added"] == 24
    check_same(root, local, tmp_path)

    cluster, _, _ = nodes
    removed = run_cli("remove", "a20", "nothing", "--cluster", cluster.address)
    assert removed.returncode == 1 and "nothing" in removed.stderr
    SearchIndex.open(local).remove(["a20"])
    check_same(root, local, tmp_path)
    assert ClusterCommit.read(root / "a" / "index").commit == 3

    nowhere = index(nodes, str(days), "--index", "other", "--shards", "5")
    assert nowhere.returncode == 2 and nowhere.stdout == ""
    said = [line for line in nowhere.stderr.splitlines() if line.startswith("searcharc:")]
    assert "Traceback" not in nowhere.stderr and said == [
        "searcharc: no node of the cluster holds shard 4: start one with "
        """ray start --resources '{"searcharc-shard-4": 1}'"""
    ]


def test_a_damaged_replica_is_repaired_from_a_healthy_one(nodes, shared, tmp_path):
    """`searcharc cluster repair`: a replica's damaged file is copied again from the other
    replica of its shard; both are byte copies again, and the cluster answers as before."""
    cluster, root, _ = nodes
    damaged = next(folders(root, 1)[1].glob("*.pst"))
    data = bytearray(damaged.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 100] = bytes(100)
    damaged.write_bytes(bytes(data[: damaged.stat().st_size]))
    done = run_cli("cluster", "repair", "--cluster", cluster.address)
    assert done.returncode == 0, done.stdout + done.stderr
    # which replica a node's folder serves is Ray's placement: either may be the damaged one
    assert re.match(r"shard 1 replica (\d): repaired from replica (?!\1)\d \(1 files", done.stdout)
    check_same(root, shared["local"], tmp_path)
    again = run_cli("cluster", "repair", "--cluster", cluster.address)
    assert again.returncode == 0 and again.stdout == "every replica whole\n", again.stdout


def test_indexing_while_serving_answers_from_one_commit_then_the_next(nodes, shared, tmp_path):
    import threading
    import time

    cluster, _, _ = nodes
    days, local = shared["days"], shared["local"]
    served = SearchIndex.connect(cluster.address, "index")
    before = ranked(served, QUERIES)
    assert same_ranking(before, search(local))
    archive(days, range(6, 12), size=40)
    run = threading.Thread(target=lambda: index(nodes, str(days)))
    run.start()
    during = []
    while run.is_alive():
        during.append(ranked(served, QUERIES))
    run.join()
    run_index([days], local, IndexOptions(jobs=1))
    after = search(local)
    deadline = time.monotonic() + 10
    while not same_ranking(ranked(served, QUERIES), after):  # once the nodes know the commit
        assert time.monotonic() < deadline, "the new commit is not served"
        time.sleep(0.2)
    assert any(int(h[1:]) >= 240 for q in after for h, _ in q)  # the new articles among them
    assert during
    for answers in during:  # each answer of one commit: the one before, or the new one
        for answer, old, new in zip(answers, before, after, strict=True):
            assert same_ranking([answer], [old]) or same_ranking([answer], [new])
    print(f"{len(during)} rounds of answers during the run")
    served.close()


def test_a_node_killed_mid_index_loses_nothing_and_the_next_run_finishes(
    nodes, tmp_path, monkeypatch
):
    from searcharc.cluster import placement, remote
    from searcharc.cluster.connect import connect

    monkeypatch.setitem(remote.TIMEOUTS, "write", 5.0)  # a write queued to a primary gone
    connect(nodes[0].address)
    with contextlib.suppress(SearcharcError):  # a node's shard resource holds one replica:
        placement.stop("index")  # the other test's index makes way for this one
    from searcharc.progress import Progress

    cluster, root, started = nodes
    days, local = archive(tmp_path / "archive", range(3)), tmp_path / "local"
    options = IndexOptions(shards=SHARDS, jobs=1)
    remote.index([days], cluster.address, "killed", options)
    run_index([days], local, options)
    archive(days, range(3, 10), size=40)

    primary = ray.get_actor("killed/shard-2/replica-0", namespace="searcharc")
    where = ray.get(primary.__ray_call__.remote(lambda replica: replica.folder()))
    victim = where.relative_to(root).parts[0]  # the node of shard 2's primary

    class Killing(Progress):
        count = 0

        def indexed(self) -> None:
            self.count += 1
            if self.count == 150:  # the node of shard 2's primary goes
                assert kill_node(cluster, started[victim], root / victim)

    with pytest.raises(SearcharcError) as failed:
        remote.index([days], cluster.address, "killed", IndexOptions(jobs=1), progress=Killing())
    assert "\n" not in str(failed.value) and "shard" in str(failed.value)
    recorded = ClusterCommit.read(root / "a" / "killed")
    assert recorded.commit == 1  # nothing recorded: each replica still holds that commit
    for replica in (0, 1):
        at = pinned_view(
            tmp_path / f"pinned{replica}", folders(root, replica, "killed"), recorded.generations
        )
        assert same_ranking(search(at), search(local))
    shutil.rmtree(root / victim)  # a new machine takes its place: the same shards, no folder
    started[victim] = add_ray_node(cluster, root.parent, victim)
    run, lagging = remote.index([days], cluster.address, "killed", IndexOptions(jobs=1))
    assert lagging == []
    run_index([days], local, IndexOptions(jobs=1))
    check_same(root, local, tmp_path, "killed")
