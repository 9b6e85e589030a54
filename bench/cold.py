"""The cold `searcharc query`, stage by stage (by hand): where a fresh process spends its time.

    .venv/bin/python bench/cold.py --index /tmp/scale/index-300000 --runs 20

Interleaved fresh processes, after one unmeasured run of each (bytecode caches written, the
index in the page cache, as in bench/speed.py's ``cold_runs``): `python -c pass`, the command
itself (`searcharc query TEXT --index DIR`, output piped), and the same query in a child that
times its stages (imports; open: the index folder, its metadata and Whoosh's table of
contents; searcher: the segments' readers; plan: the query compiled against the vocabulary;
rank: BM25F top-k in ``bulk``; rerank: proximity; hits: stored fields and snippets; print).
Medians in milliseconds; the stages' total is the in-process part of the command's wall time.
With ``--against DIR`` (a source checkout of searcharc, e.g. ``git archive main | tar -x -C DIR``)
the same commands run from it too (PYTHONPATH=DIR), alternating with this checkout's, and the
table gives both and their ratio; ``numpy`` is the import of numpy alone, for reference.
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
getattr(launch, "without_collector", lambda: None)()  # where the checkout has it
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


def wall(command: list[str], env: dict[str, str]) -> tuple[float, str]:
    """A fresh process's wall time, and its stderr."""
    started = time.perf_counter()
    proc = subprocess.run(
        command, capture_output=True, text=True, env=env, cwd=BIN, check=False
    )  # run from the venv's bin: its source is the one PYTHONPATH or the install names
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{command[:3]} failed: {proc.stderr[-500:]}")
    return time.perf_counter() - started, proc.stderr


def commands_of(args: argparse.Namespace) -> dict[str, list[str]]:
    """The commands timed: the interpreter alone, numpy's import, the command, its stages."""
    query = ["query", args.query, "--index", str(args.index.resolve())]
    return {
        "python -c pass": [str(BIN / "python"), "-c", "pass"],
        "import numpy": [str(BIN / "python"), "-c", "import numpy"],
        "searcharc query": [str(BIN / "searcharc"), *query],
        "stages": [str(BIN / "python"), "-c", STAGES, *query],
    }


def measured(args: argparse.Namespace, variants: dict[str, dict[str, str]]):
    """Each variant's wall times by command and its stages, the variants alternated."""
    commands = commands_of(args)
    times = {v: {name: [] for name in commands} for v in variants}
    stages: dict[str, list[dict[str, float]]] = {v: [] for v in variants}
    for env in variants.values():  # bytecode written, the index in the page cache
        for command in commands.values():
            wall(command, env)
    for _ in range(args.runs):
        for variant, env in variants.items():
            for name, command in commands.items():
                seconds, err = wall(command, env)
                times[variant][name].append(seconds * 1000)
                if name == "stages":
                    stages[variant].append(json.loads(err.strip().splitlines()[-1]))
    return times, stages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--query", default=QUERY)
    parser.add_argument("--against", type=Path, help="a source checkout to time alongside")
    args = parser.parse_args()
    variants = {"this": ENV}
    if args.against:
        variants["against"] = ENV | {"PYTHONPATH": str(args.against.resolve())}
    load = os.getloadavg()
    times, stages = measured(args, variants)
    median = statistics.median
    print(
        f"load average {load[0]:.2f} before, {os.getloadavg()[0]:.2f} after; medians of {args.runs}"
    )
    print(
        f"{'ms':18} "
        + " ".join(f"{v:>9}" for v in variants)
        + ("      ratio" if args.against else "")
    )
    rows = {name: [median(times[v][name]) for v in variants] for name in times["this"]}
    del rows["stages"]
    keys = [k for k in stages["this"][0] if k != "total"] + ["total"]
    keys += sorted({k for found in stages["this"] for k in found} - set(keys))
    for key in keys:
        rows[f"  {key}"] = [median(f.get(key, 0.0) * 1000 for f in stages[v]) for v in variants]
    for name, values in rows.items():
        ratio = f"  {values[0] / values[1]:8.2f}x" if args.against and values[1] else ""
        print(f"{name:18} " + " ".join(f"{v:9.1f}" for v in values) + ratio)


if __name__ == "__main__":
    main()
