"""The cold `searcharc query`, stage by stage (by hand): where a fresh process spends its time.

    .venv/bin/python bench/cold.py --index /tmp/scale/index-300000 --runs 20

Interleaved fresh processes, after one unmeasured run of each (bytecode caches written, the
index in the page cache, as in bench/speed.py's ``cold_runs``): `python -c pass`, the command
itself (`searcharc query TEXT --index DIR`, output piped), and the same query in a child that
times its stages (imports; open: the index folder, its metadata and Whoosh's table of
contents; searcher: the segments' readers; plan: the query compiled against the vocabulary;
rank: BM25F top-k in ``bulk``; rerank: proximity; hits: stored fields and snippets; print).
Medians in milliseconds; the stages' total is the in-process part of the command's wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent
QUERY = "مكافحة الإرهاب"
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

# The child: the fast path's steps (searcharc.cli.launch, commands.query) with clocks around them
STAGES = """
import json, sys, time
started = time.perf_counter()
from searcharc.cli import launch
launch.light_cached_property()
from searcharc.cli import commands, render
from searcharc.search import bulk, hits, local, planning, rerank, searcher
spent = {"imports": time.perf_counter() - started}

def timed(owner, name, stage):
    function = getattr(owner, name)
    def run(*args, **kwargs):
        begun = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[stage] = spent.get(stage, 0.0) + time.perf_counter() - begun
    setattr(owner, name, run)

timed(commands, "open_index", "open")
timed(local.LocalIndex, "searcher", "searcher")
timed(planning, "plan", "plan")
timed(bulk, "rank", "rank")
timed(rerank, "with_proximity", "rerank")
timed(hits, "hit", "hits")
timed(searcher.SearchIndex, "suggest", "suggest")
options = launch.parse_query_args(sys.argv[1:])
begun = time.perf_counter()
index = commands.open_index(commands.index_path(options.index), parallel=False)
result = index.search(options.text, limit=options.limit)
spent["search"] = time.perf_counter() - begun - spent["open"]
begun = time.perf_counter()
sys.stdout.write(render.plain_result(result) + "\\n")
sys.stdout.flush()
spent["print"] = time.perf_counter() - begun
spent["total"] = time.perf_counter() - started
print(json.dumps(spent), file=sys.stderr)
"""


def wall(command: list[str]) -> tuple[float, str]:
    """A fresh process's wall time, and its stderr."""
    started = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True, env=ENV, check=False)
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{command[:3]} failed: {proc.stderr[-500:]}")
    return time.perf_counter() - started, proc.stderr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--query", default=QUERY)
    args = parser.parse_args()
    query = ["query", args.query, "--index", str(args.index)]
    commands = {
        "python -c pass": [str(BIN / "python"), "-c", "pass"],
        "searcharc query": [str(BIN / "searcharc"), *query],
        "stages": [str(BIN / "python"), "-c", STAGES, *query],
    }
    for command in commands.values():
        wall(command)
    times: dict[str, list[float]] = {name: [] for name in commands}
    stages: list[dict[str, float]] = []
    for _ in range(args.runs):
        for name, command in commands.items():
            seconds, err = wall(command)
            times[name].append(seconds)
            if name == "stages":
                stages.append(json.loads(err.strip().splitlines()[-1]))
    python = statistics.median(times["python -c pass"])
    for name in ("python -c pass", "searcharc query"):
        median = statistics.median(times[name])
        print(f"{name:18} {median * 1000:7.1f} ms  ({median / python:.2f}x python -c pass)")
    keys = [k for k in stages[0] if k != "total"] + ["total"]
    keys += sorted({k for found in stages for k in found} - set(keys))
    print(f"in-process stages of {args.index}, median of {args.runs} (ms):")
    for key in keys:
        values = [found.get(key, 0.0) * 1000 for found in stages]
        print(f"  {key:10} {statistics.median(values):7.1f}")


if __name__ == "__main__":
    main()
