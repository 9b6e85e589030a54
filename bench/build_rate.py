"""Build rate against plain Whoosh's writer (issue 25: at 30k, at least 2x its rate, the index at
most 1.1x its size): `searcharc index` of bench/scale.py's archive and bench/scale.py's plain
Whoosh peer (one process, its default writer) built alternately into ``--work``; wall and CPU
seconds (user + system, children included: searcharc's analysis runs in a worker process),
peak memory, index sizes, the load average (by hand):

    nice -n 10 .venv/bin/python bench/build_rate.py --archive /tmp/i25scale/archive-30000 \\
        --work /tmp/i25build --rounds 2
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


def one_build(engine: str, archive: Path, index: Path) -> dict:
    """Wall and CPU seconds, peak PSS (MB) and index size (MB) of one build into ``index``."""
    shutil.rmtree(index, ignore_errors=True)
    cpu = children_cpu()
    if engine == "searcharc":
        run = scale.index_run(archive, index)
    else:
        run = scale.peer_build("whoosh", archive, index)
    return {
        "wall": run.seconds,
        "cpu": children_cpu() - cpu,
        "peak_mb": run.peak_mb,
        "mb": speed.dir_size(index) / 1e6,
        "load": os.getloadavg()[0],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archive", type=Path, required=True, help="bench/scale.py's archive")
    parser.add_argument("--work", type=Path, required=True, help="where the indexes go")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    runs: dict[str, list[dict]] = {"searcharc": [], "whoosh": []}
    for round_ in range(args.rounds):
        for engine, found in runs.items():
            found.append(one_build(engine, args.archive, args.work / f"{engine}-index"))
            r = found[-1]
            print(
                f"round {round_ + 1} {engine}: wall {r['wall']:.1f} s, CPU {r['cpu']:.1f} s, "
                f"peak {r['peak_mb']:.0f} MB, {r['mb']:.1f} MB, load {r['load']:.2f}",
                flush=True,
            )
    med = {
        engine: {k: statistics.median(r[k] for r in found) for k in found[0]}
        for engine, found in runs.items()
    }
    ours, peer = med["searcharc"], med["whoosh"]
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("| median of rounds | searcharc | plain Whoosh | searcharc's rate ÷ Whoosh's |")
    print("| --- | ---: | ---: | ---: |")
    for key, label in (("wall", "wall, s"), ("cpu", "CPU, s (children included)")):
        print(f"| {label} | {ours[key]:.1f} | {peer[key]:.1f} | {peer[key] / ours[key]:.2f}× |")
    print(f"| peak memory (PSS), MB | {ours['peak_mb']:.0f} | {peer['peak_mb']:.0f} | |")
    print(
        f"| index size, MB (÷ Whoosh's) | {ours['mb']:.1f} ({ours['mb'] / peer['mb']:.3f}×) |",
        end="",
    )
    print(f" {peer['mb']:.1f} | |")
    print(json.dumps(runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
