"""Top-k evaluation that skips, against reading every posting (by hand, not in CI).

    .venv/bin/searcharc index /work/shared/data/saudinewsnet/*.zip --index /tmp/snn   # once
    .venv/bin/python bench/topk.py --index /tmp/snn [--queries 200]

Queries come from the index's own titles (seeded): whole titles, and two neighbouring words of
a title. For each of --check queries of each kind it checks, in one process, that the hits of
the default search (top 10 with snippets) equal those of `--exact-total`, which reads every
posting: ids, scores, snippets and highlights; and it counts the postings each way decodes and
scores (at the depth the search ranks: the proximity window of 100), without the postings
cache. Then it times --queries of them through `searcharc query --batch --jsonl`, as users
run it: top-k and every posting, each with the postings cache (the default) and without
(SEARCHARC_CACHE_MB=0), and reports p50/p95 of each query's took_ms, and their ratios to
"every posting, no cache" measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

from stats import percentile

from searcharc.analysis.tokenize import spans
from searcharc.search import bulk, planning
from searcharc.search.query import parse_searchable
from searcharc.search.ranking import DEFAULT
from searcharc.search.rerank import RERANK_WINDOW
from searcharc.search.searcher import SearchIndex

SEED = 13
SEARCHARC = str(Path(sys.executable).parent / "searcharc")


def make_queries(index: SearchIndex, count: int) -> dict[str, list[str]]:
    """Whole titles, and two neighbouring words of titles, picked by a seeded RNG."""
    rng = random.Random(SEED)
    with index.backend.ix.searcher() as searcher:
        titles = [f.get("title", "") for f in searcher.all_stored_fields()]
    titles = [t for t in titles if len(list(spans(t))) >= 3]
    two = []
    while len(two) < count:
        words = [w for w in (t[s:e] for t in [rng.choice(titles)] for s, e in spans(t))]
        start = rng.randrange(len(words) - 1)
        two.append(" ".join(words[start : start + 2]))
    return {"title": rng.sample(titles, count), "two-word": two}


def check(index: SearchIndex, queries: list[str]) -> tuple[int, int, dict[str, int]]:
    """Queries whose hits agree both ways, queries with a lower-bound total, postings counts."""
    agree = lower = 0
    counts = dict.fromkeys(("decoded top-k", "decoded all", "scored top-k", "scored all"), 0)
    searcher = index.backend.searcher(DEFAULT)
    bulk.cache.CACHE.budget = 0  # every decode counted
    for text in queries:
        fast = index.search(text, suggest=False)
        slow = index.search(text, suggest=False, exact_total=True)
        assert fast.hits == slow.hits, text
        agree += 1
        lower += not fast.total_exact
        compiled = planning.compiler(searcher, index.meta, DEFAULT, False).compile(
            parse_searchable(text)
        )
        flat = bulk.clauses(compiled.query) if compiled.query is not None else None
        if flat:
            for name, exhaustive in (("top-k", False), ("all", True)):
                ranked = bulk.rank(
                    searcher,
                    flat,
                    RERANK_WINDOW,
                    b=DEFAULT.b,
                    k1=DEFAULT.k1,
                    weak="root",
                    exhaustive=exhaustive,
                )
                counts[f"decoded {name}"] += ranked.decoded
                counts[f"scored {name}"] += ranked.scored
    return agree, lower, counts


WAYS = {  # name → (--exact-total, $SEARCHARC_CACHE_MB)
    "top-k, cache": (False, "64"),
    "every posting, cache": (True, "64"),
    "top-k, no cache": (False, "0"),
    "every posting, no cache": (True, "0"),
}
BASELINE = "every posting, no cache"


def timed(
    index_path: Path, queries: list[str], exact: bool, cache_mb: str
) -> tuple[list[float], float]:
    """Each query's took_ms through `searcharc query --batch --jsonl` (top 10, snippets), and
    the CPU seconds of the whole run (steadier than wall time on a shared machine)."""
    with tempfile.NamedTemporaryFile("w", suffix=".tsv", delete=False, encoding="utf-8") as f:
        f.write("".join(f"{n}\t{q}\n" for n, q in enumerate(queries)))
    command = [SEARCHARC, "query", "--batch", f.name, "--jsonl", "--index", str(index_path)]
    env = {**os.environ, "SEARCHARC_CACHE_MB": cache_mb}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        command + ["--exact-total"] * exact, capture_output=True, text=True, env=env, check=True
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    Path(f.name).unlink()
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return [json.loads(line)["took_ms"] for line in done.stdout.splitlines()], cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--queries", type=int, default=200, help="timed, of each kind")
    parser.add_argument("--check", type=int, default=500, help="checked, of each kind")
    parser.add_argument("--rounds", type=int, default=2, help="timed runs of each way")
    args = parser.parse_args()
    index = SearchIndex.open(args.index)
    print(f"index: {args.index} ({len(index)} articles)")
    for kind, queries in make_queries(index, max(args.check, args.queries)).items():
        print(f"\n{kind} queries")
        if args.check:
            agree, lower, counts = check(index, queries[: args.check])
            print(f"  {agree} of {args.check} agree hit for hit (ids, scores, snippets) with")
            print(f"  --exact-total; {lower} report a lower-bound total")
            for what in ("decoded", "scored"):
                few, every = counts[f"{what} top-k"], counts[f"{what} all"]
                print(
                    f"  postings {what}: top-k {few:,}, every posting {every:,} ({few / every:.2f})"
                )
        took: dict[str, list[float]] = {way: [] for way in WAYS}
        cpu = dict.fromkeys(WAYS, 0.0)
        for _ in range(args.rounds):
            for way, (exact, cache_mb) in WAYS.items():
                found, seconds = timed(args.index, queries[: args.queries], exact, cache_mb)
                took[way] += found
                cpu[way] += seconds
        base = {q: percentile(took[BASELINE], q) for q in (50, 95)}
        for way, values in took.items():
            p50, p95 = percentile(values, 50), percentile(values, 95)
            print(
                f"  {way:<24} p50 {p50:6.1f} ms ({p50 / base[50]:.2f}x)"
                f"  p95 {p95:6.1f} ms ({p95 / base[95]:.2f}x)"
                f"  CPU {cpu[way] / args.rounds:5.1f} s a run ({cpu[way] / cpu[BASELINE]:.2f}x)"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
