"""The Whoosh schema and the index on disk: create, open (with a version check), write articles."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.fields import DATETIME, ID, STORED, TEXT, Schema
from whoosh.index import Index

from searcharc.analysis import ANALYZER_VERSION, DEFAULT_STEMMER
from searcharc.analysis.components import arabic_analyzer
from searcharc.errors import SearcharcError
from searcharc.records import Article

META_FILE = "searcharc.json"


def make_schema(stemmer: str = DEFAULT_STEMMER) -> Schema:
    """Stemmed title and body for recall, an unstemmed ``exact`` view, and display fields."""
    stemmed = arabic_analyzer(stemmer)
    unstemmed = arabic_analyzer(None)
    return Schema(
        id=ID(stored=True, unique=True),
        title=TEXT(analyzer=stemmed, stored=True),
        body=TEXT(analyzer=stemmed, stored=True),
        exact=TEXT(analyzer=unstemmed),
        source=TEXT(analyzer=arabic_analyzer(None, stopwords=False), stored=True),
        date=DATETIME(stored=True, sortable=True),
        hash=ID(stored=True),
        url=STORED,
        author=STORED,
    )


def content_hash(article: Article) -> str:
    """A digest of everything indexed about an article, to skip unchanged ones."""
    fields = [article.title, article.body, article.source or "", article.date or ""]
    return hashlib.blake2b("\x1f".join(fields).encode(), digest_size=16).hexdigest()


def to_document(article: Article) -> dict:
    """The Whoosh document of an article."""
    doc = {
        "id": article.id,
        "title": article.title,
        "body": article.body,
        "exact": f"{article.title}\n{article.body}",
        "hash": content_hash(article),
    }
    if article.source:
        doc["source"] = article.source
    if article.date:
        doc["date"] = datetime.fromisoformat(article.date)
    if article.url:
        doc["url"] = article.url
    if article.author:
        doc["author"] = article.author
    return doc


@dataclass(frozen=True, slots=True)
class IndexMeta:
    """What the index records about how it was built."""

    analyzer_version: str
    stemmer: str

    @classmethod
    def read(cls, path: Path) -> IndexMeta:
        try:
            data = json.loads((path / META_FILE).read_text("utf-8"))
            return cls(str(data["analyzer_version"]), str(data["stemmer"]))
        except (OSError, ValueError, KeyError) as exc:
            raise SearcharcError(
                f"{path} has no readable {META_FILE}; "
                f"rebuild it: searcharc index --rebuild --index {path}"
            ) from exc

    def write(self, path: Path) -> None:
        tmp = path / (META_FILE + ".tmp")
        data = {"analyzer_version": self.analyzer_version, "stemmer": self.stemmer}
        tmp.write_text(json.dumps(data) + "\n", "utf-8")
        tmp.replace(path / META_FILE)


def exists(path: Path) -> bool:
    """Whether ``path`` holds a Whoosh index."""
    return path.is_dir() and whoosh_index.exists_in(str(path))


def create(path: Path, stemmer: str = DEFAULT_STEMMER) -> Index:
    """A new, empty index at ``path`` (replacing any index there)."""
    path.mkdir(parents=True, exist_ok=True)
    ix = whoosh_index.create_in(str(path), make_schema(stemmer))
    IndexMeta(ANALYZER_VERSION, stemmer).write(path)
    return ix


def open_existing(path: Path) -> Index:
    """Open the index at ``path``, refusing one built by another analyzer version."""
    if not exists(path):
        raise SearcharcError(f"no index at {path}; build one: searcharc index --index {path}")
    meta = IndexMeta.read(path)
    if meta.analyzer_version != ANALYZER_VERSION:
        raise SearcharcError(
            f"{path} was built with analyzer version {meta.analyzer_version}, this searcharc "
            f"uses {ANALYZER_VERSION}; rebuild it: searcharc index --rebuild --index {path}"
        )
    return whoosh_index.open_dir(str(path))


@dataclass(slots=True)
class WriteSummary:
    """What one write did to the index."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0


def write_articles(ix: Index, articles: Iterable[Article]) -> WriteSummary:
    """Add new articles, replace changed ones, skip unchanged ones; one atomic commit."""
    summary = WriteSummary()
    with ix.searcher() as searcher:
        known = {fields["id"]: fields["hash"] for fields in searcher.all_stored_fields()}
    writer = ix.writer()
    try:
        for article in articles:
            doc = to_document(article)
            old = known.get(article.id)
            if old == doc["hash"]:
                summary.unchanged += 1
                continue
            writer.update_document(**doc)
            if old is None:
                summary.added += 1
            else:
                summary.updated += 1
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    return summary
