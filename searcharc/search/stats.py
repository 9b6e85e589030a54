"""What `searcharc stats` reports: size and make-up of an index."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from whoosh.index import Index


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


def index_stats(ix: Index, path: str, size_bytes: int, updated: float, meta) -> IndexStats:
    """Count the index's articles by source and month, and its distinct words and stems
    (``updated``: seconds since the epoch, 0 for never; ``meta``: its ``store.IndexMeta``)."""
    sources: Counter[str] = Counter()
    months: Counter[str] = Counter()
    with ix.searcher() as searcher:
        reader = searcher.reader()
        for fields in reader.all_stored_fields():
            sources[fields.get("source") or "(none)"] += 1
            date = fields.get("date")
            months[date.strftime("%Y-%m") if date else "(none)"] += 1
        words = sum(1 for _ in reader.lexicon("exact"))
        stems = sum(1 for _ in reader.lexicon("body"))
        documents = reader.doc_count()
    return IndexStats(
        path=path,
        documents=documents,
        distinct_words=words,
        distinct_stems=stems,
        size_bytes=size_bytes,
        by_source=dict(sources.most_common()),
        by_month=dict(sorted(months.items())),
        last_update=datetime.fromtimestamp(updated).isoformat(timespec="seconds")
        if updated
        else None,
        analyzer_version=meta.analyzer_version,
        stemmer=meta.stemmer,
    )
