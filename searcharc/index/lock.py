"""One writer at a time: an advisory file lock that the kernel releases when its holder dies."""

from __future__ import annotations

import fcntl
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from searcharc.errors import SearcharcError
from searcharc.index import faults

LOCK_FILE = "searcharc.lock"
POLL_SECONDS = 0.1


def _holder(lock_path: Path) -> str:
    try:
        return lock_path.read_text("utf-8").strip() or "another process"
    except OSError:
        return "another process"


@contextmanager
def writer_lock(index_dir: Path, timeout: float, waited: str | None = None) -> Iterator[None]:
    """Hold the index's write lock, waiting up to ``timeout`` seconds for another writer;
    ``waited``: what the refusal then says (by default, that it gave up after ``timeout``)."""
    lock_path = index_dir / LOCK_FILE
    if index_dir.exists() and not index_dir.is_dir():
        raise SearcharcError(f"{index_dir} is a file, not an index folder")
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        handle = open(lock_path, "a+", encoding="utf-8")  # noqa: SIM115 (the with below)
    except OSError as exc:
        if faults.refused(exc):
            raise faults.DiskRefused(faults.message(index_dir, exc)) from None
        raise SearcharcError(f"cannot write an index at {index_dir}: {exc.strerror}") from None
    with handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    waited = waited or f"gave up after {timeout:g} s (--lock-timeout)"
                    raise SearcharcError(
                        f"{index_dir} is being written by {_holder(lock_path)}; {waited}"
                    ) from None
                time.sleep(POLL_SECONDS)
        holder = f"pid {os.getpid()} ({' '.join(['searcharc', *sys.argv[1:]])[:200]})\n"
        with suppress(OSError):  # who holds it (unbuffered): a full disk must not fail the run
            os.ftruncate(handle.fileno(), 0)
            os.write(handle.fileno(), holder.encode())
        try:
            yield
        finally:
            handle.truncate(0)
            fcntl.flock(handle, fcntl.LOCK_UN)
