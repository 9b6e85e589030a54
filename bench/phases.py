"""Where a ranked query's CPU goes, phase by phase (by hand, not in CI).

    .venv/bin/python bench/phases.py --index /tmp/i25scale/index-300000 \
        --queries /tmp/i25scale/queries-title.txt

Runs every query of the file through ``SearchIndex.search`` (top 10 with snippets, the
postings cache on, after --warmup queries) and prints the mean CPU a query (process time:
less noisy than wall time on a shared machine), and the part of it each phase of
``bulk.rank`` took: plan (statistics and bounds), essential (clauses read whole), seed and
skim (clauses read for candidates), finish; then the proximity re-rank, and Whoosh's own
search (query shapes the bulk ranking leaves to it: phrases). The rest is parsing, hits and
snippets. Also the postings cache's hits and misses.
"""

from __future__ import annotations

import argparse
import functools
import time
from collections import defaultdict
from pathlib import Path

from searcharc import SearchIndex
from searcharc.search import candidates
from searcharc.search.bulk import cache, topk

SPENT: defaultdict[str, float] = defaultdict(float)


def timed(module, name: str, label: str) -> None:
    """``module.name`` replaced by itself, its CPU time added to ``SPENT[label]``."""
    call = getattr(module, name)

    @functools.wraps(call)
    def clocked(*args, **kwargs):
        start = time.process_time()
        try:
            return call(*args, **kwargs)
        finally:
            SPENT[label] += time.process_time() - start

    setattr(module, name, clocked)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--queries", type=Path, required=True, help="one query a line")
    parser.add_argument("--warmup", type=int, default=20)
    args = parser.parse_args()
    for name, label in [("_essential", "essential"), ("_seed", "seed"), ("_skim", "skim")]:
        timed(topk, name, label)
    timed(topk, "_finish", "finish")
    timed(topk.planning, "plan", "plan")
    timed(candidates, "reranked", "rerank")
    timed(candidates, "whoosh_candidates", "whoosh")
    index = SearchIndex.open(args.index)
    queries = [q for q in args.queries.read_text("utf-8").splitlines() if q.strip()]
    for query in queries[: args.warmup]:
        index.search(query)
    SPENT.clear()
    start = time.process_time()
    for query in queries:
        index.search(query)
    each = 1000 / len(queries)
    print(f"{len(queries)} queries, CPU a query {(time.process_time() - start) * each:.1f} ms:")
    for label, seconds in sorted(SPENT.items(), key=lambda item: -item[1]):
        print(f"  {label:10} {seconds * each:6.1f} ms")
    found = cache.CACHE
    print(f"postings cache: {found.hits} hits, {found.misses} misses, {found.size >> 20} MB")


if __name__ == "__main__":
    main()
