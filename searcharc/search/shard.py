"""One shard of an index, searched with the statistics of the whole index (see ``shards``):
every read a coordinator makes of a shard, here, in a worker process (``workers``) or on
another machine (``searcharc.cluster``). Each read names the commit (generation) the
coordinator's request reads, None for the shard's last one."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, replace
from pathlib import Path

from searcharc.errors import SearcharcError, StaleRequest
from searcharc.index import store
from searcharc.records import Hit
from searcharc.search import candidates, hits, semantic
from searcharc.search.local import LocalIndex
from searcharc.search.ranking import DEFAULT as DEFAULT_RANKING
from searcharc.search.request import Candidate, Facets, Plan, Request
from searcharc.search.statistics import Statistics, Term
from searcharc.whooshx.statistics import StatisticsSearcher

TYPE_CHECKING = False  # as typing's, which a cold query does not import
if TYPE_CHECKING:
    from searcharc.search.similar import Similar
    from searcharc.search.stats import Counts
    from searcharc.search.suggest import Near
    from searcharc.search.trend import Asked, Counted

Generation = int | None  # a shard's commit; None: its last


@dataclass(frozen=True, slots=True)
class Entry:
    """One of a shard's best documents: what the merge orders them by."""

    score: float  # BM25F
    final: float  # with the proximity bonus, if the shard's first window had it
    id: str
    docnum: int  # in its shard
    newest: tuple[bool, int] = (False, 0)  # by date: its place (``candidates.newest_first``)
    cosine: float | None = None  # --semantic: with the query's vector (None: it has none)


@dataclass(frozen=True, slots=True)
class Answer:
    """One shard's best documents for a request, and its count."""

    entries: list[Entry]
    total: int
    by_root: int
    exact: bool
    facets: Facets | None = None
    generation: int = -1  # the shard's commit that answered (its searcher's)


@dataclass(frozen=True, slots=True)
class State:
    """A shard's last commit and how many articles it holds then (``searcharc cluster status``)."""

    generation: int
    documents: int


@dataclass(frozen=True, slots=True)
class Held:
    """What a shard keeps of a request until its hits are asked for: the searcher that found
    the candidates (their commit), the plan and the candidates by docnum."""

    searcher: object
    plan: Plan
    candidates: dict[int, Candidate]
    generation: int


HELD = 8  # requests a shard keeps at once (several coordinators, or a retry)


class Shard:
    """One shard, searched with the statistics of the whole index; it keeps what each of its
    last HELD requests found, by request id, until their hits are asked for, and its previous
    commit open beside its last one (``LocalIndex``'s ``keep``)."""

    def __init__(self, path: Path):
        self.index = LocalIndex(store.open_existing(path), path, keep=True)
        self.held: OrderedDict[str, Held] = OrderedDict()

    def reader(self, generation: Generation):
        return self.index.searcher(DEFAULT_RANKING, generation).reader()

    def meta(self) -> store.IndexMeta:
        """How the shard was built, and when it last changed."""
        return store.IndexMeta.read(self.index.path)

    def state(self) -> State:
        reader = self.reader(None)
        return State(reader.generation(), reader.doc_count())

    def size_bytes(self) -> int:
        return self.index.size_bytes()

    def statistics(self, generation: Generation, terms: set[Term]) -> Statistics:
        """The shard's own statistics for ``terms``: the whole index's are their sum."""
        return Statistics.of(self.reader(generation), terms)

    def find(
        self, generation: Generation, request_id: str, request: Request, plan: Plan, stats
    ) -> Answer:
        """The shard's best documents for ``request``, kept under ``request_id``."""
        reader = self.index.searcher(request.ranking, generation).reader()
        weighting = request.ranking.weighting()
        searcher = StatisticsSearcher(reader, stats.over(reader), weighting)
        ids = reader.column_reader("id") if reader.doc_count_all() else {}  # none: no column
        found, counts = self.index.counts.find(searcher, request, plan, ties=ids.__getitem__)
        ranked = found.ranked if request.sort == "score" else found.ranked[: request.depth]
        place = candidates.newest_first(searcher) if request.sort == "date" else None
        near = self.cosines(reader, ranked, request)
        entries = [
            Entry(
                found.scores[c.docnum],
                c.score,
                ids[c.docnum],
                c.docnum,
                place(c.docnum) if place else (False, 0),
                near.get(c.docnum),
            )
            for c in ranked
        ]
        now = reader.generation()
        self.held[request_id] = Held(searcher, plan, {c.docnum: c for c in ranked}, now)
        while len(self.held) > HELD:
            self.held.popitem(last=False)
        return Answer(entries, found.total, found.by_root, found.exact, counts, now)

    def trend(self, generation: Generation, asked: Asked) -> Counted:
        """The shard's articles of each query and all of them, by day (``trend``)."""
        from searcharc.search.trend import counted

        return counted(self.index.searcher(DEFAULT_RANKING, generation), asked)

    def cosines(self, reader, ranked: list[Candidate], request: Request) -> dict[int, float]:
        """--semantic: the cosines of the shard's best POOL with the query (those it has)."""
        if not request.semantic:
            return {}
        pool = [c.docnum for c in ranked[: semantic.POOL]]
        found = semantic.cosines(self.index.path, reader, pool, request.semantic)
        return {d: c for d, c in zip(pool, found, strict=True) if c is not None}

    def _held(self, request_id: str) -> Held:
        """What request ``request_id`` found, still readable (StaleRequest: its commit is no
        longer open here, ask again)."""
        held = self.held.get(request_id)
        if held is None:
            raise SearcharcError(
                f"shard {self.index.path}: request {request_id} is not held (of the last {HELD})"
            )
        if not self.index.is_open(held.generation):
            raise StaleRequest(
                f"shard {self.index.path}: request {request_id} was found at commit "
                f"{held.generation}, no longer open here: ask again"
            )
        return held

    def hits(self, request_id: str, wanted: list[tuple[int, float]], snippets: bool) -> list[Hit]:
        """The hits of documents (docnum, score) that request ``request_id`` found, in that
        order, read from the commit that found them."""
        held = self._held(request_id)
        meta, compiled = self.index.meta, held.plan.compiled
        return [
            hits.hit(held.searcher, meta, replace(held.candidates[d], score=s), compiled, snippets)
            for d, s in wanted
        ]

    def body_vectors(self, request_id: str, wanted: list[tuple[int, float]]) -> list:
        """The body terms (``similar.Vector``) of documents that request ``request_id`` found."""
        from searcharc.search.similar import body_vector

        held = self._held(request_id)
        return [body_vector(held.searcher, d) for d, _ in wanted]

    def body_vector(self, generation: Generation, article_id: str) -> list | None:
        """The body terms of an article of this shard (``similar``), or None."""
        from searcharc.search.similar import body_vector

        searcher = self.index.searcher(DEFAULT_RANKING, generation)
        docnum = searcher.document_number(id=article_id)
        return None if docnum is None else body_vector(searcher, docnum)

    def body_frequencies(self, generation: Generation, words: set[str]) -> tuple:
        """What Bo1 reads of this shard for some body words (``similar.body_frequencies``)."""
        from searcharc.search.similar import body_frequencies

        return body_frequencies(self.reader(generation), words)

    def similar_hits(
        self, request_id: str, wanted: list[tuple[int, float]], shared: dict[str, set[str]]
    ) -> list[Similar]:
        """The hits of the articles (docnum, score) that a search for an article's key terms
        found, each with the key terms it shares with it (``shared``: by id)."""
        from searcharc.search.similar import similar_hit

        held = self._held(request_id)
        meta, ids = self.index.meta, held.searcher.reader().column_reader("id")
        return [
            similar_hit(held.searcher, meta, held.candidates[d], shared[ids[d]]) for d, _ in wanted
        ]

    def get(self, generation: Generation, article_id: str) -> dict | None:
        """The stored fields of an article of this shard, or None."""
        return self.index.searcher(DEFAULT_RANKING, generation).document(id=article_id)

    def near_words(self, generation: Generation, norms: list[str]) -> dict[str, Near]:
        """What the shard holds of some query words and of the words near them (``suggest``)."""
        from searcharc.search.suggest import near_words

        return near_words(self.reader(generation), norms)

    def counts(self, generation: Generation) -> Counts:
        """The shard's articles by source and month (``stats``)."""
        from searcharc.search.stats import counts

        return counts(self.reader(generation), self.index.path)

    def terms_after(self, generation: Generation, fieldname: str, after: bytes | None) -> list:
        """The shard's next chunk of a field's terms, in order (``stats``)."""
        from searcharc.search.stats import terms_after

        return terms_after(self.reader(generation), fieldname, after)
