"""Searching an index: the query's words analyzed like the articles, BM25F ranking, snippets."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from whoosh import scoring
from whoosh.index import Index
from whoosh.query import Or, Query, Term

from searcharc import index as store
from searcharc.analysis import Token, analyze
from searcharc.lock import writer_lock
from searcharc.records import Article, Hit
from searcharc.snippets import make_snippets

TITLE_BOOST = 2.0
EXACT_BOOST = 0.5
CANDIDATES = 200  # BM25 candidates re-ranked by how many query words they match
LOCK_TIMEOUT = 30.0  # seconds to wait for another writer


@dataclass(frozen=True, slots=True)
class QueryWord:
    """One distinct query word: its stem and every normalized form of it the query wrote."""

    stem: str
    norms: frozenset[str]


@dataclass(frozen=True, slots=True)
class SearchResult:
    """The answer to one query; the fields of the JSON output."""

    query: str
    total: int
    hits: list[Hit] = field(default_factory=list)
    took: float = 0.0


def query_words(tokens: Iterable[Token]) -> list[QueryWord]:
    """The distinct content words of an analyzed query, in order (stopwords dropped)."""
    norms: dict[str, set[str]] = {}
    for token in tokens:
        if not token.stopword:
            norms.setdefault(token.stem, set()).add(token.norm)
    return [QueryWord(stem, frozenset(forms)) for stem, forms in norms.items()]


def word_query(word: QueryWord) -> Query:
    """Match a word in the stemmed body and title, with a bonus for its exact written form."""
    clauses: list[Query] = [Term("body", word.stem), Term("title", word.stem, boost=TITLE_BOOST)]
    clauses += [Term("exact", norm, boost=EXACT_BOOST) for norm in sorted(word.norms)]
    return Or(clauses)


def matched_words(words: list[QueryWord], terms: set[tuple[str, bytes]]) -> int:
    """How many of the query's words a document matched, from Whoosh's matched terms."""
    found = {text.decode("utf-8") for _, text in terms}
    return sum(1 for w in words if w.stem in found or not found.isdisjoint(w.norms))


def token_matcher(words: list[QueryWord]) -> Callable[[Token], bool]:
    """Whether a text token is one of the query's words (by stem or exact form)."""
    stems = {w.stem for w in words}
    norms = set().union(*(w.norms for w in words))
    return lambda t: not t.stopword and (t.stem in stems or t.norm in norms)


def _iso_date(value: datetime | None) -> str | None:
    return value.date().isoformat() if value else None


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


class SearchIndex:
    """An open searcharc index: the one path shared by the Python API and the CLI."""

    def __init__(self, ix: Index, path: Path):
        self._ix = ix
        self.path = path
        self.stemmer = store.IndexMeta.read(path).stemmer

    @classmethod
    def open(cls, path: str | Path) -> SearchIndex:
        """Open an existing index (refusing one built by another analyzer version)."""
        path = Path(path)
        return cls(store.open_existing(path), path)

    @classmethod
    def create(cls, path: str | Path, stemmer: str | None = None) -> SearchIndex:
        """Create a new, empty index at ``path``."""
        path = Path(path)
        return cls(store.create(path, stemmer or store.DEFAULT_STEMMER), path)

    def add(self, articles: Iterable[Article]) -> store.Changes:
        """Index new or changed articles in one atomic commit; unchanged ones are skipped."""
        changes = store.Changes()
        with writer_lock(self.path, LOCK_TIMEOUT):
            writer = store.Writer(self._ix, self.path)
            try:
                for article in articles:
                    changes.count(*writer.put(article), article.id)
            except BaseException:
                writer.cancel()
                raise
            writer.commit()
        return changes

    def remove(self, ids: Iterable[str]) -> list[str]:
        """Delete articles by id in one commit; returns the ids that were not in the index."""
        with writer_lock(self.path, LOCK_TIMEOUT):
            writer = store.Writer(self._ix, self.path)
            missing = [i for i in ids if not writer.remove(i)]
            writer.commit()
        return missing

    def get(self, article_id: str) -> Article | None:
        """The stored article with this id, or None."""
        with self._ix.searcher() as searcher:
            fields = searcher.document(id=article_id)
        return store.from_fields(fields) if fields else None

    def analyze(self, text: str) -> list[Token]:
        """Analyze ``text`` exactly as this index analyzes articles and queries."""
        return analyze(text, self.stemmer)

    def stats(self) -> IndexStats:
        """Size and make-up of the index."""
        meta = store.IndexMeta.read(self.path)
        sources: Counter[str] = Counter()
        months: Counter[str] = Counter()
        with self._ix.searcher() as searcher:
            reader = searcher.reader()
            for fields in reader.all_stored_fields():
                sources[fields.get("source") or "(none)"] += 1
                date = fields.get("date")
                months[date.strftime("%Y-%m") if date else "(none)"] += 1
            words = sum(1 for _ in reader.lexicon("exact"))
            stems = sum(1 for _ in reader.lexicon("body"))
            documents = reader.doc_count()
        return IndexStats(
            path=str(self.path),
            documents=documents,
            distinct_words=words,
            distinct_stems=stems,
            size_bytes=sum(f.stat().st_size for f in self.path.iterdir() if f.is_file()),
            by_source=dict(sources.most_common()),
            by_month=dict(sorted(months.items())),
            last_update=datetime.fromtimestamp(meta.updated).isoformat(timespec="seconds")
            if meta.updated
            else None,
            analyzer_version=meta.analyzer_version,
            stemmer=meta.stemmer,
        )

    def __len__(self) -> int:
        return self._ix.doc_count()

    def search(self, query: str, limit: int = 10, snippets: bool = True) -> SearchResult:
        """Rank articles for ``query``: more matched words first, then BM25F score."""
        started = time.perf_counter()
        words = query_words(self.analyze(query))
        if not words or limit <= 0:
            return SearchResult(query, 0, [], time.perf_counter() - started)
        with self._ix.searcher(weighting=scoring.BM25F()) as searcher:
            results = searcher.search(
                Or([word_query(w) for w in words]), limit=max(CANDIDATES, limit), terms=True
            )
            ranked = sorted(
                results,
                key=lambda r: (matched_words(words, r.matched_terms()), r.score),
                reverse=True,
            )[:limit]
            hits = [self._hit(r.fields(), r.score, words, snippets) for r in ranked]
            total = len(results)
        return SearchResult(query, total, hits, time.perf_counter() - started)

    def highlight(self, text: str, query: str) -> list[tuple[int, int]]:
        """The spans of ``text`` that the words of ``query`` match."""
        is_match = token_matcher(query_words(self.analyze(query)))
        return [(t.start, t.end) for t in self.analyze(text) if is_match(t)]

    def _hit(self, fields: dict, score: float, words: list[QueryWord], snippets: bool) -> Hit:
        body = fields.get("body", "")
        found = make_snippets(body, self.analyze(body), token_matcher(words)) if snippets else []
        return Hit(
            id=fields["id"],
            title=fields.get("title", ""),
            score=round(score, 4),
            date=_iso_date(fields.get("date")),
            source=fields.get("source"),
            snippets=found,
        )
