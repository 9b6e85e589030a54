"""Searching an index: the query's words analyzed like the articles, BM25F ranking, snippets."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from whoosh.index import Index

from searcharc import index as store
from searcharc.analysis import Token, analyze
from searcharc.lock import writer_lock
from searcharc.ranking import DEFAULT as DEFAULT_RANKING
from searcharc.ranking import QueryWord, Ranking, bag_query, expansion_words, matched_words
from searcharc.records import Article, Hit
from searcharc.snippets import make_snippets

CANDIDATES = 200  # BM25 candidates re-ranked by how many query words they match
LOCK_TIMEOUT = 30.0  # seconds to wait for another writer


@dataclass(frozen=True, slots=True)
class SearchResult:
    """The answer to one query; the fields of the JSON output."""

    query: str
    total: int
    hits: list[Hit] = field(default_factory=list)
    took: float = 0.0


def query_words(tokens: Iterable[Token], drop_stopwords: bool = True) -> list[QueryWord]:
    """The distinct words of an analyzed query, in order (stopwords dropped unless asked)."""
    norms: dict[str, set[str]] = {}
    for token in tokens:
        if not (drop_stopwords and token.stopword):
            norms.setdefault(token.stem, set()).add(token.norm)
    return [QueryWord(stem, frozenset(forms)) for stem, forms in norms.items()]


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
        self.meta = store.IndexMeta.read(path)
        self.stemmer = self.meta.stemmer

    @classmethod
    def open(cls, path: str | Path) -> SearchIndex:
        """Open an existing index (refusing one built by another analyzer version)."""
        path = Path(path)
        return cls(store.open_existing(path), path)

    @classmethod
    def create(
        cls, path: str | Path, stemmer: str = store.DEFAULT_STEMMER, stopwords: bool = True
    ) -> SearchIndex:
        """Create a new, empty index at ``path`` (``stemmer``: light, snowball or none)."""
        path = Path(path)
        return cls(store.create(path, stemmer, stopwords), path)

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

    def search(
        self,
        query: str,
        limit: int = 10,
        snippets: bool = True,
        ranking: Ranking = DEFAULT_RANKING,
    ) -> SearchResult:
        """Rank articles for ``query``: BM25F, matched words first, optional feedback."""
        started = time.perf_counter()
        words = self.query_words(query)
        if not words or limit <= 0:
            return SearchResult(query, 0, [], time.perf_counter() - started)
        with self._ix.searcher(weighting=ranking.weighting()) as searcher:
            if ranking.prf_docs:
                words = words + self._feedback(searcher, words, ranking)
            results = searcher.search(
                bag_query(words, ranking),
                limit=max(CANDIDATES, limit) if ranking.coordination else limit,
                terms=ranking.coordination,
            )
            ranked = list(results)
            if ranking.coordination:
                ranked.sort(
                    key=lambda r: (matched_words(words, r.matched_terms()), r.score), reverse=True
                )
            hits = [self._hit(r.fields(), r.score, words, snippets) for r in ranked[:limit]]
            total = len(results)
        return SearchResult(query, total, hits, time.perf_counter() - started)

    def query_words(self, query: str) -> list[QueryWord]:
        """The query's words as this index analyzes them."""
        return query_words(self.analyze(query), drop_stopwords=self.meta.stopwords)

    @staticmethod
    def _feedback(searcher, words: list[QueryWord], ranking: Ranking) -> list[QueryWord]:
        """Expansion words from the top documents of a first pass (Bo1 key terms)."""
        first = searcher.search(
            bag_query(words, ranking.with_(exact_boost=0)), limit=ranking.prf_docs
        )
        if first.is_empty():
            return []
        key_terms = first.key_terms("body", docs=ranking.prf_docs, numterms=ranking.prf_terms * 2)
        return expansion_words(key_terms, words, ranking)

    def highlight(self, text: str, query: str) -> list[tuple[int, int]]:
        """The spans of ``text`` that the words of ``query`` match."""
        is_match = token_matcher(self.query_words(query))
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
