"""CPU per query of two checkouts of searcharc, run alternately in one run (by hand).

    git worktree add /tmp/before 664545d
    .venv/bin/python bench/cpu_compare.py --before /tmp/before --index INDEX --queries FILE \
        [--flags "--since 2014-01-01"]

Each round runs `searcharc query --batch FILE --jsonl` once with each checkout (the order
alternating), through this venv's entry point with ``PYTHONPATH`` set to the checkout, and
takes the CPU of a one-query run away (start-up, the index opened), so that what is left is
the queries'. Prints each round, the mean CPU a query, the answers' ``took_ms`` p50/p95, the
ratio after ÷ before, whether the answers are identical, and the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path
from statistics import mean

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stats import percentile  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SEARCHARC = str(Path(sys.executable).parent / "searcharc")


def cpu(tree: Path, index: Path, queries: Path, out: Path, flags: list[str]) -> float:
    """Seconds of CPU of one `searcharc query --batch` (with ``flags``) with the code of
    ``tree``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with out.open("w") as sink:
        subprocess.run(
            [SEARCHARC, "query", "--batch", str(queries), "--jsonl", "--index", str(index), *flags],
            stdout=sink,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "PYTHONPATH": str(tree)},
            check=False,
        )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def answers(out: Path) -> tuple[list[dict], list[float]]:
    """The answers without their timings, and the timings."""
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    return rows, [row.pop("took_ms") for row in rows]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True, help="the other checkout")
    parser.add_argument("--after", type=Path, default=ROOT, help="default: this checkout")
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--queries", type=Path, required=True, help="one query a line")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--flags", default="", help='more options of every query: "--since 2014-01-01"'
    )
    args = parser.parse_args()
    flags = args.flags.split()
    work = Path(tempfile.mkdtemp(prefix="searcharc-cpu-"))
    lines = [line for line in args.queries.read_text().splitlines() if line.strip()]
    one = work / "one.txt"
    one.write_text(lines[0] + "\n")
    trees = {"before": args.before, "after": args.after}
    per: dict[str, list[float]] = {name: [] for name in trees}
    took: dict[str, list[float]] = {name: [] for name in trees}
    loads = [os.getloadavg()[0]]
    for tree in trees.values():  # warm: compiled modules, the page cache
        cpu(tree, args.index, one, work / "warm.jsonl", flags)
    for n in range(args.rounds):
        for name in sorted(trees, reverse=n % 2 == 1):
            out = work / f"{name}.jsonl"
            whole = cpu(trees[name], args.index, args.queries, out, flags)
            start = cpu(trees[name], args.index, one, work / "one.jsonl", flags)
            per[name].append((whole - start) / (len(lines) - 1) * 1000)
            took[name] += answers(out)[1]
            loads.append(os.getloadavg()[0])
        print(f"round {n + 1}: " + ", ".join(f"{k} {v[-1]:.2f} ms" for k, v in per.items()))
    for name in trees:
        rounds = ", ".join(f"{x:.2f}" for x in per[name])
        p50, p95 = percentile(took[name], 50), percentile(took[name], 95)
        print(
            f"{name}: CPU a query {mean(per[name]):.2f} ms ({rounds}); took_ms p50 {p50:.1f} p95 {p95:.1f}"
        )
    same = answers(work / "before.jsonl")[0] == answers(work / "after.jsonl")[0]
    ratio = mean(per["after"]) / mean(per["before"])
    print(f"after ÷ before: {ratio:.3f}; answers identical: {same}; {len(lines)} queries; "
          f"load {min(loads):.2f}-{max(loads):.2f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
