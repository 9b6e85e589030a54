"""What `searcharc check` costs on an index (by hand, not in CI): each run a fresh process,
cold (the index's files dropped from the page cache first, with posix_fadvise: only this
index's pages, not the whole machine's) and warm (right after), alternated.

    .venv/bin/python bench/check.py --rounds 3 /tmp/yours/idx300k
    .venv/bin/python bench/check.py --diagnose /tmp/yours/idx300k

Prints the index's files and bytes, each run's wall time, the median of each way, and the
load average before and after. ``--diagnose``: instead, what the diagnosis of a failed read
costs (``searcharc.whooshx.damage``, in this process, files in the page cache): by the
commit's recorded checksums, as a query does, and by decoding every term and column, as it
does for a commit without them.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from stats import percentile


def files(index: Path) -> list[Path]:
    return [p for p in index.rglob("*") if p.is_file()]


def evict(index: Path) -> None:
    """Drop the index's files from the page cache (their pages are clean: nothing is lost)."""
    for path in files(index):
        descriptor = os.open(path, os.O_RDONLY)
        try:
            os.posix_fadvise(descriptor, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(descriptor)


def one_run(index: Path) -> float:
    """Seconds of one `searcharc check --index INDEX --json` (exit 0 or 1 expected)."""
    command = [sys.executable, "-m", "searcharc", "check", "--index", str(index), "--json"]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"searcharc check failed: {done.stderr}")
    return seconds


def diagnoses(index: Path) -> None:
    """The diagnosis of the (healthy) index both ways, timed, after one warming read."""
    from whoosh.index import TOC

    from searcharc.whooshx import damage, generations
    from searcharc.whooshx.storage import MappedStorage

    storage = MappedStorage(str(index))
    toc = TOC.read(storage, generations.INDEX_NAME, generations.generations(index)[-1])
    damage.diagnose(index)
    ways = {
        "checksums": lambda: damage.diagnose(index),
        "decoding": lambda: damage.scan(index, storage, toc),
    }
    for way, call in ways.items():
        start = time.perf_counter()
        found = call()
        print(f"  diagnosis by {way}: {time.perf_counter() - start:.2f} s (found {found})")


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("index", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--diagnose", action="store_true")
    known = parser.parse_args()
    found = files(known.index)
    size = sum(p.stat().st_size for p in found)
    print(f"{known.index}: {len(found)} files, {size / 2**20:,.0f} MB; {load()}")
    if known.diagnose:
        diagnoses(known.index)
        print(f"  {load()}")
        return
    times: dict[str, list[float]] = {"cold": [], "warm": []}
    for _ in range(known.rounds):
        evict(known.index)
        for way in ("cold", "warm"):
            times[way].append(one_run(known.index))
    for way, found_times in times.items():
        each = " ".join(f"{t:.2f}" for t in found_times)
        print(f"  {way}  p50 {percentile(found_times, 50):.2f} s  (runs: {each} s)")
    print(f"  {load()}")


if __name__ == "__main__":
    main()
