"""The read path's records, shared by every backend: a request and its plan, the candidates
found, a page of hits, the facets, and the result the facade returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from searcharc.errors import SearcharcError
from searcharc.records import Hit

TYPE_CHECKING = False  # as typing's, which a cold query does not import
if TYPE_CHECKING:
    from whoosh.query import Query

    from searcharc.search.bulk import Clause, Ranked
    from searcharc.search.matching import Compiled
    from searcharc.search.ranking import Ranking


SEMANTIC_POOL = 100  # the lexical best that --semantic re-ranks


@dataclass(frozen=True, slots=True)
class Facets:
    """How many of a query's articles each source and each year holds, most first."""

    by_source: dict[str, int]
    by_year: dict[str, int]


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A corrected query (did you mean?) and how many articles it finds."""

    query: str
    total: int


@dataclass(frozen=True, slots=True)
class ShardCounts:
    """How many shards an answer asked and how many answered (Elasticsearch's ``_shards``):
    with ``allow_partial``, an answer may leave out the shards that had no replica left."""

    total: int
    successful: int
    failed: int


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
    shards: ShardCounts | None = None  # an index of shards: how many answered


@dataclass(frozen=True, slots=True)
class Candidate:
    """A matching document before re-ranking: its docnum, BM25F score and matched terms."""

    docnum: int
    score: float
    terms: set[tuple[str, bytes]]
    ranked: Ranked | None = None  # the bulk ranking it came from (body positions)


@dataclass(frozen=True, slots=True)
class Request:
    """One query and its options, as each backend (and each shard of an index) runs it."""

    query: str
    depth: int  # the hits wanted, offset and page: offset + limit
    ranking: Ranking
    match: str
    since: date | None
    until: date | None
    sort: str
    exact_total: bool
    facets: bool
    semantic: tuple[float, ...] | None = None  # the query's vector: re-rank by meaning too

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
        semantic: tuple[float, ...] | None = None,
    ) -> Request:
        """A checked request; by date, without the root view (see ``SearchIndex.search``),
        nor the re-rank by meaning."""
        if match not in ("any", "all") or sort not in ("score", "date"):
            raise SearcharcError(f"match is any or all, sort is score or date: not {match}/{sort}")
        if sort == "date":  # newest first ignores relevance: words joined only by their root
            ranking = ranking.with_(root_boost=0.0)  # (الرباط ~ يرتبط) would crowd it
            semantic = None
        return cls(query, depth, ranking, match, since, until, sort, exact_total, facets, semantic)

    @property
    def pool(self) -> int:
        """The candidates ranked: the page's, or the 100 that the re-rank by meaning reads."""
        return max(self.depth, SEMANTIC_POOL) if self.semantic else self.depth


@dataclass(slots=True)
class Plan:
    """A request compiled against the index's vocabulary."""

    compiled: Compiled
    direct: Compiled | None  # without the root view, to count what only it matched (by_root)
    flat: list[Clause] | None  # a plain disjunction of terms and phrases: ranked by ``bulk``
    date_filter: Query | None
    groups: list[list[Clause]] | None = None  # a conjunction's parts: ``flat`` is them all,
    # and a document matches when each part has a clause it matches
    excluded: list[Clause] | None = None  # an exclusion's: no document of these matches
    dated: tuple[Query, ...] = ()  # ``date:`` ranges of the query (``DateRange``): a document
    # is in each, and each adds its boost to the score


@dataclass(slots=True)
class Found:
    """A request's candidates, best first (at least the ``depth`` best), and their count."""

    ranked: list[Candidate]
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
    shards: ShardCounts | None = None
