"""What `searcharc stats` reports: size and make-up of an index, from the counts of each of
its shards (``counts``) and their vocabularies read in sorted chunks (``distinct``), so that
an index of shards reports what one index would."""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from pathlib import Path

CHUNK = 10_000  # terms a call: a vocabulary of millions is read in bounded memory
FIELDS = ("exact", "body")  # distinct words, distinct stems


@dataclass(frozen=True, slots=True)
class IndexStats:
    """What `searcharc stats` reports."""

    path: str
    documents: int
    distinct_words: int
    distinct_stems: int
    size_bytes: int
    by_source: dict[str, int]
    by_month: dict[str, int]
    last_update: str | None
    analyzer_version: str
    stemmer: str
    vectors: int = 0  # articles with a vector (`searcharc embed`)
    vector_bytes: int = 0  # the bytes of their files (of size_bytes)


@dataclass(slots=True)
class Counts:
    """An index's (or a shard's) articles by source and by month."""

    documents: int = 0
    sources: Counter[str] = field(default_factory=Counter)
    months: Counter[str] = field(default_factory=Counter)
    vectors: tuple[int, int] = (0, 0)  # articles with a vector, and their files' bytes

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.documents + other.documents,
            self.sources + other.sources,
            self.months + other.months,
            (self.vectors[0] + other.vectors[0], self.vectors[1] + other.vectors[1]),
        )


def counts(reader, folder: Path) -> Counts:
    """The articles of ``reader`` (of the index in ``folder``) by source and by month (stored
    fields, deleted ones left out), and those with a vector."""
    from searcharc.index.vectors import live_vectors

    found = Counts(reader.doc_count(), vectors=live_vectors(folder, reader))
    for fields in reader.all_stored_fields():
        found.sources[fields.get("source") or "(none)"] += 1
        date = fields.get("date")
        found.months[date.strftime("%Y-%m") if date else "(none)"] += 1
    return found


def terms_after(reader, fieldname: str, after: bytes | None, size: int = CHUNK) -> list[bytes]:
    """The first ``size`` terms of a field in ``reader`` past ``after`` (None: from the first)."""
    terms = (t for f, t in reader.terms_from(fieldname, after or b"") if f == fieldname)
    return list(islice((t for t in terms if t != after), size))


Chunks = Callable[[bytes | None], list[bytes]]  # a source's terms past one, in sorted chunks


def distinct(sources: list[Chunks]) -> int:
    """How many distinct terms the sources hold together (each read chunk by chunk)."""
    return sum(1 for _ in _unique(heapq.merge(*(_stream(s) for s in sources))))


def _stream(chunks: Chunks) -> Iterator[bytes]:
    last = None
    while found := chunks(last):
        yield from found
        last = found[-1]


def _unique(terms: Iterator[bytes]) -> Iterator[bytes]:
    last = None
    for term in terms:
        if term != last:
            yield term
        last = term


def index_stats(
    found: Counts, words: int, stems: int, path: str, size_bytes: int, updated: float, meta
) -> IndexStats:
    """The report (``updated``: seconds since the epoch, 0 for never; ``meta``: the index's
    ``store.IndexMeta``)."""
    return IndexStats(
        path=path,
        documents=found.documents,
        distinct_words=words,
        distinct_stems=stems,
        size_bytes=size_bytes,
        by_source=dict(sorted(found.sources.items(), key=lambda s: (-s[1], s[0]))),
        by_month=dict(sorted(found.months.items())),
        last_update=datetime.fromtimestamp(updated).isoformat(timespec="seconds")
        if updated
        else None,
        analyzer_version=meta.analyzer_version,
        stemmer=meta.stemmer,
        vectors=found.vectors[0],
        vector_bytes=found.vectors[1],
    )
