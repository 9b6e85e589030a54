"""Rank safety at archive scale (by hand): generated queries of every form of the query language
against an index that bench/scale.py built, each page held against tests/rank_oracle.py's oracle
(every match scored with nothing skipped, then the proximity re-rank of the first window).

    .venv/bin/python bench/scale.py --sizes 300000 --peers "" --daily 0 --keep --work W --builds-only
    .venv/bin/python bench/oracle.py --index W/<the 300,000 index> --queries 400

Prints how each query ended (a page checked, nothing to search, refused, a tie at the window's
edge), how often each form was on a checked page, every failure with its query, and the time an
oracle and a search took (p50/p95, bench/stats.py's percentile).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))
from rank_oracle import (  # noqa: E402
    FORMS,
    NEWS_WORDS,
    Options,
    check_page,
    expected,
    generated,
    search_page,  # noqa: E402
)
from stats import percentile  # noqa: E402

from searcharc import SearchIndex  # noqa: E402
from searcharc.errors import SearcharcError  # noqa: E402


def one(index: SearchIndex, query: str, options: Options) -> tuple[str, float, float]:
    """How the query ended, and the seconds its oracle and its search took."""
    started = time.perf_counter()
    try:
        want = expected(index, query, options)
    except SearcharcError:
        return "refused", time.perf_counter() - started, 0.0
    oracle = time.perf_counter() - started
    if want is None:
        return "empty", oracle, 0.0
    if want.ambiguous:
        return "ambiguous", oracle, 0.0
    started = time.perf_counter()
    result = search_page(index, query, options)
    searched = time.perf_counter() - started
    check_page(result, want, options)
    return "page", oracle, searched


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--seed", type=int, default=21)
    args = parser.parse_args()
    index = SearchIndex.open(args.index)
    print(f"index: {args.index} ({len(index):,} articles); load {os.getloadavg()[0]:.1f}")
    rng = random.Random(args.seed)
    outcomes: Counter[str] = Counter()
    covered: Counter[str] = Counter()
    oracles, searches, failures = [], [], []
    started = time.perf_counter()
    for n in range(args.queries):
        if n and n % 20 == 0:
            print(
                f"{n} queries, {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True
            )
        query, options, forms = generated(rng, list(NEWS_WORDS))
        try:
            outcome, oracle, searched = one(index, query, options)
        except AssertionError as failed:
            failures.append(f"{query!r} {options}: {str(failed)[:200]}")
            outcome, oracle, searched = "failed", 0.0, 0.0
        outcomes[outcome] += 1
        if outcome == "page":
            covered.update(forms)
            oracles.append(oracle * 1000)
            searches.append(searched * 1000)
    print(f"{args.queries} queries: {dict(outcomes)}; load {os.getloadavg()[0]:.1f}")
    print("forms on checked pages: " + ", ".join(f"{f} {covered[f]}" for f in FORMS))
    for name, ms in (("oracle", oracles), ("search", searches)):
        if ms:
            print(f"{name}: p50 {percentile(ms, 50):.0f} ms, p95 {percentile(ms, 95):.0f} ms")
    print("\n".join(["failures:", *failures] if failures else ["failures: none"]))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
