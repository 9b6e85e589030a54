"""The README's pictures of `searcharc trend`: the terminal chart recorded by Rich as SVG, then
drawn to PNG by headless Chromium (/usr/bin/chromium), as a terminal shows it.

    .venv/bin/searcharc index ../shared/data/saudinewsnet --index /tmp/snn
    .venv/bin/python tools/trend_chart.py --index /tmp/snn --by day \
        --out docs/screenshots/trend-saudinewsnet اليمن داعش
    .venv/bin/python tools/trend_chart.py --index /tmp/bulkbench/idx300k --by month \
        --relative --since 2023-01-01 --until 2024-12-31 \
        --out docs/screenshots/trend-archive اليمن النفط
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

from rich.console import Console

from searcharc import SearchIndex
from searcharc.cli import chart

CHROMIUM = "/usr/bin/chromium"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("queries", nargs="+")
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--by", default="day")
    parser.add_argument("--since", type=date.fromisoformat)
    parser.add_argument("--until", type=date.fromisoformat)
    parser.add_argument("--relative", action="store_true")
    parser.add_argument("--months", default="egypt")
    parser.add_argument("--width", type=int, default=96, help="the terminal's columns")
    parser.add_argument("--out", type=Path, required=True, help="the picture, without suffix")
    args = parser.parse_args()
    found = SearchIndex.open(args.index).trend(
        args.queries, by=args.by, since=args.since, until=args.until, relative=args.relative
    )
    console = Console(
        file=io.StringIO(),
        record=True,
        width=args.width,
        force_terminal=True,
        color_system="truecolor",
        highlight=False,
    )
    words = " ".join(chart.isolated(f'"{q}"') for q in args.queries)
    flags = [f"--by {args.by}"] + (["--relative"] if args.relative else [])
    flags += [f"--{k} {v}" for k, v in (("since", args.since), ("until", args.until)) if v]
    flags += [f"--months {args.months}"] if args.months != "egypt" else []
    console.print(f"$ searcharc trend {words} {' '.join(flags)}", style="bold")
    chart.print_chart(found, console, args.months, str)
    lines = len(console.export_text(clear=False).splitlines())
    svg = args.out.with_suffix(".svg")
    console.save_svg(str(svg), title="searcharc trend")
    height = 110 + 25 * lines  # the SVG's window frame, then a line of 1.22 em at 20 px
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                f"--user-data-dir={profile}",
                "--hide-scrollbars",
                f"--window-size={args.width * 12 + 60},{height}",
                f"--screenshot={args.out.with_suffix('.png').resolve()}",
                svg.resolve().as_uri(),
            ],
            check=True,
            capture_output=True,
        )
    print(f"{svg} and {args.out.with_suffix('.png')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
