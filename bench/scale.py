"""Archive scale: build, daily updates and queries at 30k, 300k and 1M articles (by hand).

    SEARCHARC_DATA=/work/shared/data .venv/bin/python bench/scale.py                 # hours
    .venv/bin/python bench/scale.py --sizes 30000,300000 --daily 10 --peers fts5     # a look

The archive is made from SaudiNewsNet (``generate``): article i is one of the 31,030 with about
a third of its sentences swapped for sentences of other articles (so every article is distinct
and reads like news), dated over 2000-2025, written as JSON Lines files of 1,000 articles, as a
site's daily exports come. Everything goes in through `searcharc index` as a user runs it, in a
child process whose peak memory is the sum of the proportional set sizes (PSS) of the process
and its children, sampled every 0.2 s. Peers (SQLite FTS5, tantivy, plain Whoosh) build the same
articles in the same run: ratios are searcharc ÷ peer, as machines here are shared and noisy.
Needs the bench extra (tantivy): pip install -e '.[bench]'.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import counting  # noqa: E402  (bench/counting.py: the total counted, and not)
import speed  # noqa: E402  (bench/speed.py: the peers' builds and the query loop)
from stats import percentile  # noqa: E402

from searcharc.ingest import Input, Selection, inputs, read_input  # noqa: E402
from searcharc.records import Article  # noqa: E402

SEARCHARC = str(Path(sys.executable).parent / "searcharc")
FILE_ARTICLES = 1_000  # articles a JSON Lines file of the archive
SWAP = 0.35  # share of an article's sentences swapped for other articles'
SENTENCE = re.compile(r"(?<=[.!؟?\n])\s+")
QUERIES = 200


# ---------------------------------------------------------------- the archive


def base_articles() -> list[Article]:
    """The SaudiNewsNet articles with a body, in a fixed order."""
    found = [a for a in speed.read_articles(speed.zips(None)) if a.body.strip()]
    return sorted(found, key=lambda a: a.id)


def generated(bases: list[Article], sentences: list[str], n: int, salt: int = 0) -> dict:
    """Article ``n`` of the archive (``salt`` > 0: a changed version of it)."""
    rnd = random.Random(n * 7919 + salt)
    base = bases[n % len(bases)]
    parts = SENTENCE.split(base.body)
    for i in range(len(parts)):
        if rnd.random() < SWAP:
            parts[i] = rnd.choice(sentences)
    year, day = 2000 + rnd.randrange(26), rnd.randrange(365)
    date = time.strftime(
        "%Y-%m-%d", time.gmtime(time.mktime((year, 1, 1, 0, 0, 0, 0, 0, 0)) + day * 86400)
    )
    return {
        "id": f"g{n:07d}",
        "title": base.title,
        "text": " ".join(parts),
        "source": base.source,
        "date": date,
        "url": f"https://example.org/{n}",
    }


def write_file(path: Path, records: Iterator[dict]) -> None:
    with path.open("w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


def generate(folder: Path, size: int, bases: list[Article], sentences: list[str]) -> None:
    """The archive of ``size`` articles, files of FILE_ARTICLES (kept between runs)."""
    folder.mkdir(parents=True, exist_ok=True)
    for start in range(0, size, FILE_ARTICLES):
        path = folder / f"day{start // FILE_ARTICLES:05d}.jsonl"
        if not path.exists():
            ids = range(start, min(size, start + FILE_ARTICLES))
            write_file(path, (generated(bases, sentences, n) for n in ids))


def archive_articles(folder: Path) -> Iterator[Article]:
    """The archive's articles, read by searcharc's own reader (the same for every engine)."""
    for item in inputs([str(folder)], Selection()):
        if isinstance(item, Input):
            yield from (a for a in read_input(item) if isinstance(a, Article))


# ---------------------------------------------------------------- measured child processes


@dataclass
class Run:
    seconds: float
    peak_mb: float  # the largest sum of PSS over the process and its descendants
    stdout: str


def _tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def _pss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def measured(command: list[str], ok: tuple[int, ...] = (0,)) -> Run:
    """Run ``command`` to its end: wall time, peak memory of its whole process tree."""
    peak = 0.0
    started = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _pss_mb(_tree(proc.pid)))
            done.wait(0.2)

    sampler = threading.Thread(target=sample)
    sampler.start()
    stdout, stderr = proc.communicate()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    if proc.returncode not in ok:
        raise RuntimeError(f"{command[:4]} failed ({proc.returncode}): {stderr.strip()[-500:]}")
    return Run(seconds, peak, stdout)


def index_run(folder: Path, index: Path, *args: str) -> Run:
    return measured([SEARCHARC, "index", str(folder), "--index", str(index), "-q", "--json", *args])


def peer_build(engine: str, folder: Path, path: Path) -> Run:
    script = [sys.executable, str(Path(__file__).resolve()), "--worker", engine]
    return measured([*script, "--archive", str(folder), "--index", str(path)])


def worker(args: argparse.Namespace) -> None:
    """In a child process: one peer's build of the archive, one process (jobs 1)."""
    build = speed.ENGINES[args.worker][0]
    build(archive_articles(Path(args.archive)), Path(args.index), 1)


def query_files(bases: list[Article], folder: Path) -> dict[str, Path]:
    """The two query kinds of issue 13, 200 each: whole titles, and a title's first two words."""
    rnd = random.Random(3)
    titled = [a for a in bases if a.title.strip()]
    titles = [a.title for a in rnd.sample(titled, QUERIES)]
    pairs = []
    for article in rnd.sample(titled, 4 * QUERIES):
        words = [article.title[s:e] for s, e in speed.spans(article.title)]
        if len(words) >= 2 and len(pairs) < QUERIES:
            pairs.append(" ".join(words[:2]))
    found = {}
    for kind, queries in (("title", titles), ("two words", pairs)):
        found[kind] = folder / f"queries-{kind.replace(' ', '-')}.txt"
        found[kind].write_text("\n".join(queries) + "\n", "utf-8")
    return found


def latencies(engine: str, index: Path, files: dict[str, Path]) -> dict:
    """p50/p95/p99 (ms) of each query kind, top 10 with snippets: searcharc's through
    `searcharc query --batch --jsonl`; "searcharc API" through ``SearchIndex.search`` in a
    loop (a second number); a peer's through its Python API, in a child process."""
    out = {}
    for kind, path in files.items():
        if engine == "searcharc":
            times = speed.batch_latencies(index, path)
        else:
            api = "searcharc" if engine == "searcharc API" else engine
            times = speed.query_latencies(api, index, path, snippets_only=True)["snippets"]
        out[kind] = {f"p{p}": percentile(times, p) * 1000 for p in (50, 95, 99)}
    return out


def counting_costs(index: Path, files: dict[str, Path]) -> dict:
    """Each query kind's p50/p95 through the API with the total counted up to 10,000 and
    without (the ranking's lower bound), the same queries in the same run (bench/counting.py)."""
    from searcharc import SearchIndex

    opened = SearchIndex.open(index)
    found = {}
    for kind, path in files.items():
        queries = [q for q in path.read_text("utf-8").splitlines() if q.strip()]
        found[kind] = counting.counting_cost(opened, queries)
    opened.close()
    return found


def cold_ms(index: Path, runs: int = 20) -> dict:
    """Median wall time (ms) of the cold command, and of the interpreter alone."""
    command = [SEARCHARC, "query", speed.COLD_QUERY, "--index", str(index)]
    return {
        "query": speed.cold_runs(command, runs) * 1000,
        "python": speed.cold_runs([sys.executable, "-c", "pass"], runs) * 1000,
    }


# ---------------------------------------------------------------- one size


def updates(size: int, folder: Path, index: Path, work: Path, bases, sentences) -> dict:
    """The unchanged re-run, then adding, replacing and pruning FILE_ARTICLES articles (the
    archive is as generated again afterwards)."""
    out: dict = {}
    out["rerun_s"] = index_run(folder, index).seconds
    extra = work / f"extra-{size}"
    extra.mkdir(exist_ok=True)
    # add: a new day's file; replace: a day's file rewritten; prune: a day's file deleted
    new = folder / "zz-new.jsonl"
    write_file(new, (generated(bases, sentences, n) for n in range(size, size + FILE_ARTICLES)))
    out["add_s"] = index_run(folder, index).seconds
    changed = folder / "day00001.jsonl"
    write_file(changed, (generated(bases, sentences, n, salt=1) for n in range(1000, 2000)))
    replaced = index_run(folder, index)
    out["replace_s"] = replaced.seconds
    out["replaced"] = json.loads(replaced.stdout)["updated"]
    pruned_file = folder / "day00002.jsonl"
    kept = extra / pruned_file.name
    shutil.move(pruned_file, kept)
    pruned = index_run(folder, index, "--prune")
    out["prune_s"], out["pruned"] = pruned.seconds, json.loads(pruned.stdout)["removed"]
    shutil.move(kept, pruned_file)  # the archive as generated again, for the next run
    write_file(changed, (generated(bases, sentences, n) for n in range(1000, 2000)))
    new.unlink()
    return out


def one_size(size: int, work: Path, args, bases, sentences) -> dict:
    """Build and update at ``size``, the peers' builds, then every engine's query latencies.

    ``--keep``: the indexes stay in ``work``, and a later run with ``--keep`` reuses each one
    whose build it recorded there (its build numbers are then the earlier run's); only the
    queries are measured again, for every engine side by side.
    """
    folder = work / f"archive-{size}"
    generate(folder, size, bases, sentences)
    index = work / f"index-{size}"
    out = kept(work / f"index-{size}.json", args.keep) or built(size, folder, index, work, args)
    if args.keep:
        (work / f"index-{size}.json").write_text(json.dumps(out))
    measure = not args.builds_only
    out["queries"] = {
        engine: latencies(engine, index, args.query_files)
        for engine in ("searcharc", "searcharc API")
        if measure
    }
    out["cold"] = cold_ms(index) if measure else {}
    out["counting"] = counting_costs(index, args.query_files) if measure else {}
    for engine in args.peers:
        if engine == "whoosh" and size > args.whoosh_max:
            continue
        path = work / f"{engine}-{size}"
        record = work / f"{engine}-{size}.json"
        out[engine] = kept(record, args.keep) or peer_built(engine, folder, path, size)
        if args.keep:
            record.write_text(json.dumps(out[engine]))
        if engine != "whoosh" and measure:
            out["queries"][engine] = latencies(engine, path, args.query_files)
        if not args.keep:
            shutil.rmtree(path, ignore_errors=True)
    if size == max(args.sizes) and args.daily:
        out["daily"] = daily_runs(folder, index, size, args, bases, sentences)
    if not args.keep:
        shutil.rmtree(index, ignore_errors=True)
    return out


def kept(record: Path, keep: bool) -> dict | None:
    """What an earlier ``--keep`` run recorded of a build whose index is still there."""
    index = record.with_suffix("")
    if not (keep and record.exists() and index.exists()):
        return None
    print(f"  {index.name}: reused (built {time.ctime(record.stat().st_mtime)})", flush=True)
    return json.loads(record.read_text())


def built(size: int, folder: Path, index: Path, work: Path, args) -> dict:
    """``searcharc index`` of the archive into a new index, then the update steps."""
    shutil.rmtree(index, ignore_errors=True)
    out: dict = {"articles": size}
    build = index_run(folder, index)
    out["build"] = {
        "s": build.seconds,
        "peak_mb": build.peak_mb,
        "added": json.loads(build.stdout)["added"],
    }
    out["index_mb"] = speed.dir_size(index) / 1e6
    out["segments"] = len(list(index.glob("*.trm")))
    print(
        f"  {size}: build {build.seconds:.0f} s, {size / build.seconds:.0f} articles/s, "
        f"peak {build.peak_mb:.0f} MB, {out['index_mb']:.0f} MB",
        flush=True,
    )
    out.update(updates(size, folder, index, work, args.bases, args.sentences))
    return out


def peer_built(engine: str, folder: Path, path: Path, size: int) -> dict:
    shutil.rmtree(path, ignore_errors=True)
    run = peer_build(engine, folder, path)
    print(f"  {size}: {engine} build {run.seconds:.0f} s", flush=True)
    return {"s": run.seconds, "peak_mb": run.peak_mb, "mb": speed.dir_size(path) / 1e6}


def daily_runs(folder: Path, index: Path, size: int, args, bases, sentences) -> dict:
    """``args.daily`` runs adding FILE_ARTICLES new articles each; title queries' p50 and p95
    then, and after --optimize."""
    titles = {"title": args.query_files["title"]}
    days = args.daily
    seconds = []
    for day in range(days):
        start = size + (day + 1) * FILE_ARTICLES
        write_file(
            folder / f"zz-daily{day:03d}.jsonl",
            (generated(bases, sentences, n) for n in range(start, start + FILE_ARTICLES)),
        )
        seconds.append(index_run(folder, index).seconds)
    segments = len(list(index.glob("*.trm")))
    after_days = latencies("searcharc", index, titles)["title"]
    optimize = index_run(folder, index, "--optimize").seconds
    optimized = latencies("searcharc", index, titles)["title"]
    for path in folder.glob("zz-daily*.jsonl"):
        path.unlink()
    return {
        "days": days,
        "median_s": statistics.median(seconds),
        "max_s": max(seconds),
        "segments": segments,
        "p50_ms": after_days["p50"],
        "p95_ms": after_days["p95"],
        "optimize_s": optimize,
        "optimized_p50_ms": optimized["p50"],
        "optimized_p95_ms": optimized["p95"],
    }


# ---------------------------------------------------------------- the table


def table(results: list[dict], peers: list[str]) -> None:
    sizes = [r["articles"] for r in results]
    print("\n| measure | " + " | ".join(f"{s:,}" for s in sizes) + " |")
    print("| --- |" + " ---: |" * len(sizes))

    def row(label: str, cells: list[str]) -> None:
        print(f"| {label} | " + " | ".join(cells) + " |")

    rate0 = results[0]["articles"] / results[0]["build"]["s"]
    row("build (`searcharc index`), s", [f"{r['build']['s']:,.0f}" for r in results])
    row(
        "articles/s (÷ at the smallest size)",
        [
            f"{r['articles'] / r['build']['s']:,.0f} ({r['articles'] / r['build']['s'] / rate0:.2f}×)"
            for r in results
        ],
    )
    row("peak memory, all processes (PSS)", [f"{r['build']['peak_mb']:,.0f} MB" for r in results])
    row("index size", [f"{r['index_mb']:,.0f} MB" for r in results])
    row("segments after the build", [str(r["segments"]) for r in results])
    row(
        "unchanged re-run, s (share of the build)",
        [f"{r['rerun_s']:.1f} ({r['rerun_s'] / r['build']['s']:.1%})" for r in results],
    )
    row("add 1,000 articles, s", [f"{r['add_s']:.1f}" for r in results])
    row("replace 1,000 articles, s", [f"{r['replace_s']:.1f} ({r['replaced']})" for r in results])
    row("prune 1,000 articles, s", [f"{r['prune_s']:.1f} ({r['pruned']})" for r in results])
    for peer in peers:
        name = speed.NAMES[peer]
        row(
            f"build time ÷ {name}",
            [f"{r['build']['s'] / r[peer]['s']:.2f}×" if peer in r else "n/a" for r in results],
        )
        row(
            f"index size ÷ {name}",
            [f"{r['index_mb'] / r[peer]['mb']:.2f}×" if peer in r else "n/a" for r in results],
        )
    latency_rows(results, peers)
    for kind in results[0]["counting"]:
        row(
            f"{kind}, API p50/p95 with the total counted to 10,000 ÷ without",
            [
                f"{c['with']['p50']:.1f}/{c['with']['p95']:.1f} ms ÷ "
                f"{c['without']['p50']:.1f}/{c['without']['p95']:.1f} ms = "
                f"{c['ratio_p50']:.2f}×/{c['ratio_p95']:.2f}×"
                for c in (r["counting"][kind] for r in results)
            ],
        )
    cold = [r["cold"] for r in results]
    row(
        f'cold `searcharc query "{speed.COLD_QUERY}"`, median of 20 (÷ `python -c pass`)',
        [f"{c['query']:.0f} ms ({c['query'] / c['python']:.1f}×)" for c in cold],
    )
    for r in results:
        if "daily" in r:
            d = r["daily"]
            print(
                f"\n{d['days']} daily runs of {FILE_ARTICLES:,} new articles at {r['articles']:,}: "
                f"median {d['median_s']:.1f} s, max {d['max_s']:.1f} s; {d['segments']} segments; "
                f"query p50/p95 {d['p50_ms']:.1f}/{d['p95_ms']:.1f} ms, after --optimize "
                f"({d['optimize_s']:.0f} s) {d['optimized_p50_ms']:.1f}/{d['optimized_p95_ms']:.1f} ms "
                f"(p50 ratio {d['p50_ms'] / d['optimized_p50_ms']:.2f}×)"
            )


def latency_rows(results: list[dict], peers: list[str]) -> None:
    """Query latency rows: searcharc's p50/p95/p99 through `searcharc query --batch` and
    through the API, their growth, and each peer's with searcharc's ratio to it."""
    first = results[0]["queries"]
    for kind in first["searcharc"]:
        for p in ("p50", "p95", "p99"):
            for engine, door in (("searcharc", "`query --batch`"), ("searcharc API", "API loop")):
                cells = [
                    f"{r['queries'][engine][kind][p]:.1f} ms "
                    f"({r['queries'][engine][kind][p] / first[engine][kind][p]:.2f}×)"
                    for r in results
                ]
                print(
                    f"| {kind}, {p}, searcharc {door} (÷ smallest size) | "
                    + " | ".join(cells)
                    + " |"
                )
            for peer in peers:
                if peer == "whoosh":
                    continue
                cells = [
                    f"{r['queries'][peer][kind][p]:.1f} ms "
                    f"(searcharc ÷ it {r['queries']['searcharc'][kind][p] / r['queries'][peer][kind][p]:.2f}×)"
                    if peer in r["queries"]
                    else "n/a"
                    for r in results
                ]
                print(f"| {kind}, {p}, {speed.NAMES[peer]} | " + " | ".join(cells) + " |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="30000,300000,1000000")
    parser.add_argument("--peers", default="fts5,tantivy,whoosh")
    parser.add_argument("--whoosh-max", type=int, default=30_000, help="plain Whoosh up to")
    parser.add_argument("--daily", type=int, default=30, help="daily runs at the largest size")
    parser.add_argument("--work", type=Path, default=None, help="keep archives here")
    parser.add_argument(
        "--keep", action="store_true", help="keep the indexes in --work; reuse those kept there"
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--archive", help=argparse.SUPPRESS)
    parser.add_argument("--index", help=argparse.SUPPRESS)
    parser.add_argument(
        "--builds-only", action="store_true", help="with --keep: build, measure no query"
    )
    args = parser.parse_args()
    if args.builds_only and not args.keep:
        parser.error("--builds-only keeps the indexes for a later run: give --keep")
    if args.keep and (args.daily or not args.work):
        parser.error(
            "--keep needs --work (where a later run finds them) and --daily 0 (the daily runs change the kept index)"
        )
    if args.worker:
        worker(args)
        return 0
    if not speed.DATA.is_dir():
        print(
            f"bench/scale.py: no SaudiNewsNet at {speed.DATA}: set SEARCHARC_DATA", file=sys.stderr
        )
        return 2
    args.sizes = [int(s) for s in args.sizes.split(",")]
    args.peers = [p for p in args.peers.split(",") if p]
    print("\n".join(speed.machine()), flush=True)
    bases = base_articles()
    sentences = [s for a in bases for s in SENTENCE.split(a.body) if len(s) > 20]
    work = args.work or Path(tempfile.mkdtemp(prefix="searcharc-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    args.query_files = query_files(bases, work)
    args.bases, args.sentences = bases, sentences
    results = [one_size(size, work, args, bases, sentences) for size in args.sizes]
    if args.builds_only:
        print("\n" + json.dumps(results))
        return 0
    table(results, args.peers)
    print("\n" + json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
