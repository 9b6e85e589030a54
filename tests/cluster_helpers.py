"""What the cluster tests share: an index's replicas as folders of a few "nodes" on this host
(``ShardFiles`` called in this process, for the plain tests), a sharded view of a set of shard
folders (searched by the local sharded backend), archives of JSONL days, and comparisons."""

from __future__ import annotations

import json
import math
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from test_segments import write_batch

from searcharc.cluster.indexing import Cluster, last_commit
from searcharc.cluster.writing import ShardFiles
from searcharc.errors import SearcharcError
from searcharc.index import shards
from searcharc.search.searcher import SearchIndex

NODES = ("a", "b", "c")
SHARDS = 4


def holders(shard: int, replicas: int = 2) -> list[str]:
    """The nodes that hold a shard: 4 shards on 3 nodes, each on 2 (shard i on i, i+1 mod 3)."""
    return [NODES[(shard + r) % len(NODES)] for r in range(replicas)]


@dataclass
class Done:
    """A call already answered (a ``Call``), or its error."""

    value: object = None
    error: SearcharcError | None = None

    def result(self) -> object:
        if self.error is not None:
            raise self.error
        return self.value


class LocalReplica:
    """A replica whose ``ShardFiles`` is called in this process; ``fail`` makes a method fail
    (a node killed: ``fail["write"] = 3`` lets three writes through)."""

    def __init__(self, folder: Path, shard: int, replica: int):
        self.shard, self.replica = shard, replica
        self.shard_files = ShardFiles(folder)
        self.fail: dict[str, int] = {}

    def files(self, method: str, args: tuple) -> object:
        if method in self.fail:
            if self.fail[method] <= 0:
                self.shard_files.cancel()  # its node's process died, its batch with it
                raise SearcharcError(f"shard {self.shard} replica {self.replica}: node gone")
            self.fail[method] -= 1
        return self.shard_files.files(method, args)

    def submit(self, method: str, args: tuple) -> Done:
        try:
            return Done(self.files(method, args))
        except SearcharcError as exc:
            return Done(error=exc)


def folder(root: Path, node: str, shard: int, name: str = "index") -> Path:
    return root / node / name / f"shard-{shard}"


def local_cluster(root: Path, name: str = "index", replicas: int = 2) -> Cluster:
    """The index ``name`` on the nodes under ``root``, as a coordinator finds it."""
    found = [
        [LocalReplica(folder(root, node, i, name), i, r) for r, node in enumerate(holders(i))]
        for i in range(SHARDS)
    ]
    states = [r.files("state", ()) for rs in found for r in rs]
    return Cluster(name, found, last_commit(states))


def view(path: Path, folders: list[Path]) -> Path:
    """A sharded index folder whose shards are ``folders`` (links)."""
    path.mkdir(parents=True)
    (path / shards.SHARDS_FILE).write_text(json.dumps({"shards": len(folders)}))
    for i, shard in enumerate(folders):
        (path / f"shard-{i}").symlink_to(shard, target_is_directory=True)
    return path


def archive(path: Path, days: range, size: int = 12) -> Path:
    """JSONL days of ``size`` articles each (``write_batch``: the same day, the same text)."""
    path.mkdir(parents=True, exist_ok=True)
    for day in days:
        write_batch(path / f"day{day}.jsonl", range(size * day, size * day + size), day)
    return path


def ranked(index: SearchIndex, queries: list[str]) -> list[list[tuple[str, float]]]:
    return [[(h.id, h.score) for h in index.search(q, limit=50).hits] for q in queries]


def same_ranking(a: list[list[tuple[str, float]]], b: list[list[tuple[str, float]]]) -> bool:
    return all(
        [i for i, _ in x] == [i for i, _ in y]
        and all(math.isclose(s, t, rel_tol=1e-9) for (_, s), (_, t) in zip(x, y, strict=True))
        for x, y in zip(a, b, strict=True)
    ) and len(a) == len(b)


def ray_nodes(
    tmp: Path, ray_dir: Path, cluster_class, replicas: int = 2
) -> tuple[object, dict[str, object]]:
    """A Ray cluster on this host (``ray.cluster_utils.Cluster``, its files in ``ray_dir``: a
    short path, for its sockets): a head that holds no shard and the NODES, each with its own
    SEARCHARC_CLUSTER_DIR and the resources of the shards it holds (``holders``). The cluster,
    and its nodes by name."""
    cluster = cluster_class(
        initialize_head=True,
        head_node_args={
            "num_cpus": 1,
            "temp_dir": str(ray_dir),
            # a node killed is found dead within about a second (Ray's default: 15 s or more)
            "_system_config": {"health_check_period_ms": 300, "health_check_failure_threshold": 3},
        },
    )
    nodes = {name: add_ray_node(cluster, tmp, name, replicas) for name in NODES}
    cluster.wait_for_nodes()
    return cluster, nodes


def add_ray_node(cluster, tmp: Path, name: str, replicas: int = 2, folder_name: str = ""):
    """Node ``name`` (its folders under tmp/nodes/<folder_name or name>)."""
    held = [i for i in range(SHARDS) if name in holders(i, replicas)]
    root = tmp / "nodes" / (folder_name or name)
    root.mkdir(parents=True, exist_ok=True)
    return cluster.add_node(
        num_cpus=1,
        resources={f"searcharc-shard-{i}": 1 for i in held},
        env_vars={"SEARCHARC_CLUSTER_DIR": str(root)},
    )


def kill_node(cluster, node, folder: Path) -> list[int]:
    """A machine dies: every process of the node (its raylet and its actors: those started with
    its SEARCHARC_CLUSTER_DIR) SIGKILLed, then the node removed from the cluster."""
    import os
    import signal

    mark = f"SEARCHARC_CLUSTER_DIR={folder}".encode()
    killed = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and mark in (entry / "environ").read_bytes().split(b"\0"):
                os.kill(int(entry.name), signal.SIGKILL)
                killed.append(int(entry.name))
        except (OSError, ProcessLookupError):
            continue
    cluster.remove_node(node, allow_graceful=False)
    import ray

    while any(n["NodeID"] == node.node_id and n["Alive"] for n in ray.nodes()):
        time.sleep(0.2)  # until the head knows it dead (then Ray restarts its actors elsewhere)
    return killed


def pinned_view(path: Path, folders: list[Path], generations: list[int]) -> Path:
    """A sharded index of copies of one commit of each shard folder (what a reader of that
    cluster commit reads, whatever the folders committed since)."""
    from searcharc.cluster import replication

    copies = []
    for i, (shard, generation) in enumerate(zip(folders, generations, strict=True)):
        copy = path.parent / f"{path.name}-shard-{i}"
        copy.mkdir(parents=True)
        for name in replication.committed(shard, generation):
            shutil.copyfile(shard / name, copy / name)
        copies.append(copy)
    return view(path, copies)
