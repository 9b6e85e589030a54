"""Searching an index: the query's words analyzed like the articles, BM25F ranking, snippets."""

from __future__ import annotations

import time
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import partial
from pathlib import Path

from whoosh.index import Index
from whoosh.query import AndMaybe, DateRange, Or, Query
from whoosh.reading import TermNotFound

from searcharc import DEFAULT_MATCH
from searcharc.analysis import Analysis, Token, analyze, word_cache
from searcharc.analysis.stem import get_stemmer, with_proclitics, without_proclitic
from searcharc.analysis.tokenize import spans
from searcharc.errors import SearcharcError
from searcharc.index import shards, store, w3
from searcharc.index.lock import writer_lock
from searcharc.records import Article, Hit, Snippet, derived_title
from searcharc.search import bulk
from searcharc.search import snippets as snippets_
from searcharc.search.matching import Compiled, Compiler
from searcharc.search.proximity import proximity_score
from searcharc.search.query import parse, parse_searchable
from searcharc.search.ranking import DEFAULT as DEFAULT_RANKING
from searcharc.search.ranking import Ranking, expansion_words, matched_words, word_query

TYPE_CHECKING = False  # as typing's, which a cold query does not import
if TYPE_CHECKING:  # similar, stats and suggest are imported when first used: not by most queries
    from searcharc.search.similar import Similar
    from searcharc.search.stats import IndexStats
    from searcharc.search.suggest import Suggestion

ROOT_DF_FLOOR = 1000  # documents: a root in fewer is always searched (its postings are cheap)
SUGGEST_BELOW = 3  # hits under which did-you-mean looks for corrections
LOCK_TIMEOUT = 30.0  # seconds to wait for another writer


@dataclass(frozen=True, slots=True)
class Facets:
    """How many of a query's articles each source and each year holds, most first."""

    by_source: dict[str, int]
    by_year: dict[str, int]


@dataclass(frozen=True, slots=True)
class SearchResult:
    """The answer to one query; the fields of the JSON output."""

    query: str
    total: int
    hits: list[Hit] = field(default_factory=list)
    took: float = 0.0
    offset: int = 0
    suggestions: list[Suggestion] = field(default_factory=list)
    by_root: int = 0  # of total, the articles only the root view matched (none by date)
    facets: Facets | None = None  # with search(facets=True)
    total_exact: bool = True  # False: total is a lower bound (the rest were not counted)


@dataclass(frozen=True, slots=True)
class _Candidate:
    """A matching document before re-ranking: its docnum, BM25F score and matched terms."""

    docnum: int
    score: float
    terms: set[tuple[str, bytes]]
    ranked: bulk.Ranked | None = None  # the bulk ranking it came from (body positions)


@dataclass(frozen=True, slots=True)
class Request:
    """One query and its options, as each shard of an index runs it."""

    query: str
    depth: int  # the hits wanted, offset and page: offset + limit
    ranking: Ranking
    match: str
    since: date | None
    until: date | None
    sort: str
    exact_total: bool
    facets: bool

    @classmethod
    def of(
        cls,
        query: str,
        depth: int,
        ranking: Ranking,
        match: str,
        since: date | None,
        until: date | None,
        sort: str,
        exact_total: bool,
        facets: bool,
    ) -> Request:
        """A checked request; by date, without the root view (see ``SearchIndex.search``)."""
        if match not in ("any", "all") or sort not in ("score", "date"):
            raise SearcharcError(f"match is any or all, sort is score or date: not {match}/{sort}")
        if sort == "date":  # newest first ignores relevance: words joined only by their root
            ranking = ranking.with_(root_boost=0.0)  # (الرباط ~ يرتبط) would crowd it
        return cls(query, depth, ranking, match, since, until, sort, exact_total, facets)


@dataclass(slots=True)
class Plan:
    """A request compiled against the index's vocabulary."""

    compiled: Compiled
    direct: Compiled | None  # without the root view, to count what only it matched (by_root)
    flat: list[bulk.Clause] | None  # a plain disjunction of terms: ranked by ``bulk``
    date_filter: Query | None


@dataclass(slots=True)
class Found:
    """A request's candidates, best first (at least the ``depth`` best), and their count."""

    ranked: list[_Candidate]
    total: int
    by_root: int
    exact: bool  # False: ``total`` is a lower bound
    matched: set[int] | None  # every matching document, when counted (facets)
    scores: dict[int, float]  # each candidate's score before the re-ranking


@dataclass(frozen=True, slots=True)
class Page:
    """The hits of one page of a request, and what counting found."""

    hits: list[Hit]
    total: int
    by_root: int
    exact: bool
    facets: Facets | None


RERANK_WINDOW = 100  # hits re-ranked together by matched words (pages inside it agree)


def _fetch(wanted: int, sort: str, rerank: bool) -> int | None:
    """How many hits to ask Whoosh for: all to sort by date; whole windows to re-rank (so
    that pages agree and the top 100 keep their set); else just the page (fastest top-k)."""
    if sort == "date":
        return None
    return -(-wanted // RERANK_WINDOW) * RERANK_WINDOW if rerank else wanted


def _reranks(ranking: Ranking) -> bool:
    """Whether the ranking re-orders windows of hits after BM25F (proximity, coordination)."""
    return bool(ranking.proximity or ranking.coordination)


def _reach(compiled: Compiled, ranking: Ranking, depth: int) -> tuple[int, float] | None:
    """What the re-ranking of a one-index search can change (``bulk.rank``'s ``reach``): the
    order of the best ``depth`` inside the window, by at most the proximity bonus, which is
    under k1 + 1 a stem (a saturated accumulator weighted at most 1: ``proximity_score``, whose
    bound tests/test_proximity.py checks).
    None when matched words re-order, a bonus may be negative (also from a BM25 ``b`` outside
    [0, 1] or a negative ``k1``, which the bound assumes), or the page passes the window (where
    the order of every document of the window counts)."""
    if ranking.coordination or ranking.proximity < 0 or depth > RERANK_WINDOW:
        return None
    if not (0 <= ranking.b <= 1 and ranking.k1 >= 0):
        return None
    stems = {w.stem for w in compiled.words if w.weight > 0}
    most = len(stems) * (ranking.k1 + 1) if len(stems) >= 2 else 0.0
    return depth, ranking.proximity * most * (1 + bulk.SLACK)


def _date_filter(since: date | None, until: date | None) -> Query | None:
    """Articles dated within [since, until] (either bound may be open)."""
    if since is None and until is None:
        return None
    start = datetime.combine(since, datetime.min.time()) if since else None
    end = datetime.combine(until, datetime.max.time()) if until else None
    return DateRange("date", start, end)


def _iso_date(value: datetime | None) -> str | None:
    return value.date().isoformat() if value else None


class SearchIndex:
    """An open searcharc index: the one path shared by the Python API and the CLI."""

    def __init__(self, ix: Index, path: Path):
        self._ix = ix
        self.path = path
        self._open_searcher = None
        self._facet_keys: dict[str, dict[int, tuple]] = {}  # segment → docnum → source, year
        self.meta = store.IndexMeta.read(path)
        self.stemmer = self.meta.stemmer

    @classmethod
    def open(cls, path: str | Path, parallel: bool = True) -> SearchIndex:
        """Open an existing index (refusing one built by another analyzer version); an index of
        several shards searches them in worker processes when ``parallel``, else one by one."""
        path = Path(path)
        if shards.is_sharded(path):
            from searcharc.search.shards import ShardedIndex

            return ShardedIndex.open_shards(path, parallel)
        return cls(store.open_existing(path), path)

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
        return cls(store.create(path, stemmer, stopwords, roots), path)

    def add(self, articles: Iterable[Article]) -> store.Changes:
        """Index new or changed articles in one atomic commit; unchanged ones are skipped."""
        changes = store.Changes()
        with writer_lock(self.path, LOCK_TIMEOUT):
            writer = self._writer()
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
            writer = self._writer()
            missing = [i for i in ids if not writer.remove(i)]
            writer.commit()
        return missing

    def close(self) -> None:
        """Close the open searcher (the index opens another at the next search)."""
        if self._open_searcher is not None:
            self._open_searcher.close()
            self._open_searcher = None

    def _writer(self) -> store.Writer:
        return store.Writer(self._ix, self.path)

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
        from searcharc.search.stats import index_stats

        return index_stats(self._ix, str(self.path), self._size_bytes(), self._updated(), self.meta)

    def _updated(self) -> float:
        """When the index last changed (seconds since the epoch; 0: never)."""
        return store.IndexMeta.read(self.path).updated

    def _size_bytes(self) -> int:
        return sum(f.stat().st_size for f in self.path.iterdir() if f.is_file())

    def __len__(self) -> int:
        return self._ix.doc_count()

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
    ) -> SearchResult:
        """Rank articles for ``query`` (see ``searcharc.query`` for the language).

        ``match="all"`` requires every free word; ``since``/``until`` bound the date;
        ``sort="date"`` puts the newest first; ``offset`` skips that many hits; ``suggest``
        looks for did-you-mean corrections when fewer than SUGGEST_BELOW articles match;
        ``facets`` counts all the matching articles by source and by year. The total may be a
        lower bound (``total_exact`` False): counting every match would read postings that
        cannot change the hits; ``exact_total`` (and ``facets``) read them all.
        """
        started = time.perf_counter()
        request = Request.of(
            query, offset + limit, ranking, match, since, until, sort, exact_total, facets
        )
        searcher = self._searcher(request.ranking)
        plan = self._plan(searcher, request)
        if plan is None or limit <= 0:
            return SearchResult(query, 0, [], time.perf_counter() - started, offset)
        page = self._page(searcher, request, plan, offset, snippets)
        total, exact = page.total, page.exact
        suggestions = self.suggest(query) if suggest and exact and total < SUGGEST_BELOW else []
        took = time.perf_counter() - started
        return SearchResult(
            query, total, page.hits, took, offset, suggestions, page.by_root, page.facets, exact
        )

    def _page(self, searcher, request: Request, plan: Plan, offset: int, snippets: bool) -> Page:
        """The hits from ``offset`` to ``request.depth``, and the count of them all."""
        found = self._find(searcher, request, plan)
        ranked = found.ranked[offset : request.depth]
        hits = [self._hit(searcher, c, plan.compiled, snippets) for c in ranked]
        counts = self._facets(searcher, found.matched or ()) if request.facets else None
        return Page(hits, found.total, found.by_root, found.exact, counts)

    def _plan(self, searcher, request: Request) -> Plan | None:
        """The query compiled against the index's vocabulary (None: nothing to search)."""
        ranking, match_all = request.ranking, request.match == "all"
        compiled = self._compiler(searcher, ranking, match_all).compile(
            parse_searchable(request.query)
        )
        if compiled.query is None:
            return None
        if ranking.prf_docs and compiled.words:
            compiled.query = self._feedback(searcher, compiled, ranking, match_all)
        date_filter = _date_filter(request.since, request.until)
        flat = (
            bulk.clauses(compiled.query)
            if request.sort == "score" and date_filter is None
            else None
        )
        direct = None
        if flat is None and compiled.roots and ranking.root_boost and not ranking.prf_docs:
            direct = self._compiler(searcher, ranking.with_(root_boost=0.0), match_all).compile(
                parse_searchable(request.query)
            )
        return Plan(compiled, direct, flat, date_filter)

    def _find(
        self, searcher, request: Request, plan: Plan, ties: Callable[[int], str] | None = None
    ) -> Found:
        """The plan's candidates, ranked (the best ``request.depth`` at least), and counted;
        ``ties`` orders equal BM25F scores by a key of the docnum (else by docnum)."""
        ranking, compiled = request.ranking, plan.compiled
        if plan.flat is not None:
            ranked, found = self._bulk_candidates(
                searcher,
                plan.flat,
                ranking,
                request.depth,
                request.exact_total or request.facets,
                _reach(compiled, ranking, request.depth) if ties is None else None,
            )
            total, matched, by_root, exact = (
                found.total,
                found.matched,
                found.weak_only,
                found.exact_total,
            )
        else:
            ranked, total = self._whoosh_candidates(
                searcher, compiled, ranking, plan.date_filter, request.sort, request.depth
            )
            by_root, matched, exact = 0, None, True
            if plan.direct is not None and plan.direct.query is not None:
                direct = self._matching(searcher, plan.direct.query, plan.date_filter)
                by_root = total - len(direct)
            elif plan.direct is not None:
                by_root = total
        if ties is not None and request.sort == "score":
            ranked.sort(key=lambda c: (-c.score, ties(c.docnum)))
        scores = {c.docnum: c.score for c in ranked}
        if request.sort == "date":  # Whoosh puts undated articles first: they go last
            ranked.sort(key=lambda c: _stored_fields(searcher, c.docnum).get("date") is None)
        else:
            ranked = self._reranked(searcher, ranked, compiled, ranking)
        if request.facets and matched is None:
            matched = self._matching(searcher, compiled.query, plan.date_filter)
        return Found(ranked, total, by_root, exact, matched, scores)

    @staticmethod
    def _reranked(
        searcher, ranked: list[_Candidate], compiled: Compiled, ranking: Ranking
    ) -> list[_Candidate]:
        """The BM25F candidates re-ranked by proximity (and matched words when asked)."""
        ranked = _with_proximity(searcher, ranked, compiled, ranking)
        if ranking.coordination and compiled.words:
            ranked.sort(key=lambda c: matched_words(compiled.words, c.terms), reverse=True)
        return ranked

    @staticmethod
    def _matching(searcher, query: Query, date_filter: Query | None) -> set[int]:
        """Every document that ``query`` matches within the dates (Whoosh's unscored walk)."""
        found = set(searcher.docs_for_query(query))
        return found & set(searcher.docs_for_query(date_filter)) if date_filter else found

    def _facets(self, searcher, docnums: Iterable[int]) -> Facets:
        """The documents counted by source and by year."""
        sources: Counter[str] = Counter()
        years: Counter[str] = Counter()
        keys = self._facet_keys_of(searcher)
        for docnum in docnums:
            source, year = keys(docnum)
            sources.update([source] if source else [])
            years.update([year] if year else [])
        by_year = dict(sorted(years.items(), reverse=True))
        return Facets(dict(sources.most_common()), by_year)

    def _facet_keys_of(self, searcher) -> Callable[[int], tuple[str | None, str | None]]:
        """A document's source and year, read once per segment and kept while the segment is
        in the index (a segment's stored fields never change: a commit keeps the others')."""
        leaves = searcher.leaf_searchers()
        offsets = [offset for _, offset in leaves]
        tables = {leaf.reader().segment().segment_id(): leaf for leaf, _ in leaves}
        self._facet_keys = {seg: self._facet_keys.get(seg, {}) for seg in tables}
        found = [(leaf, self._facet_keys[seg]) for seg, leaf in tables.items()]

        def keys(docnum: int) -> tuple[str | None, str | None]:
            at = bisect_right(offsets, docnum) - 1
            leaf, table = found[at]
            local = docnum - offsets[at]
            if local not in table:
                fields = w3.stored_fields(leaf.reader(), local)
                day = fields.get("date")
                table[local] = (fields.get("source"), day and str(day.year))
            return table[local]

        return keys

    @staticmethod
    def _bulk_candidates(
        searcher,
        flat: list[bulk.Clause],
        ranking: Ranking,
        depth: int,
        exact_total: bool,
        reach: tuple[int, float] | None = None,
    ) -> tuple[list[_Candidate], bulk.Ranked]:
        """The BM25F candidates of a plain disjunction of terms, scored in bulk, and what the
        scoring found (the total, exact or a lower bound; every matching document when exact;
        how many of those only the root view matched); ``reach``: see ``bulk.rank``."""
        fetch = _fetch(depth, "score", _reranks(ranking))
        ranked = bulk.rank(
            searcher,
            flat,
            fetch,
            b=ranking.b,
            k1=ranking.k1,
            weak="root",
            exhaustive=exact_total,
            reach=reach,
        )
        candidates = [
            _Candidate(d, ranked.scores[d], ranked.terms[d], ranked) for d in ranked.docnums
        ]
        return candidates, ranked

    @staticmethod
    def _whoosh_candidates(
        searcher,
        compiled: Compiled,
        ranking: Ranking,
        date_filter: Query | None,
        sort: str,
        depth: int,
    ) -> tuple[list[_Candidate], int]:
        """The candidates of any other query, from Whoosh's own search."""
        results = searcher.search(
            compiled.query,
            limit=_fetch(depth, sort, _reranks(ranking)),
            terms=compiled.expands or ranking.coordination,
            filter=date_filter,
            sortedby="date" if sort == "date" else None,
            reverse=sort == "date",
        )
        terms = results.has_matched_terms()
        candidates = [
            _Candidate(r.docnum, r.score, r.matched_terms() if terms else set()) for r in results
        ]
        if date_filter is None or sort == "date":  # by date, Whoosh counts what it collects
            return candidates, len(results)
        # Whoosh's count of a top k within dates walks the query again without the dates
        return candidates, len(SearchIndex._matching(searcher, compiled.query, date_filter))

    def suggest(self, query: str) -> list[Suggestion]:
        """Did you mean: the query with its unknown words replaced by near words of the index."""
        from searcharc.search.suggest import suggestions

        return suggestions(self, query)

    def similar(self, article_id: str, limit: int = 10) -> list[Similar]:
        """The articles most like one in the index (Whoosh more-like-this over the body)."""
        from searcharc.search.similar import similar_articles

        return similar_articles(self, article_id, limit)

    def _compiler(self, searcher, ranking: Ranking, match_all: bool) -> Compiler:
        """The query compiler of this index, its word variants looked up in ``searcher``."""
        return Compiler(
            self.analyze,
            self.meta.stopwords,
            ranking,
            match_all,
            self._roots(searcher, ranking) if self.meta.roots else None,
            self._variants(searcher) if ranking.clitic_variants else None,
        )

    def _roots(self, searcher, ranking: Ranking) -> Callable[[str], str]:
        """A query word's root, or "" for a root in more than ``ranking.root_max_df`` of the
        documents and more than ROOT_DF_FLOOR: a root such as جمع (جامعه, اجتماع, مجتمع) joins
        words of unrelated meaning, weighs little (idf under 1.6) and its postings would be
        most of what a query reads."""
        stem = get_stemmer(self.meta.roots)
        most = max(ranking.root_max_df * searcher.doc_count_all(), ROOT_DF_FLOOR)

        def root(norm: str) -> str:
            found = stem(norm)
            return found if searcher.doc_frequency("root", found) <= most else ""

        return root

    def _variants(self, searcher) -> Callable[[str], tuple[str, ...]]:
        """A query stem → its forms without or with a one-letter clitic that the index says
        are the same word: of a pair (مصر, لمصر), the form in more articles is the word and
        the other its clitic form, so لمصر gains مصر while بريد (more frequent than ريد)
        gains nothing (``without_proclitic``, ``with_proclitics``)."""
        stemmer = get_stemmer(self.stemmer)

        def variants(stem: str) -> tuple[str, ...]:
            df = partial(searcher.doc_frequency, "body")
            own = df(stem)
            rest = without_proclitic(stem, stemmer)
            found = [rest] if rest and df(rest) > own else []
            return (*found, *(f for f in with_proclitics(stem, stemmer) if 0 < df(f) < own))

        return variants

    def _searcher(self, ranking: Ranking):
        """One open searcher, opened again when the index has changed.

        Not Whoosh's ``refresh()``: it reuses the readers of segments it had open, deletions
        and all (a removed or replaced article stayed found), and keeps segments merged away.
        """
        if self._open_searcher is not None and not self._open_searcher.up_to_date():
            self._open_searcher.close()
            self._open_searcher = None
        if self._open_searcher is None:
            self._open_searcher = self._ix.searcher()
            w3.cache_terms(self._open_searcher.reader())
        weighting = ranking.weighting()
        if type(weighting) is not type(self._open_searcher.weighting):
            self._open_searcher._idf_cache.clear()  # Whoosh caches idfs whatever the model
        self._open_searcher.weighting = weighting
        return self._open_searcher

    @staticmethod
    def _feedback(searcher, compiled: Compiled, ranking: Ranking, match_all: bool):
        """The query widened by key terms of its top documents (Bo1 pseudo-relevance feedback)."""
        first = searcher.search(compiled.query, limit=ranking.prf_docs)
        if first.is_empty():
            return compiled.query
        key_terms = first.key_terms("body", docs=ranking.prf_docs, numterms=ranking.prf_terms * 2)
        extra = [
            word_query(w, ranking) for w in expansion_words(key_terms, compiled.words, ranking)
        ]
        if not extra:
            return compiled.query
        return AndMaybe(compiled.query, Or(extra)) if match_all else Or([compiled.query, *extra])

    def highlight(self, text: str, query: str) -> list[tuple[int, int]]:
        """The spans of ``text`` that the words of ``query`` match."""
        searcher = self._searcher(DEFAULT_RANKING)
        compiled = self._compiler(searcher, DEFAULT_RANKING, False).compile(parse(query))
        words, matched = snippets_.matches(
            text, self.stemmer, _by_word(compiled.stems, compiled.norms)
        )
        if not matched:
            words, matched = self._root_matches(text, compiled)
        return [words[i] for i in matched]

    def _snippets(self, body: str, candidate: _Candidate, compiled: Compiled) -> list[Snippet]:
        """The best passages of ``body`` for the query's words (see ``searcharc.snippets``)."""
        exact = {t.decode() for f, t in candidate.terms if f == "exact"}
        stems, norms = compiled.stems, compiled.norms | exact
        matched = self._indexed_matches(candidate, stems, norms)
        if matched is None:
            words, matched = snippets_.matches(body, self.stemmer, _by_word(stems, norms))
        else:
            words = list(spans(body)) if matched else []
        if not matched:
            words, matched = self._root_matches(body, compiled)
        return snippets_.make_snippets(body, words, matched)

    def _root_matches(
        self, text: str, compiled: Compiled
    ) -> tuple[list[tuple[int, int]], dict[int, str]]:
        """The words of ``text`` sharing a root with a query word: what shows an article that
        the root view alone found (see ``snippets.matches``)."""
        if not (compiled.roots and self.meta.roots):
            return [], {}
        roots = compiled.roots
        return snippets_.matches(text, self.meta.roots, lambda a: not a[2] and a[1] in roots)

    def _indexed_matches(
        self, candidate: _Candidate, stems: set[str], norms: set[str]
    ) -> dict[int, str] | None:
        """The matching body words read from the body postings' positions, without analysis.

        Exact when every matching word matches by its stem (a norm's stem is then a query
        stem) and the body field dropped stopwords; None otherwise.
        """
        if candidate.ranked is None or not self.meta.stopwords:
            return None
        stem = word_cache(self.stemmer).stem
        if not all(stem(norm) in stems for norm in norms):
            return None
        return candidate.ranked.body_positions(candidate.docnum, stems)

    def _hit(self, searcher, candidate: _Candidate, compiled: Compiled, snippets: bool) -> Hit:
        fields = _stored_fields(searcher, candidate.docnum)
        found = self._snippets(fields.get("body", ""), candidate, compiled) if snippets else []
        score = candidate.score
        return Hit(
            id=fields["id"],
            title=fields.get("title") or derived_title(fields.get("body", "")),
            score=round(score, 4),
            date=_iso_date(fields.get("date")),
            source=fields.get("source"),
            snippets=found,
        )


def _stored_fields(searcher, docnum: int) -> dict:
    """A document's stored fields, read from its segment alone (``w3.stored_fields``)."""
    leaves = searcher.leaf_searchers()
    at = bisect_right([offset for _, offset in leaves], docnum) - 1
    leaf, offset = leaves[at]
    return w3.stored_fields(leaf.reader(), docnum - offset)


def _by_word(stems: set[str], norms: set[str]) -> Callable[[Analysis], bool]:
    """Whether a word's analysis matches the query by its stem or its written form."""
    return lambda a: not a[2] and (a[1] in stems or a[0] in norms)


def _with_proximity(
    searcher, ranked: list[_Candidate], compiled: Compiled, ranking: Ranking
) -> list[_Candidate]:
    """The first window of candidates re-scored with the term-proximity bonus of their query
    words in the body (``searcharc.proximity``), best first; the rest as they were. Bonuses
    only raise scores, so the window stays ahead of the rest."""
    stems = {w.stem: w.weight for w in compiled.words if w.weight > 0}
    if not ranking.proximity or len(stems) < 2 or not ranked:
        return ranked
    window = ranked[:RERANK_WINDOW]
    weights = {stem: searcher.idf("body", stem) * weight for stem, weight in stems.items()}
    positions = _body_positions(searcher, window, set(stems))
    avg_length = searcher.avg_field_length("body") or 1

    def bonus(docnum: int) -> float:
        length = searcher.doc_field_length(docnum, "body") or 0  # W3 gives None for 0
        found = positions[docnum]
        return proximity_score(found, weights, length, avg_length, ranking.b, ranking.k1)

    rescored = [replace(c, score=c.score + ranking.proximity * bonus(c.docnum)) for c in window]
    rescored.sort(key=lambda c: c.score, reverse=True)
    return rescored + ranked[len(window) :]


def _body_positions(
    searcher, candidates: list[_Candidate], stems: set[str]
) -> dict[int, dict[str, list[int]]]:
    """Each candidate's body positions of ``stems``: from the postings the bulk ranking read,
    else from the body postings, skipping from one candidate to the next."""
    if all(c.ranked is not None for c in candidates):
        return {c.docnum: c.ranked.stem_positions(c.docnum, stems) for c in candidates}
    found: dict[int, dict[str, list[int]]] = {c.docnum: {} for c in candidates}
    for stem in stems:
        try:
            matcher = searcher.postings("body", stem)
        except TermNotFound:
            continue
        for docnum in sorted(found):
            matcher.skip_to(docnum)
            if not matcher.is_active():
                break
            if matcher.id() == docnum:
                found[docnum][stem] = matcher.value_as("positions")
    return found


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
