"""What --semantic costs (by hand, never in CI): embedding articles/s, the index's size with
vectors, and a query's p50/p95 with and without it, beside the model's own encoding of the
query, all in one run.

    nice -n 10 .venv/bin/python bench/semantic_speed.py --index /tmp/yours/idx30k --sample 2000

The index is a copy of the bench's (``cp -r /tmp/bulkbench/idx30k /tmp/yours/``: it gets
vectors). ``--sample N`` embeds N of its articles (chunks of `searcharc embed` spread evenly
over the segments, through its own functions: ``pending``, ``texts`` and ``Unsaved``), so that a sample of
the 30k stands for the whole (a query's cost does not depend on how many articles have a
vector: it reads the 100 it re-ranks). Then each query of the bench's queries file runs
warm, interleaved: plain, --semantic, and the model's encoding of it alone.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from stats import percentile

from searcharc import SearchIndex
from searcharc.analysis import embedding
from searcharc.index import embedding as job


def embed_sample(path: Path, sample: int) -> tuple[int, float]:
    """Embed about ``sample`` articles of chunks spread over the index; (articles, seconds)."""
    work = [p for folder in job.folders(path) for p in job.pending(folder)]
    wanted = max(1, sample // job.CHUNK)
    step = max(1, len(work) // wanted)
    chosen = work[::step][:wanted]
    embedding.model()  # loaded before the clock
    started = time.perf_counter()
    unsaved = job.Unsaved(path)
    for part in chosen:
        read = job.texts(part)
        batches = [read[s : s + job.BATCH] for s in range(0, len(read), job.BATCH)]
        rows = [v for batch in batches for v in embedding.passage_vectors(batch)]
        unsaved.add(part, rows)
        unsaved.save()
    return unsaved.count, time.perf_counter() - started


def timed(run) -> float:
    started = time.perf_counter()
    run()
    return (time.perf_counter() - started) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--sample", type=int, default=2000)
    parser.add_argument("--queries", type=Path, default=Path("/tmp/bulkbench/queries.txt"))
    parser.add_argument("--runs", type=int, default=200, help="queries timed")
    args = parser.parse_args()
    index = SearchIndex.open(args.index)
    if index.stats().vectors < args.sample:
        done, seconds = embed_sample(args.index, args.sample - index.stats().vectors)
        print(
            f"embedded {done} articles in {seconds:.0f} s: {done / seconds:.2f} articles/s "
            f"(one process, one model thread; load average {os.getloadavg()[0]:.1f})"
        )
    index = SearchIndex.open(args.index)
    stats = index.stats()
    print(
        f"index: {stats.documents} articles, {stats.vectors} with a vector; "
        f"{stats.size_bytes / 1e6:.1f} MB on disk, of which vectors {stats.vector_bytes / 1e6:.2f} MB "
        f"({stats.vector_bytes / max(1, stats.vectors):.0f} bytes an article)"
    )
    queries = [q.strip() for q in args.queries.read_text("utf-8").splitlines() if q.strip()]
    queries = queries[: args.runs]
    for query in queries[:20]:  # warm: the model, the segments' tables, the page cache
        index.search(query, semantic=True)
        index.search(query)
    plain, meant, encode = [], [], []
    for query in queries:
        plain.append(timed(lambda q=query: index.search(q)))
        meant.append(timed(lambda q=query: index.search(q, semantic=True)))
        encode.append(timed(lambda q=query: embedding.query_vector(q)))
    print(
        f"{len(queries)} queries of {args.queries}, top 10 with snippets, warm, interleaved; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    print(f"{'':28} {'p50 ms':>8} {'p95 ms':>8}")
    for name, values in (
        ("plain", plain),
        ("--semantic", meant),
        ("the model's query encoding", encode),
    ):
        print(f"{name:28} {percentile(values, 50):8.1f} {percentile(values, 95):8.1f}")
    added = percentile(meant, 50) - percentile(plain, 50)
    bound = percentile(encode, 50) + 15
    print(
        f"added p50 {added:.1f} ms; target ≤ encoding p50 + 15 ms = {bound:.1f} ms: "
        f"{'met' if added <= bound else 'missed'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
