"""One index against the same articles in shards (by hand, not in CI).

    .venv/bin/searcharc index /work/shared/data/saudinewsnet/*.zip --index /tmp/snn1
    .venv/bin/searcharc index /work/shared/data/saudinewsnet/*.zip --index /tmp/snn2 --shards 2
    .venv/bin/python bench/shards.py --one /tmp/snn1 --sharded /tmp/snn2 [--queries 200]

Queries are whole titles of the index (seeded), as bench/topk.py picks them. Each index answers
them through `searcharc query --batch --jsonl` (top 10 with snippets; shards in worker
processes), the two runs alternated --rounds times; it reports p50/p95 of each query's took_ms
over the rounds, the wall time of each run (worker start-up included) and the ratios sharded
÷ one, all measured in this run; and checks that both give the same hits. Then the cold
one-shot command (shards searched one after the other in the process), median of --cold runs,
and what starting the worker processes costs: opening the sharded index and answering a first
query with workers and without; and, through the Python API, the CPU time a query takes in
this process and in the workers.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from stats import percentile
from topk import make_queries

from searcharc.search.searcher import SearchIndex

SEARCHARC = str(Path(sys.executable).parent / "searcharc")


def batch(index: Path, queries: Path) -> tuple[list[dict], float]:
    """Each query's result object, and the run's wall time (seconds)."""
    started = time.perf_counter()
    done = subprocess.run(
        [SEARCHARC, "query", "--batch", str(queries), "--jsonl", "--index", str(index)],
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - started
    if done.returncode not in (0, 1):
        sys.exit(f"searcharc failed: {done.stderr}")
    return [json.loads(line) for line in done.stdout.splitlines()], wall


def same_but_ties(a: list[dict], b: list[dict]) -> bool:
    """The same scores in order, and the same ids for each score (but the last one's, which
    the cut may split)."""
    if [h["score"] for h in a] != [h["score"] for h in b]:
        return False
    last = a[-1]["score"] if a else None
    groups = ({(h["score"], h["id"]) for h in hits if h["score"] != last} for hits in (a, b))
    return next(groups) == next(groups)


def cold(index: Path, query: str, runs: int) -> float:
    """Median wall time (ms) of `searcharc query` from process start to its end."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(
            [SEARCHARC, "query", query, "--index", str(index)], capture_output=True, check=False
        )
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def first_query(index: Path, query: str, parallel: bool) -> float:
    """Opening the index and answering one query (ms), in a fresh process."""
    code = (
        "import time, sys; t = time.perf_counter()\n"
        "from searcharc.search.searcher import SearchIndex\n"
        f"ix = SearchIndex.open({str(index)!r}, parallel={parallel})\n"
        f"ix.search({query!r})\n"
        "print((time.perf_counter() - t) * 1000)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(done.stdout)


def cpu_seconds(pid: int) -> float:
    """A process's CPU time (user and system), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_split(one: Path, sharded: Path, queries: list[str]) -> dict[str, tuple[float, ...]]:
    """Per query (ms), through the Python API: wall time, CPU of this process, CPU of the
    workers; what the critical path would be on free cores is the larger CPU share."""
    found = {}
    for name, path in (("one", one), ("sharded", sharded)):
        index = SearchIndex.open(path)
        for query in queries[:10]:
            index.search(query)
        shards = index.backend.transport._workers.values() if name == "sharded" else []
        workers = [worker.process.pid for worker in shards]
        cpu, others, wall = time.process_time(), sum(map(cpu_seconds, workers)), time.perf_counter()
        for query in queries:
            index.search(query, suggest=False)
        spent = (
            time.perf_counter() - wall,
            time.process_time() - cpu,
            sum(map(cpu_seconds, workers)) - others,
        )
        found[name] = tuple(1000 * x / len(queries) for x in spent)
        index.close()
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--one", type=Path, required=True, help="the index of one shard")
    parser.add_argument("--sharded", type=Path, required=True, help="the same articles in shards")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--cold", type=int, default=10)
    args = parser.parse_args()
    titles = make_queries(SearchIndex.open(args.one), args.queries)["title"]
    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        query_file = Path(tmp) / "queries.txt"
        query_file.write_text("".join(f"{n}\t{q}\n" for n, q in enumerate(titles)))
        took: dict[str, list[float]] = {"one": [], "sharded": []}
        walls: dict[str, list[float]] = {"one": [], "sharded": []}
        answers: dict[str, list[dict]] = {}
        for _ in range(args.rounds):
            for name, path in (("one", args.one), ("sharded", args.sharded)):
                answers[name], wall = batch(path, query_file)
                took[name] += [a["took_ms"] for a in answers[name]]
                walls[name].append(wall)
                print(f"  {name}: {wall:.1f} s", flush=True)
    pairs = list(zip(answers["one"], answers["sharded"], strict=True))
    same = sum([h["id"] for h in a["hits"]] == [h["id"] for h in b["hits"]] for a, b in pairs)
    alike = sum(same_but_ties(a["hits"], b["hits"]) for a, b in pairs)
    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"{len(titles)} title queries, top 10 with snippets, {args.rounds} rounds alternated")
    print(f"same hits (ids in order): {same}/{len(titles)}; but for the order of equal scores:")
    print(f"{alike}/{len(titles)} (ties between shards go by id, in one index by insertion)")
    print("| measure | one shard | sharded | sharded ÷ one |")
    print("| --- | ---: | ---: | ---: |")
    for label, p in (("p50", 50), ("p95", 95)):
        a, b = percentile(took["one"], p), percentile(took["sharded"], p)
        print(f"| --batch query {label}, ms | {a:.1f} | {b:.1f} | {b / a:.2f}× |")
    a, b = statistics.median(walls["one"]), statistics.median(walls["sharded"])
    print(f"| --batch run wall time, s | {a:.1f} | {b:.1f} | {b / a:.2f}× |")
    query = titles[0]
    a, b = cold(args.one, query, args.cold), cold(args.sharded, query, args.cold)
    print(f"| `searcharc query` cold, median, ms | {a:.0f} | {b:.0f} | {b / a:.2f}× |")
    here = statistics.median(first_query(args.sharded, query, False) for _ in range(3))
    pool = statistics.median(first_query(args.sharded, query, True) for _ in range(3))
    print(f"| open + first query, sharded: in-process / workers, ms | {here:.0f} | {pool:.0f} | |")
    split = {
        name: (*found, found[1] + found[2])
        for name, found in cpu_split(args.one, args.sharded, titles).items()
    }
    labels = ("wall", "CPU, this process", "CPU, worker processes", "CPU, all processes")
    for n, label in enumerate(labels):
        a, b = split["one"][n], split["sharded"][n]
        ratio = f"{b / a:.2f}×" if a else ""
        print(f"| Python API, {label}, ms a query | {a:.1f} | {b:.1f} | {ratio} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
