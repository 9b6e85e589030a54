"""Batches of whole news titles without snippets, searcharc against SQLite FTS5 with one column
in memory (by hand, not in CI): issue 25's "as a new user would" comparison.

    .venv/bin/python bench/titles_batch.py \
        --index /tmp/i25scale/index-30000 --archive /tmp/i25scale/archive-30000 \
        --queries /tmp/i25scale/queries-title.txt

searcharc: `searcharc query --batch FILE` writing a TREC run (top 10 ids and scores, no
snippets), each query's time the gap between the arrival of its lines and of the previous
query's (a query without a hit writes none: its time goes to the next). FTS5: the archive's articles (title and text as one column) in an
in-memory database, each query the OR of its words ranked by bm25, top 10 ids, timed in
this process. Both after 20 warm-up queries, alternated for --rounds rounds; prints
p50, p95 and mean of each (ms), their ratios and the load average.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import scale
import speed
from stats import percentile

from searcharc.analysis.tokenize import spans


def searcharc_latencies(index: Path, queries: list[str]) -> list[float]:
    """Seconds a query of a `searcharc query --batch` TREC run, from its lines' arrivals."""
    lines = [f"w{n}\t{q}" for n, q in enumerate(queries[: speed.WARMUP])]
    lines += [f"q{n}\t{q}" for n, q in enumerate(queries)]
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".txt") as batch:
        batch.write("\n".join(lines) + "\n")
        batch.flush()
        command = [*speed.SEARCHARC, "query", "--batch", batch.name, "--index", str(index)]
        env = speed.CHILD_ENV | {"PYTHONUNBUFFERED": "1"}
        arrivals: dict[str, float] = {}
        with subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env) as proc:
            for line in proc.stdout:
                arrivals.setdefault(line.split(" ", 1)[0], time.perf_counter())
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{command[:3]}: exit {proc.returncode}")
    times = [t for qid, t in arrivals.items() if qid.startswith("q")]
    before = max(t for qid, t in arrivals.items() if qid.startswith("w"))
    return [b - a for a, b in zip([before, *times], times, strict=False)]


def fts5(archive: Path) -> sqlite3.Connection:
    """The archive's articles in an in-memory FTS5 table of one column (and the id)."""
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, text)")
    rows = ((a.id, f"{a.title}\n{a.body}") for a in scale.archive_articles(archive))
    db.executemany("INSERT INTO docs VALUES (?, ?)", rows)
    db.commit()
    return db


def fts5_latencies(db: sqlite3.Connection, queries: list[str]) -> list[float]:
    """Seconds a query: the OR of its words (quoted), top 10 by bm25."""
    sql = "SELECT id FROM docs WHERE docs MATCH ?"
    sql += " ORDER BY bm25(docs) LIMIT 10"
    found = []
    for n, query in enumerate(queries[: speed.WARMUP] + queries):
        words = " OR ".join('"' + query[s:e].replace('"', "") + '"' for s, e in spans(query))
        start = time.perf_counter()
        db.execute(sql, (words,)).fetchall()
        if n >= speed.WARMUP:
            found.append(time.perf_counter() - start)
    return found


def summary(times: list[float]) -> dict[str, float]:
    return {
        "p50": percentile(times, 50) * 1000,
        "p95": percentile(times, 95) * 1000,
        "mean": statistics.mean(times) * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--archive", type=Path, required=True, help="what the index holds")
    parser.add_argument("--queries", type=Path, required=True, help="one title a line")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    queries = [q for q in args.queries.read_text("utf-8").splitlines() if q.strip()]
    load = [os.getloadavg()[0]]
    db = fts5(args.archive)
    times: dict[str, list[float]] = {"searcharc": [], "fts5": []}
    for _ in range(args.rounds):
        times["searcharc"] += searcharc_latencies(args.index, queries)
        times["fts5"] += fts5_latencies(db, queries)
    load.append(os.getloadavg()[0])
    ours, theirs = summary(times["searcharc"]), summary(times["fts5"])
    print(f"{len(queries)} titles x {args.rounds} rounds, load {load[0]:.2f}-{load[1]:.2f}")
    for key in ("p50", "p95", "mean"):
        ratio = ours[key] / theirs[key]
        print(f"{key}: searcharc {ours[key]:.1f} ms, FTS5 {theirs[key]:.1f} ms, ÷ {ratio:.2f}×")


if __name__ == "__main__":
    main()
