"""A shard replica made a byte copy of its primary's committed files, without Ray.

The primary lists the files of its latest commit (``listing``: name, size, CRC-32) and hands
them out in chunks of at most ``CHUNK`` bytes (``read_chunk``). A replica copies the files it
lacks, or holds with other bytes, into ``<folder>.next`` (each chunk written as it comes, its
CRC checked when the file is complete), then switches them in: each file moved into its folder
(an atomic rename), the commit's table of contents last, so that the folder always holds a
whole commit. The replica's earlier commit stays readable until it is no longer kept
(``generations.clean``): a reader that has it open keeps reading. A copy killed halfway leaves
the folder as it was; the next ``catch_up`` finds what ``.next`` already holds and finishes.
"""

from __future__ import annotations

import os
import shutil
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from searcharc.errors import SearcharcError
from searcharc.index.checksums import CHUNK, Checksums, FileEntry
from searcharc.index.store import META_FILE
from searcharc.whooshx import generations
from searcharc.whooshx.storage import sync

STAGE = ".next"  # the folder a copy is written in, beside the replica's


Reader = Callable[[str, int, int], bytes]  # (name, offset, size) → at most size bytes


def committed(folder: Path, generation: int | None = None) -> list[str]:
    """The files of a commit (the latest when None): its index metadata, its segments, its
    table of contents last."""
    found = generations.generations(folder)
    if not found:
        raise SearcharcError(f"{folder} holds no committed index")
    return [
        META_FILE,
        *generations.commit_files(folder, found[-1] if generation is None else generation),
    ]


def listing(folder: Path, sums: Checksums, generation: int | None = None) -> list[FileEntry]:
    """What a replica must hold to read a commit of ``folder``."""
    return [sums.entry(folder / name) for name in committed(folder, generation)]


def read_chunk(folder: Path, name: str, offset: int, size: int = CHUNK) -> bytes:
    """At most ``CHUNK`` bytes of one of the folder's own files."""
    if Path(name).name != name or name.startswith("."):
        raise SearcharcError(f"{name!r} is not a file of a shard")
    with (folder / name).open("rb") as file:
        file.seek(offset)
        return file.read(min(size, CHUNK))


def stage_of(folder: Path) -> Path:
    return folder.with_name(folder.name + STAGE)


def missing(folder: Path, wanted: list[FileEntry], sums: Checksums) -> list[FileEntry]:
    """The files of ``wanted`` that ``folder`` lacks or holds with other bytes."""
    return [e for e in wanted if not _holds(folder / e.name, e, sums)]


def _holds(path: Path, entry: FileEntry, sums: Checksums) -> bool:
    return path.is_file() and path.stat().st_size == entry.size and sums.entry(path) == entry


def copy_file(stage: Path, entry: FileEntry, read: Reader) -> None:
    """One file into ``stage``, a chunk a call, its size and CRC checked before it is named."""
    part = stage / (entry.name + ".part")
    crc, offset = 0, 0
    with part.open("wb") as out:
        while offset < entry.size:
            chunk = read(entry.name, offset, min(CHUNK, entry.size - offset))
            if not chunk:
                break
            out.write(chunk)
            crc = zlib.crc32(chunk, crc)
            offset += len(chunk)
        out.flush()
        os.fsync(out.fileno())
    if (offset, crc) != (entry.size, entry.crc):
        part.unlink()
        raise SearcharcError(
            f"{entry.name}: copied {offset} bytes, CRC {crc:08x}; "
            f"the primary lists {entry.size} bytes, CRC {entry.crc:08x}"
        )
    part.replace(stage / entry.name)


def switch_in(folder: Path, stage: Path, entries: list[FileEntry]) -> None:
    """Move the staged files into the folder, the table of contents last; then drop the stage."""
    for entry in entries:  # committed() lists the TOC last
        staged = stage / entry.name
        if staged.exists():
            staged.replace(folder / entry.name)
    sync(folder)  # the renames on disk before the older commit's files may go
    shutil.rmtree(stage, ignore_errors=True)


@dataclass(frozen=True, slots=True)
class Copied:
    """What a catch-up did."""

    files: int  # copied this time
    bytes: int
    generation: int  # the commit the folder now reads


def catch_up(
    folder: Path, wanted: list[FileEntry], read: Reader, sums: Checksums, keep: set[int]
) -> Copied:
    """Make ``folder`` hold the commit ``wanted`` lists (the primary's ``listing``), reading
    what differs through ``read``; then delete the commits not in ``keep`` (the new one is
    always kept)."""
    generation = generations.generation_of(wanted[-1].name)
    if generation is None:
        raise SearcharcError(f"{wanted[-1].name} is not a commit's table of contents")
    folder.mkdir(parents=True, exist_ok=True)
    stage = stage_of(folder)
    stage.mkdir(exist_ok=True)
    todo = missing(folder, wanted, sums)
    copied = [e for e in missing(stage, todo, sums)]
    for entry in copied:
        copy_file(stage, entry, read)
    switch_in(folder, stage, todo)
    generations.clean(folder, keep | {generation})
    return Copied(len(copied), sum(e.size for e in copied), generation)
