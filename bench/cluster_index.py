"""Indexing on a Ray cluster against indexing here, and a replica's copy (run by hand):

    python bench/cluster_index.py [DAYS]

The first DAYS (default 3) zips of $SEARCHARC_DATA/saudinewsnet (../shared/data) indexed (1) here, 4 shards,
and (2) on a Ray cluster on this host (a head and 3 nodes, 4 shards x 2 replicas, each shard
on 2 nodes), the same options; then a replica's copy of its primary: one shard copied into an
empty folder in this process (``replication.catch_up``: 64 KiB chunks) and through the
replicas' actors (each chunk a Ray call). Prints the measured seconds and MB/s, with the load
average. One host shows the protocol's cost, not what several machines give: here every node
shares the same cores and disk.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from searcharc.cluster import replication
from searcharc.index.indexing import IndexOptions, run_index

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("SEARCHARC_DATA", ROOT.parent / "shared" / "data")) / "saudinewsnet"
HOLDS = {"a": (0, 2, 3), "b": (0, 1, 3), "c": (1, 2)}  # each of 4 shards on 2 nodes


def folder_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def local_copy(shard: Path, tmp: Path) -> tuple[float, int]:
    """One shard copied into an empty folder in this process: seconds, bytes."""
    sums = replication.Checksums()
    wanted = replication.listing(shard, sums)
    started = time.perf_counter()
    copied = replication.catch_up(
        tmp / "copy" / "shard-0",
        wanted,
        lambda name, offset, size: replication.read_chunk(shard, name, offset, size),
        replication.Checksums(),
        set(),
    )
    return time.perf_counter() - started, copied.bytes


def on_cluster(days: list[Path], tmp: Path) -> None:
    import ray
    from ray.cluster_utils import Cluster

    from searcharc.cluster import placement, remote

    ray_dir = Path(tempfile.mkdtemp(prefix="sa-bench-", dir="/tmp"))
    cluster = Cluster(
        initialize_head=True, head_node_args={"num_cpus": 1, "temp_dir": str(ray_dir)}
    )
    try:
        for name, shards in HOLDS.items():
            cluster.add_node(
                num_cpus=1,
                resources={placement.resource(i): 1 for i in shards},
                env_vars={"SEARCHARC_CLUSTER_DIR": str(tmp / "nodes" / name)},
            )
        started = time.perf_counter()
        run, _ = remote.index(days, cluster.address, "bench", IndexOptions(shards=4, jobs=1))
        print(
            f"cluster: {time.perf_counter() - started:.1f} s ({run.changes.added} added), "
            "4 shards x 2 replicas on 3 nodes, replicas copied, the commit recorded"
        )
        with remote.opened(cluster.address, "bench", 30.0) as found:
            replica = found.replicas[0][1]
            where = ray.get(replica.handle.__ray_call__.remote(lambda r: r.folder()))
            shutil.rmtree(where)
            started = time.perf_counter()
            copied = replica.files("catch_up", (found.replicas[0][0],))
            took = time.perf_counter() - started
        print(
            f"copy through the actors: {copied.bytes / 1e6:.1f} MB in {took:.2f} s "
            f"({copied.bytes / 1e6 / took:.0f} MB/s, {copied.bytes // replication.CHUNK} chunks)"
        )
        placement.stop("bench")
    finally:
        ray.shutdown()
        cluster.shutdown()
        shutil.rmtree(ray_dir, ignore_errors=True)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    days = sorted(DATA.glob("*.zip"))[:count]
    if not days:
        sys.exit(f"no SaudiNewsNet zips under {DATA} (set SEARCHARC_DATA)")
    print(
        f"load average {os.getloadavg()[0]:.1f}; {count} days, {sum(d.stat().st_size for d in days) / 1e6:.1f} MB zipped"
    )
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        started = time.perf_counter()
        run = run_index(days, tmp / "local", IndexOptions(shards=4, jobs=1))
        print(
            f"here: {time.perf_counter() - started:.1f} s ({run.changes.added} added), 4 shards, "
            f"{folder_bytes(tmp / 'local') / 1e6:.1f} MB"
        )
        took, size = local_copy(tmp / "local" / "shard-0", tmp)
        print(
            f"copy in this process: {size / 1e6:.1f} MB in {took:.2f} s ({size / 1e6 / took:.0f} MB/s)"
        )
        on_cluster(days, tmp)
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
