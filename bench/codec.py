"""searcharc's codec (issue 25) against W3, alone: the same articles indexed by the same writer
into the same segments, the writer's codec switched as the tests switch it; CPU seconds of
each `searcharc index` (builds alternated), the index sizes, and CPU milliseconds a query
(top 10 with snippets, both of bench/scale.py's query kinds, rounds alternated): CPU time,
so that a shared machine's load weighs less (by hand):

    .venv/bin/python bench/codec.py --archive /tmp/i25scale/archive-30000 \\
        --queries /tmp/i25scale --work /tmp/i25codec --builds 1 --rounds 3
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

# `searcharc index ARGS` in a child process, its codec W3 when SWITCH is kept
PROGRAM = """import sys
from whoosh.codec.whoosh3 import W3Codec
from searcharc.whooshx import codec
SWITCH
from searcharc.cli.launch import main
sys.argv = ["searcharc", *sys.argv[1:]]
main()
"""
CODECS = {
    "new": PROGRAM.replace("SWITCH", ""),
    "W3": PROGRAM.replace("SWITCH", "codec.new_codec = W3Codec"),
}
KINDS = ("title", "two-words")  # bench/scale.py's query files: queries-KIND.txt


def build(name: str, archive: Path, index: Path) -> float:
    """CPU seconds (user + system, the process and its children) of one build."""
    shutil.rmtree(index, ignore_errors=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    command = [
        sys.executable,
        "-c",
        CODECS[name],
        "index",
        str(archive),
        "--index",
        str(index),
        "-q",
    ]
    if subprocess.run(command).returncode not in (0, 1):  # 1: some input skipped
        raise RuntimeError(f"{command[3:]} failed")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def query_cpu(indexes: dict[str, Path], queries: Path, rounds: int) -> dict[str, list[float]]:
    """CPU ms a query of each index and kind, a number a round (indexes alternated)."""
    from searcharc import SearchIndex

    kinds = {k: (queries / f"queries-{k}.txt").read_text("utf-8").split("\n") for k in KINDS}
    kinds = {k: [q for q in found if q.strip()] for k, found in kinds.items()}
    opened = {name: SearchIndex.open(path) for name, path in indexes.items()}
    for index in opened.values():  # warm: the page cache, the caches of frequent terms
        for query in kinds["title"][:20]:
            index.search(query)
    found: dict[str, list[float]] = {}
    for _ in range(rounds):
        for name, index in opened.items():
            for kind, batch in kinds.items():
                start = time.process_time()
                for query in batch:
                    index.search(query)
                spent = (time.process_time() - start) / len(batch) * 1000
                found.setdefault(f"query CPU ms {kind}, {name}", []).append(spent)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archive", type=Path, required=True, help="what `searcharc index` reads")
    parser.add_argument("--queries", type=Path, required=True, help="bench/scale.py's --work")
    parser.add_argument("--work", type=Path, required=True, help="where the indexes go")
    parser.add_argument("--builds", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    out: dict = {"load at start": os.getloadavg()}
    indexes = {name: args.work / f"index-{name}" for name in CODECS}
    for _ in range(args.builds):
        for name, index in indexes.items():
            out.setdefault(f"build CPU s, {name}", []).append(build(name, args.archive, index))
    for name, index in indexes.items():
        out[f"size MB, {name}"] = sum(f.stat().st_size for f in index.iterdir()) / 1e6
    out.update(query_cpu(indexes, args.queries, args.rounds))
    out["load at end"] = os.getloadavg()
    medians = {k: statistics.median(v) if isinstance(v, list) else v for k, v in out.items()}
    for key, value in medians.items():
        print(f"{key}: {value:.2f}" if isinstance(value, float) else f"{key}: {value}")
    for metric in sorted({k.rsplit(", ", 1)[0] for k in medians if k.endswith(", new")}):
        print(f"{metric}: new ÷ W3 {medians[metric + ', new'] / medians[metric + ', W3']:.3f}")
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
