"""Load on `searcharc serve`: requests/s and latency for 1, 4 and 16 clients, and during an
index update, for each number of worker processes (by hand, not in CI; 127.0.0.1 only; every
phase is bounded in time).

    .venv/bin/searcharc index /work/shared/data/saudinewsnet/*.zip --index /tmp/snn
    SEARCHARC_DATA=/work/shared/data .venv/bin/python bench/load.py --index /tmp/snn --workers 1,2

The index is copied to a temporary folder first (the update phase adds articles to the copy,
then the copy is deleted). Queries are the first one to three words of titles, as in
bench/speed.py. The baseline is the same queries through SearchIndex.search in this process,
without HTTP, measured in the same run: the machine is shared, so ratios hold while times drift.
The clients run in this process, on the server's machine: each phase says the CPU they took,
the server's (all its processes), how long the server's threads were ready to run but waited
for a core (the machine's other work; at least that: a thread that ended is left out), the whole machine's CPU (every process; a core fully
busy is 100%, so 200% is all of a 2-core machine), and the load average at its end.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shutil
import signal
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
KIND = "/api/search"  # the one whose requests/s the workers are compared by


@dataclass
class Cell:
    """One phase: what was asked, for how long, and what came back."""

    kind: str
    clients: int
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    note: str = ""
    workers: int = 0
    client_cpu: float = 0.0  # seconds of CPU this process (the clients) took
    server_cpu: float = 0.0  # seconds of CPU the server's processes took
    server_wait: float = 0.0  # seconds its threads were ready to run but waited for a core
    load: float = 0.0  # the 1-minute load average at the end
    busy: float = 0.0  # CPU-seconds the whole machine spent (all processes, every core)


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


def run_cell(base: str, cell: Cell, queries: list[str], until, server: int = 0) -> Cell:
    """``cell.clients`` clients on ``cell.kind`` until ``until()`` (``server``: its pid, whose
    processes' CPU is counted)."""
    lock = threading.Lock()
    threads = [
        threading.Thread(
            target=client, args=(base, KINDS[cell.kind], queries, i, until, cell, lock)
        )
        for i in range(cell.clients)
    ]
    started, cpu, served, busy = (
        time.perf_counter(),
        time.process_time(),
        cpu_of(server),
        machine_busy(),
    )
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    cell.seconds = time.perf_counter() - started
    cell.client_cpu = time.process_time() - cpu
    ran, waited = cpu_of(server)
    cell.server_cpu, cell.server_wait = ran - served[0], waited_since(served[1], waited)
    cell.load = os.getloadavg()[0]
    cell.busy = machine_busy() - busy
    return cell


def machine_busy() -> float:
    """CPU-seconds the machine has spent on anything but idling (/proc/stat)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def cpu_of(pid: int) -> tuple[float, dict[int, int]]:
    """The CPU seconds of process ``pid`` and of its children (their ended threads too), and
    the nanoseconds each of their live threads has waited for a core while ready to run, by
    thread id (/proc/…/stat and /proc/…/task/…/schedstat; 0 and none: no process)."""
    ticks, waited = 0, {}
    for entry in Path("/proc").iterdir() if pid else ():
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if pid not in (int(entry.name), int(fields[1])):
                continue
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
            for task in (entry / "task").iterdir():
                waited[int(task.name)] = int((task / "schedstat").read_text().split()[1])
        except (OSError, ValueError):
            continue  # not a process, or gone
    return ticks / os.sysconf("SC_CLK_TCK"), waited


def waited_since(before: dict[int, int], after: dict[int, int]) -> float:
    """Seconds the threads waited for a core between two looks (those that ended between
    them left out: at least this much)."""
    return sum(ns - before.get(tid, 0) for tid, ns in after.items()) / 1e9


def for_seconds(seconds: float):
    deadline = time.monotonic() + seconds
    return lambda: time.monotonic() >= deadline


def baseline(index: Path, queries: list[str], seconds: float) -> Cell:
    """The same queries in this process, one at a time, without HTTP."""
    search_index = SearchIndex.open(index)
    cell = Cell("SearchIndex.search, no HTTP", 1, note="baseline")
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


def start_server(index: Path, workers: int) -> tuple[subprocess.Popen, str]:
    """`searcharc serve --workers N` on 127.0.0.1, a free port; its address."""
    proc = subprocess.Popen(
        [str(BIN / "searcharc"), "serve", "--index", str(index), "--host", "127.0.0.1"]
        + ["--port", "0", "--workers", str(workers)],
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


def during_update(
    base: str, copy: Path, cell: Cell, queries: list[str], update: Path, server: int
) -> Cell:
    """Clients while `searcharc index` adds the articles of ``update`` to the served index."""
    indexer = subprocess.Popen(
        [str(BIN / "searcharc"), "index", str(update), "--index", str(copy), "--jobs", "1"]
        + ["--quiet"],
    )
    deadline = for_seconds(MAX_UPDATE_SECONDS)
    run_cell(base, cell, queries, lambda: indexer.poll() is not None or deadline(), server)
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


HEAD = (
    "| workers | endpoint | clients | requests | req/s | p50 ms | p95 ms | p50 ÷ baseline "
    "| errors | clients' CPU | server's CPU | server waiting for a core | machine's CPU "
    "| requests a server CPU-second "
    "| load | |"
)


def row(cell: Cell, base: Cell) -> str:
    ms = [x * 1000 for x in cell.latencies]
    p50, p95 = percentile(ms, 50), percentile(ms, 95)
    rate = len(ms) / cell.seconds if cell.seconds else 0.0
    ratio = p50 / (percentile(base.latencies, 50) * 1000)
    share = (
        f"{100 * c / cell.seconds:.0f}%"
        for c in (cell.client_cpu, cell.server_cpu, cell.server_wait, cell.busy)
    )
    per_cpu = f"{len(ms) / cell.server_cpu:.0f}" if cell.server_cpu else "-"
    return (
        f"| {cell.workers or '-'} | {cell.kind} | {cell.clients} | {len(ms):,} | {rate:.1f} | "
        f"{p50:.1f} | {p95:.1f} | {ratio:.2f}× | {cell.errors} | {' | '.join(share)} | "
        f"{per_cpu} | {cell.load:.1f} | {cell.note} |"
    )


def rate(cells: list[Cell], workers: int, clients: int) -> float:
    """Requests/s of /api/search with ``clients`` steady clients on ``workers`` workers."""
    for cell in cells:
        if (cell.workers, cell.kind, cell.clients, cell.note) == (workers, KIND, clients, ""):
            return len(cell.latencies) / cell.seconds
    return 0.0


def steady(servers: dict, kinds, queries, clients, seconds: float, rounds: int) -> list[Cell]:
    """The steady phases, each server's in turn (so that a change in the machine's load
    between phases falls on each alike), ``rounds`` times; a phase's rounds added up."""
    cells: dict[tuple, Cell] = {}
    for _ in range(rounds):
        for kind in kinds:
            for n in clients:
                for workers, (proc, address) in servers.items():
                    cell = run_cell(address, Cell(kind, n), queries, for_seconds(seconds), proc.pid)
                    total = cells.setdefault((workers, kind, n), Cell(kind, n, workers=workers))
                    total.latencies += cell.latencies
                    total.errors += cell.errors
                    total.seconds += cell.seconds
                    total.client_cpu += cell.client_cpu
                    total.server_cpu += cell.server_cpu
                    total.server_wait += cell.server_wait
                    total.busy += cell.busy
                    total.load = cell.load
    return list(cells.values())


def updating(copy: Path, servers: dict, queries, updates: dict) -> list[Cell]:
    """Each server in turn while `searcharc index` adds articles to the index it serves."""
    cells = []
    for workers, (proc, address) in servers.items():
        for kind, (path, ids, update_clients) in updates[workers].items():
            cell = Cell(kind, update_clients, workers=workers)
            during_update(address, copy, cell, queries, path, proc.pid)
            if not served_after_update(address, ids[-1]):
                cell.errors += 1
                cell.note += "; the new articles were NOT served"
            else:
                cell.note += "; new articles served after it, no restart"
            cell.kind += ", during an update"
            cells.append(cell)
    return cells


def servers_of(copy: Path, workers: list[int], queries) -> dict:
    """`searcharc serve --workers N` for each N, each warmed up: N → (process, address)."""
    servers = {}
    try:
        for n in workers:
            proc, address = start_server(copy, n)
            servers[n] = (proc, address)
            for kind in KINDS:
                warm = for_seconds(WARM_SECONDS / len(KINDS))
                run_cell(address, Cell(kind, max(n, 1)), queries, warm)
    except BaseException:
        stop(servers)
        raise
    return servers


def stop(servers: dict) -> None:
    for proc, _ in servers.values():
        proc.send_signal(signal.SIGINT)  # as Ctrl-C: the server stops its workers
        proc.wait(timeout=60)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True, help="a built index (copied)")
    parser.add_argument("--seconds", type=float, default=8.0, help="each steady phase")
    parser.add_argument("--clients", default="1,4,16")
    parser.add_argument("--workers", default="1,2", help="serve --workers, each in turn")
    parser.add_argument("--rounds", type=int, default=2, help="of each steady phase")
    parser.add_argument("--endpoints", default=",".join(KINDS), help="of " + ", ".join(KINDS))
    parser.add_argument("--update-clients", type=int, default=4)
    parser.add_argument("--queries", type=int, default=500)
    args = parser.parse_args()
    clients = [int(n) for n in args.clients.split(",")]
    workers = [int(n) for n in args.workers.split(",")]
    kinds = {kind: KINDS[kind] for kind in args.endpoints.split(",")}

    about = machine()
    articles = list(read_articles(zips(3)))
    queries = make_queries(articles, args.queries)
    cells: list[Cell] = []
    with tempfile.TemporaryDirectory(prefix="searcharc-load-") as tmp:
        copy = Path(tmp) / "index"
        shutil.copytree(args.index, copy)
        documents = len(SearchIndex.open(copy))
        base = baseline(copy, queries, args.seconds)
        updates: dict[int, dict] = {}
        for w, n_workers in enumerate(workers):
            for n, kind in enumerate(kinds):
                at = (w * len(KINDS) + n) * UPDATE_ARTICLES
                path = Path(tmp) / f"update-{n_workers}-{n}.jsonl"
                ids = write_update(articles[at : at + UPDATE_ARTICLES], path, f"{w}-{n}")
                updates.setdefault(n_workers, {})[kind] = (path, ids, args.update_clients)
        servers = servers_of(copy, workers, queries)
        try:
            cells += steady(servers, kinds, queries, clients, args.seconds, args.rounds)
            cells += updating(copy, servers, queries, updates)
        finally:
            stop(servers)
    print("\n".join(about))
    print(
        f"index: {documents:,} articles; queries: {len(queries)} (first 1-3 title words); "
        f"{args.rounds} × {args.seconds:g} s a steady phase, the servers in turn; "
        "server and clients on this machine, 127.0.0.1"
    )
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print()
    print(HEAD)
    print("| ---: | --- |" + " ---: |" * (HEAD.count("|") - 4) + " --- |")
    print(row(base, base))
    for cell in cells:
        print(row(cell, base))
    most = max(clients)
    for n_workers in workers[1:]:
        ratio = rate(cells, n_workers, most) / (rate(cells, workers[0], most) or float("nan"))
        print(
            f"\n{KIND} at {most} clients: --workers {n_workers} answers {ratio:.2f}× the "
            f"requests/s of --workers {workers[0]}"
        )
    return 1 if any(c.errors for c in cells) else 0


if __name__ == "__main__":
    sys.exit(main())
