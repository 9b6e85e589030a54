"""searcharc's codec (issue 25) at one size, through bench/scale.py's doors, in one run: the
same archive's index in the new format and in W3 (read by the same code), tantivy and SQLite
FTS5 (built from the archive into --work unless kept there), p50/p95 of both query kinds
and the cold query, with the load average (by hand):

    .venv/bin/python bench/codec.py --work /tmp/i25scale --size 300000 \\
        --new /tmp/i25scale/conv-300000 --w3 /tmp/scale300/index-300000

The new-format index may be a W3 one merged into the new codec (`searcharc index --optimize`
of a copy): what a user's first merge makes of an older index.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import scale  # noqa: E402
import speed  # noqa: E402

KINDS = ("title", "two words")  # bench/scale.py's query files in --work


def peer(engine: str, work: Path, size: int) -> tuple[Path, dict]:
    """A peer's index of the archive in ``work``, built unless kept, and its build record."""
    path, record = work / f"{engine}-{size}", work / f"{engine}-{size}.json"
    if not record.exists():
        run = scale.peer_build(engine, work / f"archive-{size}", path)
        record.write_text(json.dumps({"s": run.seconds, "mb": speed.dir_size(path) / 1e6}))
    return path, json.loads(record.read_text())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, required=True, help="bench/scale.py's --work")
    parser.add_argument("--size", type=int, required=True)
    parser.add_argument("--new", type=Path, required=True, help="an index in the new format")
    parser.add_argument("--w3", type=Path, help="the same archive's index in W3")
    parser.add_argument("--peers", default="tantivy,fts5", help="'': searcharc's indexes only")
    args = parser.parse_args()
    files = {kind: args.work / f"queries-{kind.replace(' ', '-')}.txt" for kind in KINDS}
    out: dict = {"load_start": os.getloadavg()}
    engines = [("searcharc, new codec", "searcharc", args.new)]
    if args.w3:
        engines.append(("searcharc, W3 index", "searcharc", args.w3))
    for engine in [p for p in args.peers.split(",") if p]:
        path, out[f"{engine} build"] = peer(engine, args.work, args.size)
        engines.append((speed.NAMES[engine], engine, path))
    for label, engine, path in engines:
        out[label] = scale.latencies(engine, path, files)
        out[label]["load"] = os.getloadavg()
        print(label, json.dumps(out[label]), flush=True)
    out["cold, new codec"] = scale.cold_ms(args.new)
    if args.w3:
        out["cold, W3 index"] = scale.cold_ms(args.w3)
    out["load_end"] = os.getloadavg()
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
