"""`searcharc check --repair` on a copy of a built index (by hand, not in CI): a segment's
postings file damaged by hand (4 KB of random bytes in its middle), `check` (exit 1), `check
--repair` (the articles lost), then the next `searcharc index` of the same archive (niced),
each timed; then the index is compared with the one it was copied from: the same ids with
the same content hashes and origins, and the same answers (ids, scores to 1e-9).

    .venv/bin/python bench/repair.py --source /tmp/bulkbench/idx300k \\
        --archive /tmp/bulkbench/arch300k --work /tmp/yours/repair \\
        --queries /tmp/bulkbench/queries.txt --compare 50

A source index whose commit recorded no checksums (built before searcharc did) is given one
first by an index run of the same archive (every input unchanged: a commit that records them).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

SEARCHARC = [sys.executable, "-m", "searcharc"]


def timed(*args: str, nice: bool = False) -> tuple[float, subprocess.CompletedProcess]:
    command = [*(["nice", "-n", "10"] if nice else []), *SEARCHARC, *args]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    return time.perf_counter() - start, done


def damage(index: Path, segment: str) -> Path:
    """4,096 random bytes written over the middle of the segment's postings file."""
    path = index / f"{segment}.pst"
    with path.open("r+b") as file:
        file.seek(path.stat().st_size // 2)
        file.write(random.Random(24).randbytes(4096))
    return path


def columns(index: Path) -> dict[str, tuple[str, str]]:
    """Every id with its content hash and origin."""
    from searcharc.index import store

    ix = store.open_existing(index)
    return {i: (k.hash, k.origin) for i, k in store.known_documents(ix).items()}


def answers(index: Path, queries: list[str]) -> list[list[tuple[str, float]]]:
    from searcharc import SearchIndex

    found = SearchIndex.open(index, parallel=False)
    try:
        return [[(h.id, h.score) for h in found.search(q, snippets=False).hits] for q in queries]
    finally:
        found.close()


def same_answers(one: list, other: list) -> bool:
    for a, b in zip(one, other, strict=True):
        if [i for i, _ in a] != [i for i, _ in b]:
            return False
        if any(abs(x - y) > 1e-9 for (_, x), (_, y) in zip(a, b, strict=True)):
            return False
    return True


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def run(args: argparse.Namespace) -> None:
    from searcharc.index.check import check

    index = args.work / "index"
    shutil.rmtree(index, ignore_errors=True)
    shutil.copytree(args.source, index)
    folder = check(index).folders[0]
    if not folder.recorded:
        seconds, done = timed("index", str(args.archive), "--index", str(index), nice=True)
        print(f"a commit recording checksums: {seconds:.1f} s ({done.stderr.strip()[-120:]})")
        folder = check(index).folders[0]
    segment = folder.segments[args.segment]
    print(f"{load()}; damaged: {damage(index, segment.segment).name} ({segment.documents:,})")
    seconds, done = timed("check", "--index", str(index))
    print(f"check: exit {done.returncode}, {seconds:.2f} s")
    seconds, done = timed("check", "--repair", "--index", str(index), "--json")
    report = json.loads(done.stdout)
    lost = [i for x in report["lost"] for i in x["ids"] or []]
    count = sum(x["articles"] for x in report["lost"])
    print(f"check --repair: exit {done.returncode}, {seconds:.2f} s; {count:,} articles lost")
    queries = args.queries.read_text("utf-8").split("\n")[: args.compare]
    gone = set(lost) & {i for hits in answers(index, queries) for i, _ in hits}
    print(f"after the repair: {len(queries)} queries answered, {len(gone)} lost ids among hits")
    seconds, done = timed("index", str(args.archive), "--index", str(index), nice=True)
    print(f"index (niced): exit {done.returncode}, {seconds:.1f} s: {done.stderr.strip()}")
    back = columns(index) == columns(args.source)
    same = same_answers(answers(index, queries), answers(args.source, queries))
    print(f"ids, hashes, origins as the source's: {back}; answers to 1e-9: {same}; {load()}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--source", type=Path, required=True)
    parser.add_argument("--archive", type=Path, required=True)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--queries", type=Path, required=True)
    parser.add_argument("--compare", type=int, default=50, help="Queries compared.")
    parser.add_argument("--segment", type=int, default=-1, help="The segment damaged (TOC order).")
    run(parser.parse_args())


if __name__ == "__main__":
    main()
