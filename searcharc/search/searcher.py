"""``SearchIndex``: the one facade of the CLI, the web app and the Python API over an index,
local (``local``) or of several shards (``shards``); the read path is ``planning`` (the query
against the vocabulary) → ``candidates`` (ranked and counted) → ``rerank`` → ``hits``
(stored fields, snippets) and ``facets``, over the records of ``request``."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path

from searcharc import DEFAULT_MATCH, SHARD_TIMEOUT
from searcharc.analysis import Token, analyze
from searcharc.errors import SearcharcError
from searcharc.index import shards, store
from searcharc.index.lock import writer_lock
from searcharc.records import Article
from searcharc.search import counting, hits, planning
from searcharc.search.backend import Backend
from searcharc.search.local import LocalIndex
from searcharc.search.query import parse
from searcharc.search.ranking import DEFAULT as DEFAULT_RANKING
from searcharc.search.ranking import Ranking
from searcharc.search.request import Request, SearchResult, Suggestion
from searcharc.search.semantic import meaning

TYPE_CHECKING = False  # as typing's, which a cold query does not import
if TYPE_CHECKING:  # similar and stats are imported when first used: not by most queries
    from searcharc.search.similar import Similar
    from searcharc.search.stats import IndexStats
    from searcharc.search.trend import Trend

SUGGEST_BELOW = 3  # hits under which did-you-mean looks for corrections
LOCK_TIMEOUT = 30.0  # seconds to wait for another writer


class SearchIndex:
    """An open searcharc index: the one path shared by the Python API and the CLI."""

    def __init__(self, backend: Backend):
        self.backend = backend

    @property
    def path(self) -> Path:
        return self.backend.path

    @property
    def meta(self) -> store.IndexMeta:
        return self.backend.meta

    @property
    def stemmer(self) -> str:
        return self.backend.meta.stemmer

    @classmethod
    def open(cls, path: str | Path, parallel: bool = True) -> SearchIndex:
        """Open an existing index (refusing one built by another analyzer version); an index of
        several shards searches them in worker processes when ``parallel``, else one by one."""
        path = Path(path)
        if shards.is_sharded(path):
            from searcharc.search.shards import ShardedIndex

            return cls(ShardedIndex.open_shards(path, parallel))
        return cls(LocalIndex(store.open_existing(path), path))

    @classmethod
    def connect(
        cls,
        address: str,
        name: str = "index",
        shard_timeout: float = SHARD_TIMEOUT,
        allow_partial: bool = False,
    ) -> SearchIndex:
        """The index ``name`` on the Ray cluster at ``address`` (``pip install
        'searcharc[cluster]'``; docs/cluster.md): each call to a shard goes to one of its
        replicas, another one when it has not answered within ``shard_timeout`` seconds; with
        ``allow_partial``, a shard with no replica left is left out of answers (their
        ``shards`` says how many answered) instead of raising ShardUnavailable."""
        from searcharc.cluster import backend

        return cls(backend(address, name, shard_timeout, allow_partial))

    @classmethod
    def create(
        cls,
        path: str | Path,
        stemmer: str = store.DEFAULT_STEMMER,
        stopwords: bool = True,
        roots: str | None = store.DEFAULT_ROOTS,
    ) -> SearchIndex:
        """Create a new, empty index at ``path`` (``stemmer``: light, snowball, isri or none;
        ``roots``: a second stemmer whose view is searched too)."""
        path = Path(path)
        return cls(LocalIndex(store.create(path, stemmer, stopwords, roots), path))

    def add(self, articles: Iterable[Article]) -> store.Changes:
        """Index new or changed articles in one atomic commit; unchanged ones are skipped."""
        changes = store.Changes()
        with writer_lock(self.path, LOCK_TIMEOUT):
            writer = self.backend.writer()
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
            writer = self.backend.writer()
            missing = [i for i in ids if not writer.remove(i)]
            writer.commit()
        return missing

    def close(self) -> None:
        """Close the open searcher (the index opens another at the next search)."""
        self.backend.close()

    def get(self, article_id: str) -> Article | None:
        """The stored article with this id, or None."""
        fields = self.backend.get(article_id)
        return store.from_fields(fields) if fields else None

    def analyze(self, text: str) -> list[Token]:
        """Analyze ``text`` exactly as this index analyzes articles and queries."""
        return analyze(text, self.stemmer)

    def stats(self) -> IndexStats:
        """Size and make-up of the index."""
        return self.backend.stats()

    def __len__(self) -> int:
        return self.backend.doc_count()

    def search(
        self,
        query: str,
        limit: int = 10,
        snippets: bool = True,
        ranking: Ranking = DEFAULT_RANKING,
        match: str = DEFAULT_MATCH,
        since: date | None = None,
        until: date | None = None,
        sort: str = "score",
        offset: int = 0,
        suggest: bool = True,
        facets: bool = False,
        exact_total: bool = False,
        semantic: bool = False,
    ) -> SearchResult:
        """Rank articles for ``query`` (see ``searcharc.search.query`` for the language).

        ``match="all"`` requires every free word; ``since``/``until`` bound the date;
        ``sort="date"`` puts the newest first; ``offset`` skips that many hits; ``suggest``
        looks for did-you-mean corrections when fewer than SUGGEST_BELOW articles match;
        ``facets`` counts all the matching articles by source and by year. The total is exact
        up to ``counting.TRACK_TOTAL`` articles, else that many "at least" (``total_exact``
        False); ``exact_total`` (and ``facets``) count them all; ``semantic`` re-ranks too."""
        started = time.perf_counter()
        vector = meaning(query) if semantic and sort == "score" else None
        request = Request.of(
            query, offset + limit, ranking, match, since, until, sort, exact_total, facets, vector
        )
        plan = self.backend.read(
            lambda vocabulary: planning.plan(vocabulary, self.meta, request), request.ranking
        )
        if plan is None or limit <= 0:
            return SearchResult(query, 0, [], time.perf_counter() - started, offset)
        page = self.backend.page(request, plan, offset, snippets)
        total, exact = counting.reported(page.total, page.exact, exact_total or facets)
        suggestions = self.suggest(query) if suggest and exact and total < SUGGEST_BELOW else []
        return SearchResult(
            query,
            total,
            page.hits,
            time.perf_counter() - started,
            offset,
            suggestions,
            page.by_root if exact else 0,
            page.facets,
            exact,
            page.shards,
        )

    def trend(
        self,
        queries: list[str],
        by: str = "month",
        since: date | None = None,
        until: date | None = None,
        source: str | None = None,
        relative: bool = False,
        match: str = DEFAULT_MATCH,
    ) -> Trend:
        """How many articles match each query per ``by`` (day, week, month or year), counted
        exactly without scoring; with ``relative``, also as shares of all the period's
        articles. ``since``/``until`` bound the dates (and span the periods); ``source``
        narrows to the articles of a source, as ``source:"…"`` does."""
        from searcharc.search import trend

        if by not in trend.PERIODS or not queries:
            raise SearcharcError(f"a trend needs queries, and --by day, week, month or year: {by}")
        requests = [
            Request.of(q, 1, DEFAULT_RANKING, match, None, None, "score", True, False)
            for q in queries
        ]
        plans = [
            self.backend.read(lambda vocabulary, r=r: planning.plan(vocabulary, self.meta, r))
            for r in requests
        ]
        within = source and self.backend.read(
            lambda vocabulary: planning.source_filter(vocabulary, self.meta, source)
        )
        compiled = [p.compiled.query if p is not None else None for p in plans]
        asked = trend.Asked(compiled, within or None, since, until)
        if source and within is None:  # a source of no word: nothing of it
            asked = trend.Asked([None] * len(compiled), None, since, until)
        return trend.build(queries, self.backend.trend(asked), by, asked, relative)

    def suggest(self, query: str) -> list[Suggestion]:
        """Did you mean: the query with its unknown words replaced by near words of the index."""
        from searcharc.search.suggest import suggestions

        return suggestions(self.backend.corrections, self.analyze, self.search, query)

    def similar(self, article_id: str, limit: int = 10) -> list[Similar]:
        """The articles most like one in the index (its key terms searched, ``similar``)."""
        return self.backend.similar(article_id, limit)

    def highlight(self, text: str, query: str) -> list[tuple[int, int]]:
        """The spans of ``text`` that the words of ``query`` match."""
        compiled = self.backend.read(
            lambda vocabulary: planning.compiler(
                vocabulary, self.meta, DEFAULT_RANKING, False
            ).compile(parse(query))
        )
        return hits.highlights(self.meta, text, compiled)


def open_or_build(
    target: Path, seeds: Path, notify: Callable[[str], None], parallel: bool = True
) -> SearchIndex:
    """Open the index at ``target``; with none there yet, build it from the seed articles first
    (``parallel``: see ``SearchIndex.open``)."""
    if store.exists(target) or shards.is_sharded(target):
        return SearchIndex.open(target, parallel)
    if not store.is_empty_folder(target):
        raise SearcharcError(f"{target} holds other files, not a searcharc index: choose another")
    if not seeds.is_dir():
        raise SearcharcError(
            f"no index at {target}; build one: searcharc index PATH --index {target}"
        )
    from searcharc.index.indexing import run_index  # the ingest modules: only when building

    notify(f"searcharc: no index at {target} yet; indexing {seeds} first")
    run_index([seeds], target)
    return SearchIndex.open(target, parallel)
