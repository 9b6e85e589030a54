"""Build rate against plain Whoosh's writer (issue 25: at 30k, at least 2x its rate, the index at
most 1.1x its size): `searcharc index` of bench/scale.py's archive and bench/scale.py's plain
Whoosh peer (one process, its default writer) built alternately into ``--work``; wall and CPU
seconds (user + system, children included: searcharc's analysis runs in a worker process),
peak memory, index sizes, the load average (by hand). ``--before DIR``: also the `searcharc
index` of another checkout of searcharc (e.g. ``git worktree add --detach DIR COMMIT``), run
from its folder through PYTHONPATH, in the same rounds:

    nice -n 10 .venv/bin/python bench/build_rate.py --archive /tmp/i25scale/archive-30000 \\
        --work /tmp/i25build --rounds 2 [--before /tmp/i25build/base]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import scale  # noqa: E402  (bench/scale.py: `searcharc index` and the Whoosh peer, measured)
import speed  # noqa: E402


def children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def one_build(engine: str, archive: Path, index: Path, before: Path | None) -> dict:
    """Wall and CPU seconds, peak PSS (MB) and index size (MB) of one build into ``index``."""
    shutil.rmtree(index, ignore_errors=True)
    cpu = children_cpu()
    if engine == "whoosh":
        run = scale.peer_build("whoosh", archive, index)
    elif engine == "before":  # the console script puts no folder before PYTHONPATH
        os.environ["PYTHONPATH"] = str(before)
        try:
            run = scale.index_run(archive, index)
        finally:
            del os.environ["PYTHONPATH"]
    else:
        run = scale.index_run(archive, index)
    return {
        "wall": run.seconds,
        "cpu": children_cpu() - cpu,
        "peak_mb": run.peak_mb,
        "mb": speed.dir_size(index) / 1e6,
        "load": os.getloadavg()[0],
    }


def table(runs: dict[str, list[dict]]) -> None:
    """Medians of the rounds, each engine's rate ÷ Whoosh's (of the medians, and the median of
    each round's ratio: the load changes from round to round)."""
    peer = {k: statistics.median(r[k] for r in runs["whoosh"]) for k in runs["whoosh"][0]}
    print(
        "| median of rounds | wall, s | CPU, s (children included) | rate ÷ Whoosh's, wall "
        "(median of rounds' ratios) | the same, CPU | peak memory (PSS), MB | index, MB (÷ Whoosh's) |"
    )
    print("| --- |" + " ---: |" * 6)
    for engine, found in runs.items():
        med = {k: statistics.median(r[k] for r in found) for k in found[0]}
        ratios = {
            k: statistics.median(w[k] / r[k] for w, r in zip(runs["whoosh"], found, strict=True))
            for k in ("wall", "cpu")
        }
        print(
            f"| {engine} | {med['wall']:.1f} | {med['cpu']:.1f} | "
            f"{peer['wall'] / med['wall']:.2f}× ({ratios['wall']:.2f}×) | "
            f"{peer['cpu'] / med['cpu']:.2f}× ({ratios['cpu']:.2f}×) | {med['peak_mb']:.0f} | "
            f"{med['mb']:.1f} ({med['mb'] / peer['mb']:.3f}×) |"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archive", type=Path, required=True, help="bench/scale.py's archive")
    parser.add_argument("--work", type=Path, required=True, help="where the indexes go")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--before", type=Path, help="another checkout of searcharc, measured too")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    runs: dict[str, list[dict]] = {"searcharc": [], "whoosh": []}
    if args.before:
        runs = {"searcharc": [], "before": [], "whoosh": []}
    for round_ in range(args.rounds):
        for engine, found in runs.items():
            index = args.work / f"{engine}-index"
            found.append(one_build(engine, args.archive, index, args.before))
            r = found[-1]
            print(
                f"round {round_ + 1} {engine}: wall {r['wall']:.1f} s, CPU {r['cpu']:.1f} s, "
                f"peak {r['peak_mb']:.0f} MB, {r['mb']:.1f} MB, load {r['load']:.2f}",
                flush=True,
            )
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    table(runs)
    print(json.dumps(runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
