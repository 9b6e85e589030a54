"""The index's shards as Ray actors against the local worker processes (by hand, not in CI).

    .venv/bin/python bench/cluster.py --index /tmp/bulkbench/idx300k8 \\
        --queries /tmp/bulkbench/queries.txt [--count 100] [--nodes 1,2,3] [--kills 3]

All on this host, with ``ray.cluster_utils``: a head that holds no shard and nodes that each
hold every shard (their SEARCHARC_CLUSTER_DIR points at links to the index's shard folders:
one copy on disk, one page cache). It measures, in this run:

1. per-query overhead: the same queries through the Python API on the local backend (shard 0
   in this process, the others in worker processes) and on one node of the cluster (one
   replica a shard), alternated query by query; p50/p95 of each and of the paired difference;
   and a round of calls that do nothing, one to each replica (a query makes 4 or 5 rounds);
2. fail-over: with two nodes (two replicas a shard), queries back to back while one node's
   replica processes are SIGKILLed and the node removed; the time of the query that was in
   flight, over --kills kills (a node added back between two), p50 and max;
3. memory: the resident memory of each node's replica processes (their shards open);
4. requests/s against the number of nodes (one replica a shard on each), with as many client
   threads as nodes, each with its own coordinator.

One host has 2 cores here: the nodes share them (and the page cache), so requests/s cannot
grow with nodes as it would with a machine each; the load average is printed with each part.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import tempfile
import threading
import time
from pathlib import Path

import ray
from ray.cluster_utils import Cluster
from stats import percentile

from searcharc.cluster import keep_output_clean, placement
from searcharc.cluster.writing import ClusterCommit
from searcharc.index import shards
from searcharc.search.searcher import SearchIndex

INDEX = "index"


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def summary(name: str, seconds: list[float]) -> str:
    ms = [s * 1000 for s in seconds]
    return f"{name}: p50 {percentile(ms, 50):.1f} ms, p95 {percentile(ms, 95):.1f} ms ({len(ms)})"


class Bench:
    """A cluster on this host whose nodes hold every shard of one index."""

    def __init__(self, index: Path, root: Path):
        self.index, self.root = index, root
        self.count = shards.count(index)
        self.cluster = Cluster(
            initialize_head=True,
            head_node_args={
                "num_cpus": 0,
                "temp_dir": str(root / "ray"),
                "include_dashboard": False,
            },
        )
        self.nodes: list = []
        self.added = 0

    def add_node(self) -> None:
        folder = self.root / f"node{self.added}" / INDEX
        folder.mkdir(parents=True)
        for i, path in enumerate(shards.shard_paths(self.index, self.count)):
            (folder / f"shard-{i}").symlink_to(path.resolve())
        recorded = shards.generations(self.index, self.count)
        if None not in recorded:  # the index's last commit, as a cluster run records it
            ClusterCommit(self.count, 1, 1, recorded).write(folder)
        self.added += 1
        self.nodes.append(
            self.cluster.add_node(
                num_cpus=1,
                resources={placement.resource(i): 1 for i in range(self.count)},
                env_vars={"SEARCHARC_CLUSTER_DIR": str(folder.parent)},
            )
        )

    def infos(self) -> list[dict]:
        asked = [p.handle.info.remote() for p in placement.found(INDEX)]
        ready, _ = ray.wait(asked, num_returns=len(asked), timeout=10)
        found = []
        for answer in ready:
            try:
                found.append(ray.get(answer))
            except ray.exceptions.RayError:
                continue
        return found

    def kill(self, node) -> None:
        for info in self.infos():
            if info["node"] == node.node_id:
                os.kill(info["pid"], signal.SIGKILL)
        self.nodes.remove(node)
        self.cluster.remove_node(node, allow_graceful=False)

    def close(self) -> None:
        ray.shutdown()
        self.cluster.shutdown()


def timed(index: SearchIndex, query: str) -> float:
    started = time.perf_counter()
    index.search(query)
    return time.perf_counter() - started


def empty_round(placed: list) -> float:
    """A call to each replica that reads only a small file: what Ray costs a round."""
    started = time.perf_counter()
    ray.get([p.handle.manifest.remote() for p in placed])
    return time.perf_counter() - started


def overhead(bench: Bench, queries: list[str]) -> None:
    local = SearchIndex.open(bench.index)
    placement.ensure(INDEX, bench.count, 1)
    clustered = SearchIndex.connect(bench.cluster.address, INDEX)
    for query in queries[:10]:  # warm both: the page cache, the workers
        local.search(query), clustered.search(query)
    pairs = [(timed(local, q), timed(clustered, q)) for q in queries]
    rounds = [empty_round(placement.found(INDEX)) for _ in range(200)]
    print(f"1. per-query overhead, {bench.count} shards, {len(queries)} queries ({load()})")
    print("   " + summary("local worker processes", [a for a, _ in pairs]))
    print("   " + summary("Ray actors, one node", [b for _, b in pairs]))
    print("   " + summary("difference (Ray - local)", [b - a for a, b in pairs]))
    print("   " + summary(f"a round of {bench.count} calls that do nothing (Ray)", rounds))
    local.close()


def failover(bench: Bench, queries: list[str], kills: int) -> None:
    bench.add_node()
    placement.ensure(INDEX, bench.count, 2)
    index = SearchIndex.connect(bench.cluster.address, INDEX)
    in_flight = []
    for _ in range(kills):
        done: list[tuple[float, float]] = []
        stop = threading.Event()

        def loop(done=done, stop=stop) -> None:
            while not stop.is_set():
                for q in queries[:20]:
                    started = time.monotonic()
                    index.search(q)
                    done.append((started, time.monotonic()))

        runner = threading.Thread(target=loop)
        runner.start()
        time.sleep(1.0)
        killed_at = time.monotonic()
        bench.kill(bench.nodes[-1])
        time.sleep(1.0)
        stop.set()
        runner.join()
        in_flight.append(max(e - s for s, e in done if e >= killed_at))
        bench.add_node()  # Ray restarts the lost replicas there
        time.sleep(5.0)
    ms = [t * 1000 for t in in_flight]
    print(f"2. fail-over, {kills} nodes killed mid-query ({load()})")
    print(f"   the query in flight: p50 {statistics.median(ms):.0f} ms, max {max(ms):.0f} ms")


def memory(bench: Bench) -> None:
    by_node: dict[str, int] = {}
    for info in bench.infos():
        with open(f"/proc/{info['pid']}/status") as status:
            rss = next(int(line.split()[1]) for line in status if line.startswith("VmRSS"))
        by_node[info["node"][:8]] = by_node.get(info["node"][:8], 0) + rss
    print("3. resident memory of each node's replica processes")
    for node, kb in sorted(by_node.items()):
        print(f"   node {node}: {kb / 1024:,.0f} MB")


def throughput(bench: Bench, queries: list[str], nodes: list[int]) -> None:
    print(f"4. requests/s against nodes (a client thread a node, {len(queries)} queries each)")
    for count in nodes:
        while len(bench.nodes) < count:
            bench.add_node()
        placement.ensure(INDEX, bench.count, count)
        clients = [SearchIndex.connect(bench.cluster.address, INDEX) for _ in range(count)]
        for client in clients:
            client.search(queries[0])
        started = time.perf_counter()
        threads = [
            threading.Thread(target=lambda c=c: [c.search(q) for q in queries]) for c in clients
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        rate = count * len(queries) / (time.perf_counter() - started)
        print(f"   {count} node(s): {rate:.1f} requests/s ({load()})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--queries", type=Path, required=True)
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--nodes", default="1,2,3")
    parser.add_argument("--kills", type=int, default=3)
    args = parser.parse_args()
    lines = [line.split("\t")[-1] for line in args.queries.read_text("utf-8").splitlines()]
    queries = [q for q in lines if q.strip()][: args.count]
    root = Path(tempfile.mkdtemp(prefix="sa-bench-", dir="/tmp"))
    bench = Bench(args.index, root)
    try:
        bench.add_node()
        keep_output_clean()  # Ray's own messages (a node's death) on standard error
        ray.init(address=bench.cluster.address, namespace=placement.NAMESPACE)
        overhead(bench, queries)
        failover(bench, queries, args.kills)
        placement.ensure(INDEX, bench.count, 2)  # every replica restarted, its shard open
        memory(bench)
        placement.stop(INDEX)
        throughput(bench, queries[:30], [int(n) for n in args.nodes.split(",")])
    finally:
        bench.close()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
