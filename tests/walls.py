"""A wall between this process and some folders: nothing under them can be opened, listed or
looked at from here (what a coordinator on another machine than its shards sees). Worker
processes started here are not walled: they are the shards' side."""

from __future__ import annotations

import builtins
import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

WALLED = ("open", "listdir", "scandir", "stat", "lstat")  # of os; and the two open()s


@contextmanager
def walled_off(folders: list[Path]) -> Iterator[list[str]]:
    """Within: every open, listing or stat of a path under ``folders`` raises PermissionError
    and is noted in the list yielded."""
    roots = [os.path.realpath(f) for f in folders]
    tried: list[str] = []

    def behind(path: object) -> bool:
        if isinstance(path, int) or not isinstance(path, (str, bytes, os.PathLike)):
            return False  # a file descriptor (fstat): already open
        found = os.path.abspath(os.fsdecode(path))
        return any(found == r or found.startswith(r + os.sep) for r in roots)

    def guard(real):
        def guarded(path=".", *args, **kwargs):
            if behind(path):
                tried.append(os.fsdecode(path))
                raise PermissionError(13, "walled off from the coordinator", os.fsdecode(path))
            return real(path, *args, **kwargs)

        return guarded

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(builtins, "open", guard(builtins.open))
        patch.setattr(io, "open", guard(io.open))
        for name in WALLED:
            patch.setattr(os, name, guard(getattr(os, name)))
        yield tried
