"""What durable commits cost: `searcharc index` with its fsyncs and with them made no-ops,
alternated in the same run, each run a fresh process building a new index (by hand, not in CI).

    .venv/bin/python bench/durable.py [--rounds 5] [--dir /var/tmp] [--onto PATHS] \\
        [--optimize] [--modes sync,nosync,bare] \\
        seeds /work/shared/data/saudinewsnet/2015-07-2{1,2,3}.zip

Each input set (a space-free group of paths joined by commas, or one path) is indexed
--rounds times each way into a new index, or with ``--onto`` into a copy of an index of those
inputs built once (a daily run: its commit adds a segment to an index; the copy is not timed);
with ``--optimize`` each run merges every segment (a merge's cost); the modes: ``sync`` as
shipped, ``nosync`` with os.fsync made a no-op, ``bare`` without fsync nor the commit's
checksums. p50 and p95 of the wall time, the median difference from the last mode, the fsyncs
a run made and the seconds spent in them and in recording checksums, and a cold query of the
index made (a fresh `searcharc query` process, bench/cold.py's query) are printed, with the
load average. The folder must be on a real disk (not tmpfs, where fsync costs nothing).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from stats import percentile

QUERY = "مكافحة الإرهاب"  # the cold query timed after each run (as bench/cold.py's)


def child(mode: str, args: list[str]) -> None:
    """Run `searcharc ARGS` here: os.fsync and the commit's checksums (``checksums.record``)
    counted and timed (``sync``), fsync skipped (``nosync``), or both skipped (``bare``)."""
    from searcharc.index import checksums

    real, count, spent = os.fsync, [0], [0.0]
    record, summed = checksums.record, [0.0]

    def fsync(descriptor: int) -> None:
        count[0] += 1
        if mode == "sync":
            start = time.perf_counter()
            real(descriptor)
            spent[0] += time.perf_counter() - start

    def recording(*given) -> None:
        if mode != "bare":
            start = time.perf_counter()
            record(*given)
            summed[0] += time.perf_counter() - start

    os.fsync = fsync
    checksums.record = recording
    sys.argv = ["searcharc", *args]
    from searcharc.cli.launch import main

    try:
        main()
    finally:
        print(f"fsyncs {count[0]} {spent[0]} {summed[0]}", file=sys.stderr)


@dataclass(frozen=True, slots=True)
class Run:
    seconds: float  # the index run's wall time
    fsyncs: int
    in_fsync: float
    in_checksums: float
    query: float  # a cold `searcharc query` of the index made, a fresh process


def one_run(mode: str, inputs: list[str], folder: Path, extra: list[str]) -> Run:
    """One `searcharc index` into a new folder (a copy of ``folder/base`` when there is
    one), then a cold query of it."""
    target = folder / "ix"
    shutil.rmtree(target, ignore_errors=True)
    if (folder / "base").is_dir():
        shutil.copytree(folder / "base", target)
    command = [sys.executable, __file__, "--child", mode, "index", *inputs, "--index", str(target)]
    start = time.perf_counter()
    done = subprocess.run([*command, *extra], capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 1):  # 1: some input skipped (named on stderr)
        raise SystemExit(f"searcharc index failed: {done.stderr}")
    count, spent, summed = done.stderr.rsplit("fsyncs ", 1)[1].split()[:3]
    query = [sys.executable, "-m", "searcharc", "query", QUERY, "--index", str(target)]
    start = time.perf_counter()
    subprocess.run(query, capture_output=True, check=True)
    return Run(seconds, int(count), float(spent), float(summed), time.perf_counter() - start)


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def report(group: str, runs: dict[str, list[Run]]) -> None:
    """p50 and p95 of each mode, the median difference from the last mode, the time in fsync
    and in recording checksums, the cold query's p50."""
    base_mode = list(runs)[-1]
    for mode, found in runs.items():
        times = [r.seconds for r in found]
        queries = [r.query * 1000 for r in found]
        print(
            f"  {mode:6}  p50 {percentile(times, 50):.3f} s  p95 {percentile(times, 95):.3f} s"
            f"  ({found[0].fsyncs} fsync calls; in fsync p50"
            f" {percentile([r.in_fsync for r in found], 50) * 1000:.0f} ms, in checksums p50"
            f" {percentile([r.in_checksums for r in found], 50) * 1000:.0f} ms); cold query"
            f" p50 {percentile(queries, 50):.0f} ms p95 {percentile(queries, 95):.0f} ms"
        )
        if mode != base_mode:
            deltas = [a.seconds - b.seconds for a, b in zip(found, runs[base_mode], strict=True)]
            change = percentile(deltas, 50)
            base = percentile([r.seconds for r in runs[base_mode]], 50)
            print(f"  {mode} - {base_mode} p50 {change * 1000:+.0f} ms ({change / base:+.1%})")
    print(f"  {group}: {load()}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("inputs", nargs="*")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--dir", type=Path, default=Path("/var/tmp"))
    parser.add_argument("--onto", help="Comma-separated inputs of an index each run adds to.")
    parser.add_argument("--optimize", action="store_true", help="Each run merges all (--onto).")
    parser.add_argument("--modes", default="sync,nosync", help="Of sync, nosync, bare.")
    parser.add_argument("--child", choices=["sync", "nosync", "bare"])
    known, rest = parser.parse_known_args()
    if known.child:
        child(known.child, [*known.inputs, *rest])
        return
    folder = Path(tempfile.mkdtemp(prefix="durable-", dir=known.dir))
    extra = ["--optimize"] if known.optimize else []
    try:
        if known.onto:
            one_run("sync", known.onto.split(","), folder, [])
            (folder / "ix").rename(folder / "base")
            print(f"onto an index of {known.onto}{' (--optimize)' if extra else ''}")
        for group in known.inputs:
            runs: dict[str, list[Run]] = {m: [] for m in known.modes.split(",")}
            print(f"{group}: {load()}")
            for _ in range(known.rounds):
                for mode, found in runs.items():
                    found.append(one_run(mode, group.split(","), folder, extra))
            report(group, runs)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
