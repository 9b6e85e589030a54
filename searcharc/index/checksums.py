"""Each committed file's length and CRC-32, recorded at commit time beside Whoosh's table of
contents (``searcharc.checksums.<generation>.json``, written and synced before the TOC), read
back by ``searcharc check`` and by a replica's copy (``searcharc.cluster.replication``)."""

from __future__ import annotations

import json
import os
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

CHUNK = 64 * 1024  # bytes read at a time
FILE = re.compile(r"^searcharc\.checksums\.([0-9]+)\.json$")


@dataclass(frozen=True, slots=True)
class FileEntry:
    """One committed file: its name, length and CRC-32."""

    name: str
    size: int
    crc: int


def file_crc(path: Path) -> int:
    """The CRC-32 of a file, read a chunk at a time."""
    crc = 0
    with path.open("rb") as file:
        while chunk := file.read(CHUNK):
            crc = zlib.crc32(chunk, crc)
    return crc


class Checksums:
    """Each file's entry, kept while the file is unchanged (its size, modification time and
    inode): committed files never change in place."""

    def __init__(self) -> None:
        self.known: dict[tuple[str, int, int, int], int] = {}

    def entry(self, path: Path) -> FileEntry:
        found = path.stat()
        key = (str(path), found.st_size, found.st_mtime_ns, found.st_ino)
        if key not in self.known:
            self.known[key] = file_crc(path)
        return FileEntry(path.name, found.st_size, self.known[key])


def name_of(generation: int) -> str:
    return f"searcharc.checksums.{generation}.json"


def generation_of(name: str) -> int | None:
    """The generation a file name is the checksums file of (None: not one)."""
    found = FILE.match(name)
    return int(found.group(1)) if found else None


def read(folder: Path, generation: int) -> list[FileEntry] | None:
    """The entries recorded for a commit (None: it has none, made before checksums were).
    OSError or ValueError when the file cannot be read."""
    try:
        text = (folder / name_of(generation)).read_text("utf-8")
    except FileNotFoundError:
        return None
    data = json.loads(text)
    try:
        return [FileEntry(str(f["name"]), int(f["size"]), int(f["crc32"])) for f in data["files"]]
    except (KeyError, TypeError) as exc:
        raise ValueError(f"{name_of(generation)} does not list files: {exc}") from None


def record(folder: Path, generation: int, names: list[str], previous: int | None) -> None:
    """Write and sync the entries of the files ``names`` as the commit ``generation``'s; a
    file the commit ``previous`` recorded with the same length keeps its recorded CRC (it is
    not read again: a daily commit reads only its new segment)."""
    try:
        known = {e.name: e for e in read(folder, previous) or []} if previous is not None else {}
    except (OSError, ValueError):
        known = {}
    entries = [_entry(folder / name, known.get(name)) for name in names]
    data = {"generation": generation, "files": [_row(e) for e in entries]}
    with (folder / name_of(generation)).open("w", encoding="utf-8") as file:
        file.write(json.dumps(data, indent=1) + "\n")
        file.flush()
        os.fsync(file.fileno())


def _entry(path: Path, known: FileEntry | None) -> FileEntry:
    size = path.stat().st_size
    return known if known and known.size == size else FileEntry(path.name, size, file_crc(path))


def _row(entry: FileEntry) -> dict:
    return {"name": entry.name, "size": entry.size, "crc32": entry.crc}
