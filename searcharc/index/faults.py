"""What an index folder refuses, each in one line: a write the disk refuses (full, read-only,
not permitted), after a failed run's unfinished files are removed; an index of another
searcharc's version."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from searcharc.analysis import ANALYZER_VERSION
from searcharc.errors import SearcharcError
from searcharc.whooshx.generations import WRITER_TEMP, unfinished

NO_SPACE = (errno.ENOSPC, errno.EDQUOT)
NOT_PERMITTED = (errno.EACCES, errno.EPERM)


class DiskRefused(SearcharcError):
    """The disk refused a write to an index folder: full, read-only, not permitted, or failed
    (an I/O error)."""


def refused(exc: BaseException) -> OSError | None:
    """The OSError of a full, read-only, forbidden or failing disk that ``exc`` is or was
    raised while handling (a writer's cancel can fail as its write did)."""
    wanted = (*NO_SPACE, *NOT_PERMITTED, errno.EROFS, errno.EIO)
    while exc is not None:
        if isinstance(exc, OSError) and exc.errno in wanted:
            return exc
        exc = exc.__cause__ or exc.__context__
    return None


def megabytes_free(path: Path) -> str:
    import shutil  # here: it imports bz2 and lzma, which a query never needs

    with suppress(OSError):
        return f"{shutil.disk_usage(path).free / 2**20:,.1f} MB free"
    return "free space unknown"


def no_inodes(path: Path) -> bool:
    """Whether the file system of ``path`` has no file left to give (a full inode table)."""
    with suppress(OSError):
        found = os.statvfs(path)
        return found.f_files > 0 and found.f_favail == 0
    return False


def message(path: Path, exc: OSError) -> str:
    """The one line of a write to the index folder ``path`` that the disk refused."""
    if exc.errno == errno.EROFS:
        return f"{path} is on a read-only file system: it can be searched, not indexed into"
    if exc.errno in NOT_PERMITTED:
        return f"no permission to write in {path} ({exc.strerror}): it can be searched only"
    if exc.errno == errno.EIO:
        return (
            f"the device of {path} failed ({exc.strerror} on {exc.filename or path}); "
            "the index is unchanged at its last commit"
        )
    kind = "no file left (a full inode table)" if no_inodes(path) else "no space left"
    return (
        f"{kind} on the device of {path} ({megabytes_free(path)}); "
        "the index is unchanged at its last commit"
    )


def remove_unfinished(folders: Callable[[], list[Path]]) -> None:
    """Delete what an unfinished run left in each of the ``folders()`` (``unfinished``)."""
    import shutil

    try:
        chosen = folders()
    except SearcharcError:  # no shard count to go by
        return
    for folder in chosen:
        try:
            leftovers = unfinished(folder)
        except Exception:  # a TOC that does not read: which segments it holds is unknown
            continue
        for leftover in leftovers:
            with suppress(OSError):
                if leftover.name == WRITER_TEMP:
                    shutil.rmtree(leftover)
                else:
                    leftover.unlink()


def refusal(path: Path, exc: BaseException) -> DiskRefused | None:
    """``DiskRefused`` for a write to the index at ``path`` that the disk refused, else None."""
    found = refused(exc)
    return None if found is None else DiskRefused(message(path, found))


@contextmanager
def writes(path: Path) -> Iterator[None]:
    """Writes to the index at ``path``: one the disk refuses becomes ``DiskRefused``."""
    try:
        yield
    except SearcharcError:
        raise
    except Exception as exc:
        error = refusal(path, exc)
        if error is None:
            raise
        raise error from exc


@contextmanager
def cleaned(path: Path, folders: Callable[[], list[Path]]) -> Iterator[None]:
    """A run that holds the write lock of the index at ``path``: when it fails, what it left
    unfinished in ``folders()`` (the index's own, or its shards') is removed at once (a full
    disk stays full otherwise, and the next run fails the same way); a refused write is told
    as the disk was when it failed."""
    try:
        yield
    except Exception as exc:
        error = None if isinstance(exc, SearcharcError) else refusal(path, exc)
        remove_unfinished(folders)
        if error is None:
            raise
        raise error from exc


class OtherVersion(SearcharcError):
    """The index was built by a searcharc of another analyzer version."""


def other_version(path: Path, version: str) -> str:
    """The one line of an index of analyzer ``version``, not this searcharc's."""
    if version.isdigit() and int(version) > int(ANALYZER_VERSION):
        return (
            f"{path} was built by a newer searcharc (analyzer version {version}; this one reads "
            f"{ANALYZER_VERSION}): upgrade searcharc to read it (pip install -U searcharc)"
        )
    return (
        f"{path} was built with analyzer version {version}, this searcharc "
        f"uses {ANALYZER_VERSION}; rebuild it: searcharc index --rebuild --index {path}"
    )
