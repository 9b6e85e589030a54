"""Load on `searcharc serve`: requests/s and latency for 1, 4 and 16 clients, and during an
index update (by hand, not in CI; 127.0.0.1 only; every phase is bounded in time).

    .venv/bin/searcharc index /work/shared/data/saudinewsnet/*.zip --index /tmp/snn
    SEARCHARC_DATA=/work/shared/data .venv/bin/python bench/load.py --index /tmp/snn

The index is copied to a temporary folder first (the update phase adds articles to the copy,
then the copy is deleted). Queries are the first one to three words of titles, as in
bench/speed.py. The baseline is the same queries through SearchIndex.search in this process,
without HTTP, measured in the same run: the machine is shared, so ratios hold while times drift.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).parent))
from speed import machine, make_queries, read_articles, zips  # noqa: E402
from stats import percentile  # noqa: E402

from searcharc import SearchIndex  # noqa: E402

BIN = Path(sys.executable).parent
WARM_SECONDS = 4.0  # of queries before the timed ones (the server: half on each endpoint)
UPDATE_ARTICLES = 1000  # articles each update phase adds
MAX_UPDATE_SECONDS = 300
KINDS = {"/api/search": "/api/search?", "HTML page /": "/?"}


@dataclass
class Cell:
    """One phase: what was asked, for how long, and what came back."""

    kind: str
    clients: int
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    note: str = ""


def client(base: str, path: str, queries: list[str], seed: int, until, cell: Cell, lock) -> None:
    """One client on one keep-alive connection, asking until ``until()`` says stop."""
    url = urlsplit(base)
    rng = random.Random(seed)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    found, errors = [], 0
    while not until():
        target = path + urlencode({"q": rng.choice(queries)})
        started = time.perf_counter()
        try:
            conn.request("GET", target)
            response = conn.getresponse()
            response.read()
            ok = response.status == 200
        except (OSError, http.client.HTTPException):
            ok = False
            conn.close()
            conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
        found.append(time.perf_counter() - started)
        errors += not ok
    conn.close()
    with lock:
        cell.latencies += found
        cell.errors += errors


def run_cell(base: str, cell: Cell, queries: list[str], until) -> Cell:
    """``cell.clients`` clients on ``cell.kind`` until ``until()``."""
    lock = threading.Lock()
    started = time.perf_counter()
    threads = [
        threading.Thread(
            target=client, args=(base, KINDS[cell.kind], queries, i, until, cell, lock)
        )
        for i in range(cell.clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    cell.seconds = time.perf_counter() - started
    return cell


def for_seconds(seconds: float):
    deadline = time.monotonic() + seconds
    return lambda: time.monotonic() >= deadline


def baseline(index: Path, queries: list[str], seconds: float) -> Cell:
    """The same queries in this process, one at a time, without HTTP."""
    search_index = SearchIndex.open(index)
    cell = Cell("SearchIndex.search, no HTTP", 1)
    rng = random.Random(0)
    warm = for_seconds(WARM_SECONDS)  # first-use loading and caches, as the server's warm-up
    while not warm():
        search_index.search(rng.choice(queries))
    until = for_seconds(seconds)
    started = time.perf_counter()
    while not until():
        query = rng.choice(queries)
        begun = time.perf_counter()
        search_index.search(query)
        cell.latencies.append(time.perf_counter() - begun)
    cell.seconds = time.perf_counter() - started
    return cell


def start_server(index: Path) -> tuple[subprocess.Popen, str]:
    """`searcharc serve` on 127.0.0.1, a free port; its address."""
    proc = subprocess.Popen(
        [str(BIN / "searcharc"), "serve", "--index", str(index), "--host", "127.0.0.1"]
        + ["--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    line = proc.stdout.readline()
    found = re.search(r"http://127\.0\.0\.1:\d+/", line)
    if not found:
        proc.terminate()
        raise SystemExit(f"load: the server did not start: {line!r}")
    return proc, found.group(0)


def write_update(articles, path: Path, tag: str) -> list[str]:
    """Articles as JSON Lines under new ids (with one more line, so not duplicates); their ids."""
    ids = []
    with path.open("w", encoding="utf-8") as out:
        for a in articles:
            ids.append(f"load-{tag}-{a.id}")
            record = {
                "id": ids[-1],
                "title": a.title,
                "content": f"{a.body}\nتحديث {tag}",
                "source": a.source,
                "date": a.date,
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return ids


def during_update(base: str, copy: Path, cell: Cell, queries: list[str], update: Path) -> Cell:
    """Clients while `searcharc index` adds the articles of ``update`` to the served index."""
    indexer = subprocess.Popen(
        [str(BIN / "searcharc"), "index", str(update), "--index", str(copy), "--jobs", "1"]
        + ["--quiet"],
    )
    deadline = for_seconds(MAX_UPDATE_SECONDS)
    run_cell(base, cell, queries, lambda: indexer.poll() is not None or deadline())
    if indexer.poll() is None:
        indexer.terminate()
        cell.errors += 1
        cell.note = "the update did not finish in time"
    indexer.wait(timeout=60)
    cell.note = cell.note or f"update of {UPDATE_ARTICLES:,} articles: {cell.seconds:.1f} s"
    return cell


def served_after_update(base: str, article_id: str) -> bool:
    """Whether the server, not restarted, serves an article the update added."""
    url = urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    conn.request("GET", "/api/articles/" + quote(article_id, safe=""))
    ok = conn.getresponse().status == 200
    conn.close()
    return ok


def row(cell: Cell, base: Cell) -> str:
    ms = [x * 1000 for x in cell.latencies]
    p50, p95 = percentile(ms, 50), percentile(ms, 95)
    rate = len(ms) / cell.seconds if cell.seconds else 0.0
    ratio = p50 / (percentile(base.latencies, 50) * 1000)
    return (
        f"| {cell.kind} | {cell.clients} | {len(ms):,} | {rate:.1f} | {p50:.1f} | {p95:.1f} | "
        f"{ratio:.2f}× | {cell.errors} | {cell.note} |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True, help="a built index (copied)")
    parser.add_argument("--seconds", type=float, default=8.0, help="each steady phase")
    parser.add_argument("--clients", default="1,4,16")
    parser.add_argument("--update-clients", type=int, default=4)
    parser.add_argument("--queries", type=int, default=500)
    args = parser.parse_args()
    clients = [int(n) for n in args.clients.split(",")]

    about = machine()
    articles = list(read_articles(zips(3)))
    queries = make_queries(articles, args.queries)
    with tempfile.TemporaryDirectory(prefix="searcharc-load-") as tmp:
        copy = Path(tmp) / "index"
        shutil.copytree(args.index, copy)
        updates = {}
        for n, kind in enumerate(KINDS):
            chosen = articles[n * UPDATE_ARTICLES : (n + 1) * UPDATE_ARTICLES]
            path = Path(tmp) / f"update-{n}.jsonl"
            updates[kind] = (path, write_update(chosen, path, str(n)))
        documents = len(SearchIndex.open(copy))
        base = baseline(copy, queries, args.seconds)
        proc, address = start_server(copy)
        try:
            for kind in KINDS:
                run_cell(address, Cell(kind, 1), queries, for_seconds(WARM_SECONDS / len(KINDS)))
            cells = [
                run_cell(address, Cell(kind, n), queries, for_seconds(args.seconds))
                for kind in KINDS
                for n in clients
            ]
            for kind, (path, ids) in updates.items():
                cell = Cell(kind, args.update_clients)
                during_update(address, copy, cell, queries, path)
                if not served_after_update(address, ids[-1]):
                    cell.errors += 1
                    cell.note += "; the new articles were NOT served"
                else:
                    cell.note += "; new articles served after it, no restart"
                cells.append(cell)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    print("\n".join(about))
    print(
        f"index: {documents:,} articles; queries: {len(queries)} (first 1-3 title words); "
        f"{args.seconds:g} s a steady phase; server and clients on this machine, 127.0.0.1"
    )
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print()
    print("| endpoint | clients | requests | req/s | p50 ms | p95 ms | p50 ÷ baseline | errors | |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    print(row(base, base))
    for cell in cells:
        print(row(cell, base))
    return 1 if any(c.errors for c in cells) else 0


if __name__ == "__main__":
    sys.exit(main())
