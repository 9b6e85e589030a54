"""Speed on the 31,030 SaudiNewsNet articles (run by hand, not in CI).

    python bench/speed.py                 # everything (about 15 minutes on 2 cores)
    python bench/speed.py --queries 1000  # fewer or more queries

Builds our index (--jobs 1 and 2, then an unchanged re-run), a plain Whoosh index with its
default analyzer, SQLite FTS5 and tantivy on the same articles, each in a child process
(for its wall time and peak memory); runs the same queries on each; times the command as a
user runs it. Figures are also given as ratios to the peers, measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("SEARCHARC_DATA", ROOT.parent / "shared" / "data")) / "saudinewsnet"
PY = sys.executable


def records() -> list[dict]:
    """Every SaudiNewsNet record, straight from the zips."""
    out = []
    for path in sorted(DATA.glob("*.zip")):
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                out += json.loads(archive.read(name))
    return out


def child(code: str, *args: str) -> tuple[float, float, str]:
    """Run Python code in a child process: (wall seconds, peak RSS in MB, stdout)."""
    started = time.perf_counter()
    proc = subprocess.Popen([PY, "-c", code, *args], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    out = proc.stdout.read()
    if status:
        raise SystemExit(f"child failed ({status}): {code[:80]}")
    return wall, usage.ru_maxrss / 1024, out


def size_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


OURS = """
import sys
from pathlib import Path
from searcharc.indexing import IndexOptions, run_index
run = run_index([sys.argv[1]], Path(sys.argv[2]), IndexOptions(jobs=int(sys.argv[3])))
print(run.changes.added + run.changes.unchanged + run.changes.updated)
"""
WHOOSH = """
import json, sys, zipfile
from pathlib import Path
from whoosh import index
from whoosh.fields import ID, TEXT, Schema
ix = index.create_in(sys.argv[2], Schema(id=ID(stored=True, unique=True), title=TEXT(stored=True), body=TEXT(stored=True)))
n = 0
with ix.writer(limitmb=256) as w:
    for p in sorted(Path(sys.argv[1]).glob("*.zip")):
        z = zipfile.ZipFile(p)
        for r in json.loads(z.read(z.namelist()[0])):
            w.add_document(id=r["url"], title=r["title"] or "", body=r["content"] or ""); n += 1
print(n)
"""
FTS5 = """
import json, sqlite3, sys, zipfile
from pathlib import Path
db = sqlite3.connect(sys.argv[2] + "/fts.db")
db.execute("CREATE VIRTUAL TABLE a USING fts5(id UNINDEXED, title, body, tokenize='unicode61 remove_diacritics 2')")
n = 0
for p in sorted(Path(sys.argv[1]).glob("*.zip")):
    z = zipfile.ZipFile(p)
    rows = [(r["url"], r["title"] or "", r["content"] or "") for r in json.loads(z.read(z.namelist()[0]))]
    db.executemany("INSERT INTO a VALUES (?, ?, ?)", rows); n += len(rows)
db.commit(); print(n)
"""
TANTIVY = """
import json, sys, zipfile
from pathlib import Path
import tantivy
b = tantivy.SchemaBuilder()
b.add_text_field("id", stored=True); b.add_text_field("title", stored=True); b.add_text_field("body", stored=True)
ix = tantivy.Index(b.build(), path=sys.argv[2])
w = ix.writer(heap_size=256_000_000, num_threads=1)
n = 0
for p in sorted(Path(sys.argv[1]).glob("*.zip")):
    z = zipfile.ZipFile(p)
    for r in json.loads(z.read(z.namelist()[0])):
        w.add_document(tantivy.Document(id=r["url"], title=r["title"] or "", body=r["content"] or "")); n += 1
w.commit(); print(n)
"""


def percentiles(ms: list[float]) -> tuple[float, float, float]:
    q = statistics.quantiles(ms, n=100, method="inclusive")
    return q[49], q[94], q[98]


def time_queries(search, queries: list[str]) -> tuple[float, float, float]:
    ms = []
    for text in queries:
        started = time.perf_counter()
        search(text)
        ms.append((time.perf_counter() - started) * 1000)
    return percentiles(ms)


def peer_searchers(work: Path):
    """Top-10 search functions of the peers (snippets where the engine makes them)."""
    import sqlite3

    from whoosh import index, scoring
    from whoosh.qparser import OrGroup, QueryParser

    ix = index.open_dir(str(work / "whoosh"))
    searcher = ix.searcher(weighting=scoring.BM25F())
    parser = QueryParser("body", ix.schema, group=OrGroup)

    def whoosh_search(text: str):
        return [h["id"] for h in searcher.search(parser.parse(text), limit=10)]

    db = sqlite3.connect(work / "fts" / "fts.db")

    def fts_search(text: str):
        match = " OR ".join('"' + w.replace('"', '""') + '"' for w in text.split())
        sql = "SELECT id, snippet(a, 2, '[', ']', '…', 30) FROM a WHERE a MATCH ? ORDER BY bm25(a) LIMIT 10"
        return db.execute(sql, (match,)).fetchall()

    searchers = {"plain Whoosh": whoosh_search, "SQLite FTS5": fts_search}
    try:
        import tantivy

        tix = tantivy.Index.open(str(work / "tantivy"))
        tsearcher = tix.searcher()

        def tantivy_search(text: str):
            query = tix.parse_query(" ".join(re.findall(r"\w+", text)), ["title", "body"])
            return tsearcher.search(query, 10).hits

        searchers["tantivy"] = tantivy_search
    except ImportError:
        pass
    return searchers


def cold(args: list[str], runs: int = 20) -> float:
    """Median wall time of a fresh `searcharc ...` process, in ms."""
    exe = str(Path(PY).with_name("searcharc"))
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([exe, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=1000)
    args = parser.parse_args()
    if not DATA.is_dir():
        print(f"skipped: no SaudiNewsNet data at {DATA} (set SEARCHARC_DATA)", file=sys.stderr)
        return 0
    corpus = records()
    words = sum(
        len((r.get("title") or "").split()) + len((r.get("content") or "").split()) for r in corpus
    )
    rng = random.Random(2015)
    titles = [r["title"] for r in corpus if len((r.get("title") or "").split()) >= 2]
    queries = [" ".join(t.split()[:2]) for t in rng.sample(titles, args.queries)]
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )
    print(
        f"corpus: {len(corpus):,} records, {words:,} words; {len(queries):,} queries (first two words of titles)\n"
    )

    print(
        f"{'index build':34} {'articles/s':>16} {'words/s':>16} {'wall':>9} {'peak RSS':>9} {'on disk':>22}"
    )

    def row(*cells: str) -> None:
        print(
            f"{cells[0]:34} {cells[1]:>16} {cells[2]:>16} {cells[3]:>9} {cells[4]:>9} {cells[5]:>22}",
            flush=True,
        )

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        builds = {
            "searcharc --jobs 1": (OURS, work / "ours1", "1"),
            "searcharc --jobs 2": (OURS, work / "ours2", "2"),
            "plain Whoosh": (WHOOSH, work / "whoosh", ""),
            "SQLite FTS5": (FTS5, work / "fts", ""),
            "tantivy": (TANTIVY, work / "tantivy", ""),
        }
        build = {}
        for name, (code, path, jobs) in builds.items():
            path.mkdir()
            try:
                wall, rss, _ = child(code, str(DATA), str(path), *([jobs] if jobs else []))
            except SystemExit as exc:
                print(f"{name}: {exc}", flush=True)
                continue
            build[name] = wall
            row(
                f"build: {name}",
                f"{len(corpus) / wall:,.0f} articles/s",
                f"{words / wall:,.0f} words/s",
                f"{wall:,.1f} s",
                f"{rss:,.0f} MB",
                f"{size_mb(path):,.0f} MB",
            )
        wall, rss, _ = child(OURS, str(DATA), str(work / "ours1"), "1")
        ours_build = build["searcharc --jobs 1"]
        row(
            "re-run unchanged",
            "",
            "",
            f"{wall:,.1f} s",
            f"{rss:,.0f} MB",
            f"{wall / ours_build:.1%} of the build",
        )
        for peer in ("plain Whoosh", "SQLite FTS5", "tantivy"):
            if peer in build:
                jobs2 = build.get("searcharc --jobs 2")
                print(
                    f"  build speed vs {peer}: --jobs 1 {build[peer] / ours_build:.2f}x"
                    + (f", --jobs 2 {build[peer] / jobs2:.2f}x" if jobs2 else ""),
                    flush=True,
                )

        from searcharc import SearchIndex

        ours = SearchIndex.open(work / "ours1")
        engines = {
            "searcharc, top 10 + snippets": lambda t: ours.search(t),
            "searcharc, top 10, no snippets": lambda t: ours.search(t, snippets=False),
            **peer_searchers(work),
        }
        print(f"\n{'queries in one process':34} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
        latency = {}
        for name, search in engines.items():
            try:
                latency[name] = time_queries(search, queries)
            except Exception as exc:  # a peer's query syntax: report, go on
                print(f"{name}: failed ({exc})", flush=True)
                continue
            p50, p95, p99 = latency[name]
            print(f"{name:34} {p50:8.2f} {p95:8.2f} {p99:8.2f}", flush=True)
        base = latency["searcharc, top 10 + snippets"][0]
        for peer in ("plain Whoosh", "SQLite FTS5", "tantivy"):
            if peer in latency:
                print(f"  p50, searcharc with snippets / {peer}: {base / latency[peer][0]:.2f}x")

        index_args = ["--index", str(work / "ours1")]
        print(f"\n{'the command, median of 20 cold runs':44} {'ms':>8}")
        commands = {
            'searcharc query "…" (cold process)': lambda: cold(["query", queries[0], *index_args]),
            "searcharc --help": lambda: cold(["--help"]),
            "searcharc --version": lambda: cold(["--version"]),
            "python -c pass": lambda: statistics.median(
                [_timed([PY, "-c", "pass"]) for _ in range(20)]
            ),
        }
        for name, measure in commands.items():
            print(f"{name:44} {measure():8.0f}", flush=True)
    return 0


def _timed(cmd: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(cmd)
    return (time.perf_counter() - started) * 1000


if __name__ == "__main__":
    sys.exit(main())
