"""What exact counting costs a query, and what a trend costs against a search (issue 26).

    .venv/bin/python bench/counting.py --index /tmp/bulkbench/idx300k \
        --queries /tmp/bulkbench/queries.txt                          # counting, in process
    .venv/bin/python bench/counting.py --index … --queries … --trend  # + trend vs --exact-total

Counting: every query through ``SearchIndex.search`` (top 10 with snippets, as bench/scale.py
times the API) with the total counted up to ``counting.TRACK_TOTAL`` (10,000), and without
(the threshold set to 0: the ranking's own lower bound, as before issue 26), each query in
both modes one after the other, the order alternating, after a warm-up pass; p50/p95 of each
and the ratio. Trend: the same words through the product's door, `searcharc trend WORD --json`
against `searcharc query WORD --exact-total --json` (fresh processes, alternating), and five
words in one trend against five such queries; medians. Load average said before and after.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stats import percentile  # noqa: E402

from searcharc import SearchIndex  # noqa: E402
from searcharc.search import counting  # noqa: E402

SEARCHARC = str(Path(sys.executable).parent / "searcharc")


def timed(index: SearchIndex, query: str, threshold: int) -> float:
    """Seconds of one search with the total counted up to ``threshold``."""
    counting.TRACK_TOTAL = threshold
    started = time.perf_counter()
    index.search(query, suggest=False)
    return time.perf_counter() - started


def counting_cost(index: SearchIndex, queries: list[str]) -> dict:
    """p50/p95 (ms) with and without the counting, same queries, same run."""
    real = counting.TRACK_TOTAL
    for query in queries:  # warm-up: postings and term infos read once
        timed(index, query, real)
    runs: dict[str, list[float]] = {"with": [], "without": []}
    for n, query in enumerate(queries):
        order = ("with", "without") if n % 2 else ("without", "with")
        for mode in order:
            runs[mode].append(timed(index, query, real if mode == "with" else 0))
    counting.TRACK_TOTAL = real
    found = {
        mode: {f"p{p}": percentile(times, p) * 1000 for p in (50, 95)}
        for mode, times in runs.items()
    }
    found["ratio_p50"] = found["with"]["p50"] / found["without"]["p50"]
    found["ratio_p95"] = found["with"]["p95"] / found["without"]["p95"]
    return found


def line(cost: dict) -> str:
    """The counting cost in one line."""
    return (
        f"counting up to {counting.TRACK_TOTAL:,}: p50 {cost['with']['p50']:.1f} ms, "
        f"p95 {cost['with']['p95']:.1f} ms; without: p50 {cost['without']['p50']:.1f} ms, "
        f"p95 {cost['without']['p95']:.1f} ms; ratio p50 {cost['ratio_p50']:.2f}×, "
        f"p95 {cost['ratio_p95']:.2f}×"
    )


def wall(command: list[str]) -> float:
    """Seconds of one fresh process (exit 0 or 1: found or not)."""
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, check=False)
    if done.returncode not in (0, 1):
        raise RuntimeError(f"{command[:3]}: exit {done.returncode}: {done.stderr[-300:]!r}")
    return time.perf_counter() - started


def trend_cost(index: Path, words: list[str], rounds: int) -> dict:
    """Median seconds: a one-word trend against that word's --exact-total query, and one
    trend of the five words against their five queries (fresh processes, alternating)."""
    one = {"trend": [], "query": []}
    five = {"trend": [], "queries": []}
    at = ["--index", str(index), "--json"]
    wall([SEARCHARC, "trend", words[0], *at])  # the page cache warmed once
    for n in range(rounds):
        for word in words:
            pair = [("trend", [SEARCHARC, "trend", word, *at])]
            pair.append(("query", [SEARCHARC, "query", word, "--exact-total", *at]))
            for name, command in pair if n % 2 else pair[::-1]:
                one[name].append(wall(command))
        five["trend"].append(wall([SEARCHARC, "trend", *words, *at]))
        five["queries"].append(
            sum(wall([SEARCHARC, "query", w, "--exact-total", *at]) for w in words)
        )
    return {
        "one word (median s)": {k: statistics.median(v) for k, v in one.items()},
        "five words (median s)": {k: statistics.median(v) for k, v in five.items()},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--queries", type=Path, required=True)
    parser.add_argument("--limit", type=int, default=420, help="queries used")
    parser.add_argument("--trend", action="store_true", help="also trend against queries")
    parser.add_argument("--words", default="السعودية,الرياض,اليمن,النفط,الأمير")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    queries = [q for q in args.queries.read_text("utf-8").splitlines() if q.strip()]
    print(f"load average before: {os.getloadavg()}", flush=True)
    index = SearchIndex.open(args.index)
    print(f"{len(index):,} articles, {len(queries[: args.limit])} queries", flush=True)
    if args.limit:
        print(line(counting_cost(index, queries[: args.limit])), flush=True)
    if args.trend:
        found = trend_cost(args.index, args.words.split(","), args.rounds)
        for name, medians in found.items():
            print(name, {k: round(v, 3) for k, v in medians.items()}, flush=True)
    print(f"load average after: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
