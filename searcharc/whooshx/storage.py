"""Segment files read through a memory map (whoosh-reloaded 2.7.x's ``FileStorage`` and
``StructFile``, subclassed)."""

from __future__ import annotations

import mmap
import os
from contextlib import suppress

from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import StructFile


class MappedFile(StructFile):
    """A segment file whose ``get`` (each term lookup, block header and postings read) slices
    a memory map of it, not a seek and a read of the file object: a query makes thousands."""

    def __init__(self, fileobj, name: str | None = None, onclose=None) -> None:
        super().__init__(fileobj, name=name, onclose=onclose)
        self._map = None  # read as a file: an empty one, or where mapping fails
        if os.fstat(fileobj.fileno()).st_size:
            with suppress(OSError, ValueError):
                self._map = mmap.mmap(fileobj.fileno(), 0, access=mmap.ACCESS_READ)

    def get(self, position: int, length: int) -> bytes:
        """``length`` bytes from ``position`` (fewer at the end of the file)."""
        if self._map is None:
            return super().get(position, length)
        return self._map[position : position + length]

    def close(self) -> None:
        if self._map is not None:
            self._map.close()
        super().close()


class MappedStorage(FileStorage):
    """Whoosh's folder storage with files opened for reading as ``MappedFile`` (through the
    private ``_fpath`` of whoosh-reloaded 2.7.x's FileStorage: a file's path)."""

    def open_file(self, name: str, **kwargs) -> MappedFile:
        return MappedFile(open(self._fpath(name), "rb"), name=name, **kwargs)


def sync(path: str | os.PathLike) -> None:
    """Flush a file's or a folder's data (a folder's: its names) to the disk."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class SyncedStorage(MappedStorage):
    """A storage whose ``rename_file`` syncs the file before it is named and the folder after:
    Whoosh writes a table of contents to a temporary file, then renames it, so that a power
    cut never leaves a TOC that was named but not written."""

    def rename_file(self, oldname: str, newname: str, safe: bool = False) -> None:
        sync(self._fpath(oldname))
        super().rename_file(oldname, newname, safe)
        sync(self.folder)
