"""Real dumps in, nothing lost (issue 16; run by hand, not in CI, ~2-4 minutes).

    python bench/dumps.py

The 18 SaudiNewsNet zips (JSON arrays) under $SEARCHARC_DATA, and the same articles written
as one JSON Lines file of ``{id, text}`` records (in a temporary folder), are each indexed by
`searcharc index` with its default options. Prints the exit status, what was added, the
duplicates and the skipped, against the records that have text: added + duplicates must be
all of them.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("SEARCHARC_DATA", ROOT.parent / "shared" / "data"))
TEXT_KEYS = ("content", "body", "text")


def records(zips: list[Path]) -> list[dict]:
    """Every record of the zips, in order."""
    found = []
    for path in zips:
        with zipfile.ZipFile(path) as archive:
            for member in sorted(archive.namelist()):
                found += json.loads(archive.read(member))
    return found


def has_text(record: dict) -> bool:
    return any(isinstance(record.get(k), str) and record[k].strip() for k in TEXT_KEYS)


def index(paths: list[Path], target: Path) -> None:
    """`searcharc index PATHS` with default options, and its summary against the records."""
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "searcharc", "index", *map(str, paths), "--index", str(target)]
        + ["--json"],
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if proc.returncode not in (0, 1):
        print(f"  exit {proc.returncode}: {proc.stderr.strip()}")
        return
    summary = json.loads(proc.stdout)
    print(
        f"  exit {proc.returncode}, {seconds:.0f} s, peak memory of the runs so far {peak:.0f} MB: "
        f"{summary['added']:,} added, {len(summary['duplicates']):,} duplicates, "
        f"{len(summary['skipped']):,} skipped"
    )
    for skipped in summary["skipped"][:5]:
        print(f"    skipped {skipped['input']}: {skipped['reason']}")
    print(f"  added + duplicates = {summary['added'] + len(summary['duplicates']):,}")


def main() -> int:
    zips = sorted((DATA / "saudinewsnet").glob("*.zip"))
    if not zips:
        print(f"skipped: no SaudiNewsNet zips under {DATA} (set SEARCHARC_DATA)", file=sys.stderr)
        return 0
    found = records(zips)
    with_text = [r for r in found if has_text(r)]
    print(f"{len(zips)} zips: {len(found):,} records, {len(with_text):,} with text")
    with tempfile.TemporaryDirectory() as tmp:
        dump = Path(tmp) / "saudinewsnet.jsonl"
        with dump.open("w", encoding="utf-8") as out:
            for number, record in enumerate(with_text, 1):
                text = next(record[k] for k in TEXT_KEYS if has_text({k: record.get(k)}))
                out.write(json.dumps({"id": str(number), "text": text}, ensure_ascii=False))
                out.write("\n")
        print(f"one JSON Lines file of {{id, text}}: {dump.stat().st_size / 1e6:.1f} MB")
        index([dump], Path(tmp) / "from-jsonl")
        print("the 18 zips themselves:")
        index(zips, Path(tmp) / "from-zips")
    return 0


if __name__ == "__main__":
    sys.exit(main())
