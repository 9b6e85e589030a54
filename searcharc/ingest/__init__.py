"""Files → Article records: inputs (files, folders, zips, stdin) decoded and parsed by format."""

from __future__ import annotations

import dataclasses
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

from searcharc.ingest.containers import read_stream
from searcharc.ingest.decode import DecodeError
from searcharc.ingest.formats import Parsed, Skipped
from searcharc.ingest.inputs import DEFAULT_MAX_SIZE, Input, Selection, inputs
from searcharc.ingest.page import parse_text
from searcharc.records import Article

# What reading an input can raise: unreadable files, corrupt, encrypted or unsupported zip
# members (CRC, zlib, "password required", compression methods zipfile lacks).
UNREADABLE = (OSError, EOFError, zipfile.BadZipFile, zlib.error, RuntimeError, NotImplementedError)


def read_input(
    item: Input,
    encoding: str | None = None,
    max_size: int = DEFAULT_MAX_SIZE,
    on_read: Callable[[int], None] = lambda count: None,
) -> Iterator[Parsed]:
    """The articles of one input, each stamped with its origin, read as a stream (records one
    at a time); an input that cannot be read is one Skipped, after the records read before."""
    try:
        with item.open() as raw:
            for parsed in read_stream(raw, item.name, item.size, encoding, max_size, on_read):
                is_article = isinstance(parsed, Article)
                yield dataclasses.replace(parsed, origin=item.origin) if is_article else parsed
    except DecodeError as exc:
        yield Skipped(item.name, str(exc), item.origin)
    except UNREADABLE as exc:
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        yield Skipped(item.name, f"cannot read ({reason})", item.origin)


def read_articles(root: Path) -> Iterator[Article]:
    """The articles below one folder (skipped inputs are left out)."""
    for item in inputs([root], Selection()):
        if isinstance(item, Input):
            yield from (p for p in read_input(item) if isinstance(p, Article))


__all__ = ["Article", "Input", "Selection", "Skipped", "parse_text", "read_input", "read_articles"]
