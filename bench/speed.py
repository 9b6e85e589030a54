"""Speed on SaudiNewsNet, against peers given the same articles and queries (by hand, not in CI).

    SEARCHARC_DATA=/work/shared/data .venv/bin/python bench/speed.py     # about half an hour
    .venv/bin/python bench/speed.py --days 2 --queries 200 --cold 5       # a quick look

Needs the bench extra (tantivy): pip install -e '.[bench]'. Every build and every query loop runs
in its own child process (this script again, with --worker), so that its peak resident memory is
its own. Ratios are searcharc ÷ peer, measured in the same run: machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

from stats import percentile

from searcharc.analysis.tokenize import spans
from searcharc.ingest import Input, Selection, inputs, read_input
from searcharc.records import Article

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("SEARCHARC_DATA", ROOT.parent / "shared" / "data")) / "saudinewsnet"
BIN = Path(sys.executable).parent
SEARCHARC = [str(BIN / "searcharc")]
PEERS = ("fts5", "tantivy", "whoosh")
NAMES = {
    "searcharc": "searcharc",
    "fts5": "SQLite FTS5",
    "tantivy": "tantivy",
    "whoosh": "Whoosh default",
}
LIMIT = 10
WARMUP = 20  # queries run before the timed ones (first-use loading)
SEED = 6
COLD_QUERY = "مكافحة الإرهاب"


# ---------------------------------------------------------------- inputs


def zips(days: int | None) -> list[Path]:
    """The corpus's daily zip files (the first ``days`` of them)."""
    return sorted(DATA.glob("*.zip"))[:days]


def read_articles(paths: list[Path]) -> Iterator[Article]:
    """Every article of the zips, read by searcharc's own reader (the same for every engine)."""
    for item in inputs([str(p) for p in paths], Selection()):
        if isinstance(item, Input):
            yield from (a for a in read_input(item) if isinstance(a, Article))


def make_queries(articles: list[Article], count: int) -> list[str]:
    """The first one to three words of titles chosen by a seeded RNG, as the titles write them."""
    rng = random.Random(SEED)
    queries = []
    while len(queries) < count:
        title = rng.choice(articles).title
        words = [title[s:e] for s, e in spans(title)][: rng.randint(1, 3)]
        if words:
            queries.append(" ".join(words))
    return queries


def word_count(articles: list[Article]) -> int:
    return sum(sum(1 for _ in spans(f"{a.title}\n{a.body}")) for a in articles)


# ---------------------------------------------------------------- peers: build and search
# Each engine is a pair: build(articles, path, jobs) and open(path) → search(query, snippets).

Search = Callable[[str, bool], list]


def fts5_build(articles: list[Article], path: Path, jobs: int) -> None:
    import sqlite3

    path.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path / "fts5.db")
    db.execute(
        "CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, title, body, source UNINDEXED, "
        "date UNINDEXED, url UNINDEXED, author UNINDEXED, "
        "tokenize='unicode61 remove_diacritics 2')"
    )
    with db:
        db.executemany(
            "INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?, ?)",
            ((a.id, a.title, a.body, a.source, a.date, a.url, a.author) for a in articles),
        )
    db.close()


def fts5_open(path: Path) -> Search:
    import sqlite3

    db = sqlite3.connect(path / "fts5.db")
    # bm25() weights follow the columns: the title counts twice, as in searcharc.
    select = "SELECT id, title, bm25(docs, 0, 2.0, 1.0) AS score"
    snippet = ", snippet(docs, 2, '[', ']', '…', 30)"
    tail = " FROM docs WHERE docs MATCH ? ORDER BY score LIMIT ?"

    def search(query: str, snippets: bool) -> list:
        words = ['"' + query[s:e] + '"' for s, e in spans(query)]
        sql = select + (snippet if snippets else "") + tail
        return db.execute(sql, (" OR ".join(words), LIMIT)).fetchall()

    return search


def tantivy_build(articles: list[Article], path: Path, jobs: int) -> None:
    import tantivy

    builder = tantivy.SchemaBuilder()
    for name in ("title", "body"):
        builder.add_text_field(name, stored=True)
    for name in ("id", "source", "date", "url", "author"):
        builder.add_text_field(name, stored=True, tokenizer_name="raw")
    path.mkdir(parents=True, exist_ok=True)
    index = tantivy.Index(builder.build(), path=str(path))
    writer = index.writer(heap_size=256_000_000, num_threads=jobs)
    for a in articles:
        fields = {"id": a.id, "title": a.title, "body": a.body}
        fields |= {k: v for k, v in (("source", a.source), ("date", a.date)) if v}
        fields |= {k: v for k, v in (("url", a.url), ("author", a.author)) if v}
        writer.add_document(tantivy.Document(**{k: [v] for k, v in fields.items()}))
    writer.commit()
    writer.wait_merging_threads()


def tantivy_open(path: Path) -> Search:
    import tantivy

    index = tantivy.Index.open(str(path))
    searcher = index.searcher()

    def search(query: str, snippets: bool) -> list:
        words = " ".join(query[s:e] for s, e in spans(query))
        parsed = index.parse_query(words, ["title", "body"], field_boosts={"title": 2.0})
        hits = searcher.search(parsed, LIMIT).hits
        docs = [searcher.doc(address) for _, address in hits]
        if not snippets:
            return [(d["id"][0], s) for d, (s, _) in zip(docs, hits, strict=True)]
        generator = tantivy.SnippetGenerator.create(searcher, parsed, index.schema, "body")
        return [(d["id"][0], generator.snippet_from_doc(d).to_html()) for d in docs]

    return search


def whoosh_build(articles: list[Article], path: Path, jobs: int) -> None:
    """Whoosh with its default analyzer (StandardAnalyzer) and the same stored fields."""
    from datetime import datetime

    from whoosh import index
    from whoosh.fields import DATETIME, ID, STORED, TEXT, Schema

    schema = Schema(
        id=ID(stored=True, unique=True),
        title=TEXT(stored=True),
        body=TEXT(stored=True),
        source=TEXT(stored=True),
        date=DATETIME(stored=True),
        url=STORED,
        author=STORED,
    )
    path.mkdir(parents=True, exist_ok=True)
    options = {"procs": jobs, "multisegment": True} if jobs > 1 else {}
    with index.create_in(str(path), schema).writer(limitmb=256, **options) as writer:
        for a in articles:
            doc = {"id": a.id, "title": a.title, "body": a.body}
            doc |= {"date": datetime.fromisoformat(a.date)} if a.date else {}
            doc |= {k: v for k, v in (("source", a.source), ("url", a.url)) if v}
            doc |= {"author": a.author} if a.author else {}
            writer.add_document(**doc)


def whoosh_open(path: Path) -> Search:
    from whoosh import index, scoring
    from whoosh.query import Or, Term

    ix = index.open_dir(str(path))
    searcher = ix.searcher(weighting=scoring.BM25F())
    analyzer = ix.schema["body"].analyzer

    def search(query: str, snippets: bool) -> list:
        words = [t.text for t in analyzer(query)]
        terms = [
            Term(f, w, boost=2.0 if f == "title" else 1.0) for w in words for f in ("title", "body")
        ]
        hits = searcher.search(Or(terms), limit=LIMIT)
        return [(h["id"], h.highlights("body") if snippets else h.score) for h in hits]

    return search


def searcharc_open(path: Path) -> Search:
    from searcharc import SearchIndex

    index = SearchIndex.open(path)
    return lambda query, snippets: index.search(query, limit=LIMIT, snippets=snippets).hits


ENGINES: dict[str, tuple[Callable | None, Callable[[Path], Search]]] = {
    "searcharc": (None, searcharc_open),  # built by the command itself: `searcharc index`
    "fts5": (fts5_build, fts5_open),
    "tantivy": (tantivy_build, tantivy_open),
    "whoosh": (whoosh_build, whoosh_open),
}


# ---------------------------------------------------------------- workers (child processes)


def worker(args: argparse.Namespace) -> None:
    """One build or one query loop, in this child process; prints its figures as JSON."""
    build, open_ = ENGINES[args.engine]
    if args.worker == "build":
        articles = list(read_articles(zips(args.days)))
        build(articles, Path(args.index), args.jobs)
        print(json.dumps({"articles": len(articles)}))
        return
    queries = [q for q in Path(args.query_file).read_text("utf-8").splitlines() if q.strip()]
    search = open_(Path(args.index))
    out = {}
    for snippets in (True,) if args.snippets_only else (True, False):
        for query in queries[:WARMUP]:
            search(query, snippets)
        times = []
        for query in queries:
            started = time.perf_counter()
            search(query, snippets)
            times.append(time.perf_counter() - started)
        out["snippets" if snippets else "plain"] = times
    print(json.dumps(out))


@dataclass
class Run:
    """A child process's wall time, peak resident memory (its largest process) and output."""

    seconds: float
    peak_mb: float
    stdout: str
    returncode: int


# Children write bytecode caches as a user's Python does (some sandboxes set this variable,
# which makes every cold start compile searcharc's modules from source).
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run_child(command: list[str], ok: tuple[int, ...] = (0,)) -> Run:
    """Run ``command`` to its end; os.wait4 gives this child's own peak memory. An exit
    status outside ``ok`` is an error, with the child's stderr."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        actions = [(os.POSIX_SPAWN_DUP2, out.fileno(), 1), (os.POSIX_SPAWN_DUP2, err.fileno(), 2)]
        started = time.perf_counter()
        pid = os.posix_spawn(command[0], command, CHILD_ENV, file_actions=actions)
        _, status, usage = os.wait4(pid, 0)
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    returncode = os.waitstatus_to_exitcode(status)
    if returncode not in ok:
        raise RuntimeError(f"{command[:4]} failed ({returncode}): {stderr.strip()[-500:]}")
    return Run(seconds, usage.ru_maxrss / 1024, stdout, returncode)


def this_script(*args: str) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), *args]


def dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


# ---------------------------------------------------------------- measurements


@dataclass
class Build:
    seconds: float
    peak_mb: float
    size_mb: float
    articles: int


@dataclass
class Figures:
    """Everything measured for one engine."""

    builds: dict[int, Build] = field(default_factory=dict)  # by jobs
    rerun: Build | None = None
    latency: dict[str, list[float]] = field(default_factory=dict)  # snippets|plain → seconds


def build_searcharc(days: list[Path], path: Path, jobs: int, count: int) -> Build:
    command = [*SEARCHARC, "index", *map(str, days), "--index", str(path), "-q", "--json"]
    run = run_child(command + ["--jobs", str(jobs)], ok=(0, 1))  # 1: some skipped
    return Build(run.seconds, run.peak_mb, dir_size(path) / 1e6, count)


def build_peer(engine: str, args: argparse.Namespace, path: Path, jobs: int) -> Build:
    days = [] if args.days is None else ["--days", str(args.days)]
    run = run_child(
        this_script(
            "--worker",
            "build",
            "--engine",
            engine,
            "--index",
            str(path),
            "--jobs",
            str(jobs),
            *days,
        )
    )
    return Build(run.seconds, run.peak_mb, dir_size(path) / 1e6, json.loads(run.stdout)["articles"])


def query_latencies(
    engine: str, path: Path, query_file: Path, snippets_only: bool = False
) -> dict[str, list[float]]:
    command = this_script("--worker", "query", "--engine", engine, "--index", str(path))
    command += ["--query-file", str(query_file)] + (["--snippets-only"] if snippets_only else [])
    return json.loads(run_child(command).stdout)


def batch_latencies(index: Path, query_file: Path) -> list[float]:
    """Seconds a query through the user's door: `searcharc query --batch FILE --jsonl` (top 10
    with snippets), timed from outside as the gap between one answer's line and the next on
    its unbuffered output; the first WARMUP queries run first, unmeasured, as in the loop."""
    import subprocess

    queries = [q for q in query_file.read_text("utf-8").splitlines() if q.strip()]
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".txt") as batch:
        batch.write("\n".join(queries[:WARMUP] + queries) + "\n")
        batch.flush()
        command = [*SEARCHARC, "query", "--batch", batch.name, "--jsonl", "--index", str(index)]
        env = CHILD_ENV | {"PYTHONUNBUFFERED": "1"}  # each answer's line leaves as written
        with subprocess.Popen(command, stdout=subprocess.PIPE, env=env) as proc:
            arrivals = [time.perf_counter() for _ in proc.stdout]  # one line an answer
    if proc.returncode not in (0, 1) or len(arrivals) != WARMUP + len(queries):
        raise RuntimeError(f"{command[:3]}: exit {proc.returncode}, {len(arrivals)} answers")
    return [b - a for a, b in pairwise(arrivals[WARMUP - 1 :])]


def cold_runs(command: list[str], times: int) -> float:
    """The median wall time of ``times`` fresh processes, after one unmeasured run (which
    writes bytecode caches and reads the index into the page cache, as any earlier use does).
    Exit status 1 is searcharc's "nothing found"."""
    run_child(command, ok=(0, 1))
    return statistics.median(run_child(command, ok=(0, 1)).seconds for _ in range(times))


# ---------------------------------------------------------------- the table


def machine() -> list[str]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem = next(
        line.split()[1]
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    import sqlite3
    from importlib.metadata import version

    versions = [f"Python {platform.python_version()}", f"SQLite {sqlite3.sqlite_version}"]
    for dist in ("whoosh-reloaded", "tantivy", "typer", "rich"):
        try:
            versions.append(f"{dist} {version(dist)}")
        except Exception:
            versions.append(f"{dist} (missing)")
    return [
        f"machine: {cpu}, {os.cpu_count()} cores, {int(mem) / 1024**2:.1f} GiB, "
        f"{platform.platform()}",
        "software: " + ", ".join(versions),
        f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
    ]


def fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "n/a"
    if value >= 100:
        return f"{value:,.0f}{unit}"
    return f"{value:.3g}{unit}" if value < 10 else f"{value:.1f}{unit}"


def ratio(ours: float | None, peer: float | None) -> str:
    return "n/a" if ours is None or peer is None or peer == 0 else f"{ours / peer:.2f}×"


@dataclass
class Row:
    label: str
    values: dict[str, float | None]
    unit: str = ""
    target: str = ""


def rows(figures: dict[str, Figures], words: int, cold: dict[str, float]) -> list[Row]:
    def build_rows(jobs: int) -> list[Row]:
        b = {e: f.builds.get(jobs) for e, f in figures.items()}
        tag = f"build --jobs {jobs}"
        return [
            Row(
                f"{tag}: articles/s",
                {e: x and x.articles / x.seconds for e, x in b.items()},
                target="≥ 2× Whoosh default" if jobs == 1 else "",
            ),
            Row(f"{tag}: words/s", {e: x and words / x.seconds for e, x in b.items()}),
            Row(f"{tag}: wall time", {e: x and x.seconds for e, x in b.items()}, " s"),
            Row(
                f"{tag}: peak memory",
                {e: x and x.peak_mb for e, x in b.items()},
                " MB",
                "< 1,024 MB",
            ),
            Row(f"{tag}: index size", {e: x and x.size_mb for e, x in b.items()}, " MB"),
        ]

    def latency(kind: str, p: float, target: str = "") -> Row:
        label = f"query top-{LIMIT} {'with' if kind == 'snippets' else 'without'} snippets: p{p:g}"
        values = {
            e: percentile(f.latency[kind], p) * 1000 if f.latency.get(kind) else None
            for e, f in figures.items()
        }
        return Row(label, values, " ms", target)

    ours = figures["searcharc"]
    rerun_share = ours.rerun.seconds / ours.builds[1].seconds * 100 if ours.rerun else None
    return [
        *build_rows(1),
        *build_rows(2),
        Row("unchanged re-run: wall time", {"searcharc": ours.rerun and ours.rerun.seconds}, " s"),
        Row("unchanged re-run: share of the build", {"searcharc": rerun_share}, " %", "< 5 %"),
        latency("snippets", 50, "≤ 5 ms"),
        latency("snippets", 95, "≤ 25 ms"),
        latency("snippets", 99),
        latency("plain", 50),
        latency("plain", 95),
        latency("plain", 99),
        *(
            Row(label, {"searcharc": seconds * 1000}, " ms", "≤ 100 ms" if "query" in label else "")
            for label, seconds in cold.items()
        ),
    ]


def print_table(table: list[Row]) -> None:
    engines = ["searcharc", *PEERS]
    header = ["measure", *(NAMES[e] for e in engines), *(f"÷ {NAMES[p]}" for p in PEERS), "target"]
    print("| " + " | ".join(header) + " |")
    print("| " + " | ".join(["---"] + ["---:"] * (len(header) - 2) + ["---"]) + " |")
    for row in table:
        cells = [fmt(row.values.get(e), row.unit) for e in engines]
        ratios = [ratio(row.values.get("searcharc"), row.values.get(p)) for p in PEERS]
        print("| " + " | ".join([row.label, *cells, *ratios, row.target]) + " |")


# ---------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, help="only the first N daily zips (all 18 by default)")
    parser.add_argument("--queries", type=int, default=1000, help="queries timed in one process")
    parser.add_argument("--cold", type=int, default=20, help="cold processes for each command")
    parser.add_argument("--engines", default=",".join(PEERS), help="peers to measure")
    parser.add_argument("--keep", type=Path, help="build here and keep the indexes")
    parser.add_argument("--worker", choices=("build", "query"), help=argparse.SUPPRESS)
    parser.add_argument("--engine", help=argparse.SUPPRESS)
    parser.add_argument("--index", help=argparse.SUPPRESS)
    parser.add_argument("--jobs", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--query-file", help=argparse.SUPPRESS)
    parser.add_argument("--snippets-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return 0
    days = zips(args.days)
    if not days:
        print(f"skipped: no SaudiNewsNet zips under {DATA} (set SEARCHARC_DATA)", file=sys.stderr)
        return 0
    print("\n".join(machine()), flush=True)
    articles = list(read_articles(days))
    words = word_count(articles)
    print(f"corpus: {len(articles):,} articles, {words:,} words in {len(days)} zips", flush=True)
    peers = [e for e in args.engines.split(",") if e]
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="searcharc-speed-"))
    query_file = workdir / "queries.txt"
    workdir.mkdir(parents=True, exist_ok=True)
    query_file.write_text("\n".join(make_queries(articles, args.queries)) + "\n", "utf-8")
    figures = {e: Figures() for e in ["searcharc", *PEERS]}
    try:
        for jobs in (1, 2):
            path = workdir / f"searcharc-{jobs}"
            shutil.rmtree(path, ignore_errors=True)
            figures["searcharc"].builds[jobs] = build_searcharc(days, path, jobs, len(articles))
            _progress("searcharc", jobs, figures["searcharc"].builds[jobs])
            for engine in peers:
                if engine == "fts5" and jobs > 1:
                    continue  # SQLite builds in one thread
                peer_path = workdir / f"{engine}-{jobs}"
                shutil.rmtree(peer_path, ignore_errors=True)
                figures[engine].builds[jobs] = build_peer(engine, args, peer_path, jobs)
                _progress(engine, jobs, figures[engine].builds[jobs])
        ours = workdir / "searcharc-1"
        figures["searcharc"].rerun = build_searcharc(days, ours, 1, len(articles))
        for engine in ["searcharc", *peers]:
            figures[engine].latency = query_latencies(engine, workdir / f"{engine}-1", query_file)
            print(f"# queried {engine}", file=sys.stderr, flush=True)
        python = [sys.executable, "-c", "pass"]
        cold = {
            "python -c pass (the interpreter alone)": cold_runs(python, args.cold),
            f'`searcharc query "{COLD_QUERY}"` cold, median': cold_runs(
                [*SEARCHARC, "query", COLD_QUERY, "--index", str(ours)], args.cold
            ),
            "`searcharc --help` cold, median": cold_runs([*SEARCHARC, "--help"], args.cold),
            "`searcharc --version` cold, median": cold_runs([*SEARCHARC, "--version"], args.cold),
        }
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    print(
        f"queries: {args.queries} (first 1-3 title words, seed {SEED}), top {LIMIT}, "
        f"{WARMUP} warm-up queries first; cold commands: median of {args.cold}"
    )
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}\n")
    print_table(rows(figures, words, cold))
    return 0


def _progress(engine: str, jobs: int, build: Build) -> None:
    print(
        f"# built {engine} --jobs {jobs}: {build.seconds:.1f} s, {build.peak_mb:.0f} MB",
        file=sys.stderr,
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
