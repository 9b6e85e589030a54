"""What durable commits cost: `searcharc index` with its fsyncs and with them made no-ops,
alternated in the same run, each run a fresh process building a new index (by hand, not in CI).

    .venv/bin/python bench/durable.py [--rounds 5] [--dir /var/tmp] [--onto PATHS] \\
        seeds /work/shared/data/saudinewsnet/2015-07-2{1,2,3}.zip

Each input set (a space-free group of paths joined by commas, or one path) is indexed
--rounds times each way into a new index, or with ``--onto`` into a copy of an index of those
inputs built once (a daily run: its commit adds a segment to an index; the copy is not timed);
p50 and p95 of the wall time, the median difference, the fsyncs a run made and the seconds
spent in them are printed, with the load average. The folder must be on a real disk (not
tmpfs, where fsync costs nothing).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from stats import percentile


def child(mode: str, args: list[str]) -> None:
    """Run `searcharc ARGS` here, os.fsync counted and timed (``sync``) or counted and
    skipped."""
    real, count, spent = os.fsync, [0], [0.0]

    def fsync(descriptor: int) -> None:
        count[0] += 1
        if mode == "sync":
            start = time.perf_counter()
            real(descriptor)
            spent[0] += time.perf_counter() - start

    os.fsync = fsync
    sys.argv = ["searcharc", *args]
    from searcharc.cli.launch import main

    try:
        main()
    finally:
        print(f"fsyncs {count[0]} {spent[0]}", file=sys.stderr)


def one_run(mode: str, inputs: list[str], folder: Path) -> tuple[float, int, float]:
    """Seconds of one `searcharc index` into a new folder (a copy of ``folder/base`` when
    there is one), its fsyncs and the seconds spent in them."""
    target = folder / "ix"
    shutil.rmtree(target, ignore_errors=True)
    if (folder / "base").is_dir():
        shutil.copytree(folder / "base", target)
    command = [sys.executable, __file__, "--child", mode, "index", *inputs, "--index", str(target)]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 1):  # 1: some input skipped (named on stderr)
        raise SystemExit(f"searcharc index failed: {done.stderr}")
    count, spent = done.stderr.rsplit("fsyncs ", 1)[1].split()[:2]
    return seconds, int(count), float(spent)


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("inputs", nargs="*")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--dir", type=Path, default=Path("/var/tmp"))
    parser.add_argument("--onto", help="Comma-separated inputs of an index each run adds to.")
    parser.add_argument("--child", choices=["sync", "nosync"])
    known, rest = parser.parse_known_args()
    if known.child:
        child(known.child, [*known.inputs, *rest])
        return
    folder = Path(tempfile.mkdtemp(prefix="durable-", dir=known.dir))
    try:
        if known.onto:
            one_run("sync", known.onto.split(","), folder)
            (folder / "ix").rename(folder / "base")
            print(f"onto an index of {known.onto}")
        for group in known.inputs:
            inputs = group.split(",")
            times: dict[str, list[float]] = {"sync": [], "nosync": []}
            fsyncs, spent = {}, []
            print(f"{group}: {load()}")
            for _ in range(known.rounds):
                for mode in ("sync", "nosync"):
                    seconds, fsyncs[mode], in_fsync = one_run(mode, inputs, folder)
                    times[mode].append(seconds)
                    spent += [in_fsync] if mode == "sync" else []
            deltas = sorted(a - b for a, b in zip(times["sync"], times["nosync"], strict=True))
            for mode, found in times.items():
                print(
                    f"  {mode:6}  p50 {percentile(found, 50):.3f} s  p95 {percentile(found, 95):.3f}"
                    f" s  ({fsyncs[mode]} fsync calls)"
                )
            base = percentile(times["nosync"], 50)
            change = percentile(deltas, 50)
            print(f"  sync - nosync p50 {change * 1000:+.0f} ms ({change / base:+.1%}); {load()}")
            print(f"  in fsync (sync runs) p50 {percentile(spent, 50) * 1000:.0f} ms")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
