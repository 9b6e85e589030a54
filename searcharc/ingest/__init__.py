"""Files → Article records: inputs (files, folders, zips, stdin) decoded and parsed by format."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

from searcharc.ingest.decode import DecodeError, decode
from searcharc.ingest.formats import Parsed, Skipped, parse
from searcharc.ingest.inputs import Input, Selection, inputs
from searcharc.ingest.page import parse_text
from searcharc.records import Article


def read_input(item: Input, encoding: str | None = None) -> Iterator[Parsed]:
    """The articles of one input, each stamped with its origin; a bad input is one Skipped."""
    try:
        text = decode(item.read(), encoding)
    except DecodeError as exc:
        yield Skipped(item.name, str(exc), item.origin)
        return
    except OSError as exc:
        yield Skipped(item.name, f"cannot read ({exc.strerror or exc})", item.origin)
        return
    for parsed in parse(text, item.name):
        is_article = isinstance(parsed, Article)
        yield dataclasses.replace(parsed, origin=item.origin) if is_article else parsed


def read_articles(root: Path) -> Iterator[Article]:
    """The articles below one folder (skipped inputs are left out)."""
    for item in inputs([root], Selection()):
        if isinstance(item, Input):
            yield from (p for p in read_input(item) if isinstance(p, Article))


__all__ = ["Article", "Input", "Selection", "Skipped", "parse_text", "read_input", "read_articles"]
