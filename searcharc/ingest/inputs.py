"""What the user named → inputs to read: files, folders, zip archives and standard input."""

from __future__ import annotations

import fnmatch
import sys
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from searcharc.ingest.formats import Skipped

DEFAULT_MAX_SIZE = 50 * 1024 * 1024
STDIN = "-"
INDEX_FILES = (
    "searcharc.json",
    "searcharc.lock",
    "searcharc.shards.json",
)  # a searcharc index; Whoosh's own: *.toc


@dataclass(frozen=True, slots=True)
class Input:
    """One readable unit: a file, a zip member, or standard input."""

    name: str  # the id of a single-article input; the prefix of record ids
    origin: str  # the file on disk it comes from (a zip for its members), for --prune
    size: int  # bytes (uncompressed for a zip member); 0 when unknown (standard input)
    open: Callable[[], AbstractContextManager[BinaryIO]]


@dataclass(frozen=True, slots=True)
class Selection:
    """Which files of a folder to read, and how large an article may be."""

    include: Sequence[str] = ()
    exclude: Sequence[str] = ()
    max_size: int = DEFAULT_MAX_SIZE

    def wants(self, relative: str) -> bool:
        """Whether a path (relative to the folder named) passes --include and --exclude."""

        def matches(patterns: Sequence[str]) -> bool:
            name = relative.rsplit("/", 1)[-1]
            return any(fnmatch.fnmatch(relative, p) or fnmatch.fnmatch(name, p) for p in patterns)

        return (not self.include or matches(self.include)) and not matches(self.exclude)


def zip_inputs(path: Path, name: str, selection: Selection) -> Iterator[Input | Skipped]:
    """Every file in a zip archive, its name prefixed by the archive's."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        yield Skipped(name, f"not a readable zip archive ({exc})")
        return
    with archive:
        for info in sorted(archive.infolist(), key=lambda i: i.filename):
            member = f"{name}/{info.filename}"
            if info.is_dir() or not selection.wants(info.filename):
                continue
            yield Input(member, str(path), info.file_size, _zip_opener(path, info.filename))


def _zip_opener(path: Path, member: str) -> Callable[[], AbstractContextManager[BinaryIO]]:
    @contextmanager
    def member_stream() -> Iterator[BinaryIO]:
        with zipfile.ZipFile(path) as archive, archive.open(member) as stream:
            yield stream

    return member_stream


def file_inputs(path: Path, name: str, selection: Selection) -> Iterator[Input | Skipped]:
    """One file (a zip archive expands into its members)."""
    if path.is_symlink() and not path.exists():
        yield Skipped(name, "broken link")
        return
    try:
        size = path.stat().st_size
    except OSError as exc:
        yield Skipped(name, f"cannot read ({exc.strerror})")
        return
    if path.suffix.lower() == ".zip":
        yield from zip_inputs(path, name, selection)
    else:
        yield Input(name, str(path.resolve()), size, lambda: path.open("rb"))


def is_index_folder(path: Path) -> bool:
    """A folder holding a searcharc or Whoosh index: never read as input."""
    return any((path / name).exists() for name in INDEX_FILES) or any(path.glob("*.toc"))


def folder_inputs(root: Path, selection: Selection) -> Iterator[Input | Skipped]:
    """Every file below a folder, in sorted order, named by its path relative to the folder.

    Hidden files and folders (.git, .DS_Store) and index folders (./index when a folder is
    indexed in place) are left out.
    """
    indexes: list[Path] = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if any(part.startswith(".") for part in relative.parts):
            continue
        if any(folder in path.parents for folder in indexes):
            continue
        if path.is_dir():
            if is_index_folder(path):
                indexes.append(path)
            continue
        if selection.wants(relative.as_posix()):
            yield from file_inputs(path, relative.as_posix(), selection)


def stdin_input() -> Input:
    """Standard input, read as a stream (its size is not known)."""
    return Input("stdin", STDIN, 0, lambda: nullcontext(sys.stdin.buffer))


def inputs(paths: Sequence[str | Path], selection: Selection) -> Iterator[Input | Skipped]:
    """Everything the user named, expanded: folders recursively, zip archives by member."""
    for raw in paths:
        if str(raw) == STDIN:
            yield stdin_input()
            continue
        path = Path(raw)
        if path.is_dir():
            yield from folder_inputs(path, selection)
        elif path.exists() or path.is_symlink():
            yield from file_inputs(path, path.name, selection)
        else:
            yield Skipped(str(raw), "no such file or folder")
