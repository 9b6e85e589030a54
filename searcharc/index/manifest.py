"""What the last `searcharc index` run read cleanly: each input's file size and modification
time, so that a re-run of an archive reads only the inputs that changed (as rsync decides).

The manifest is removed before a commit and written after it: a run killed in between, or any
other write (``searcharc remove``, the Python API), leaves none, and the next run reads
everything once. It holds for one set of reading options (``options_key``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path

from searcharc.ingest import Input

MANIFEST_FILE = "searcharc.inputs.json"

Fingerprint = tuple[int, int]  # the origin file's size and modification time (ns)


def key(item: Input) -> str:
    """An input by the file it comes from and the name its article ids derive from."""
    return f"{item.origin}\0{item.name}"


def fingerprint(item: Input) -> Fingerprint | None:
    """The origin file's size and mtime; None for standard input or a file gone."""
    if item.origin == "-":
        return None
    try:
        found = os.stat(item.origin)
    except OSError:
        return None
    return found.st_size, found.st_mtime_ns


def fingerprints(items: Iterable[Input]) -> dict[str, Fingerprint]:
    """Each input's key → its fingerprint (one stat a file; standard input left out)."""
    return {key(i): found for i in items if (found := fingerprint(i)) is not None}


def read(index: Path, options_key: str) -> dict[str, Fingerprint]:
    """The inputs the last run read cleanly, if it read them with the same options."""
    try:
        data = json.loads((index / MANIFEST_FILE).read_text("utf-8"))
        if data["options"] != options_key:
            return {}
        return {k: (int(size), int(mtime)) for k, (size, mtime) in data["inputs"].items()}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def forget(index: Path) -> None:
    (index / MANIFEST_FILE).unlink(missing_ok=True)


def write(index: Path, options_key: str, inputs: dict[str, Fingerprint]) -> None:
    tmp = index / (MANIFEST_FILE + ".tmp")
    data = {"options": options_key, "inputs": inputs}
    tmp.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    tmp.replace(index / MANIFEST_FILE)
