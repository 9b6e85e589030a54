"""One shard of an index, searched with the statistics of the whole index (see ``shards``):
what a worker process (``workers``) or the main process runs of a request."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, replace
from pathlib import Path

from searcharc.errors import SearcharcError, StaleRequest
from searcharc.index import store
from searcharc.records import Hit
from searcharc.search import candidates, facets, hits
from searcharc.search.local import LocalIndex
from searcharc.search.ranking import DEFAULT as DEFAULT_RANKING
from searcharc.search.request import Candidate, Facets, Plan, Request
from searcharc.search.statistics import Statistics, Term
from searcharc.whooshx.statistics import StatisticsSearcher


@dataclass(frozen=True, slots=True)
class Entry:
    """One of a shard's best documents: what the merge orders them by."""

    score: float  # BM25F
    final: float  # with the proximity bonus, if the shard's first window had it
    id: str
    docnum: int  # in its shard
    newest: tuple[bool, int] = (False, 0)  # by date: its place (``candidates.newest_first``)


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
    last HELD requests found, by request id, until their hits are asked for."""

    def __init__(self, path: Path):
        self.index = LocalIndex(store.open_existing(path), path)
        self.held: OrderedDict[str, Held] = OrderedDict()

    def statistics(self, terms: set[Term]) -> Statistics:
        """The shard's own statistics for ``terms``: the whole index's are their sum."""
        return Statistics.of(self.index.searcher(DEFAULT_RANKING).reader(), terms)

    def find(self, request_id: str, request: Request, plan: Plan, stats: Statistics) -> Answer:
        """The shard's best documents for ``request``, kept under ``request_id``."""
        reader = self.index.searcher(request.ranking).reader()
        weighting = request.ranking.weighting()
        searcher = StatisticsSearcher(reader, stats.over(reader), weighting)
        ids = reader.column_reader("id") if reader.doc_count_all() else {}  # none: no column
        found = candidates.find(searcher, request, plan, ties=ids.__getitem__)
        ranked = found.ranked if request.sort == "score" else found.ranked[: request.depth]
        by_date = request.sort == "date"
        entries = [
            Entry(
                found.scores[c.docnum],
                c.score,
                ids[c.docnum],
                c.docnum,
                candidates.newest_first(searcher, c.docnum) if by_date else (False, 0),
            )
            for c in ranked
        ]
        generation = reader.generation()
        self.held[request_id] = Held(searcher, plan, {c.docnum: c for c in ranked}, generation)
        while len(self.held) > HELD:
            self.held.popitem(last=False)
        counts = facets.count(searcher, found.matched or ()) if request.facets else None
        return Answer(entries, found.total, found.by_root, found.exact, counts, generation)

    def hits(self, request_id: str, wanted: list[tuple[int, float]], snippets: bool) -> list[Hit]:
        """The hits of documents (docnum, score) that request ``request_id`` found, in that
        order, read from the commit that found them (StaleRequest: the shard has moved on to
        another commit since, ask again)."""
        held = self.held.get(request_id)
        if held is None:
            raise SearcharcError(
                f"shard {self.index.path}: request {request_id} is not held (of the last {HELD})"
            )
        now = self.index.searcher(DEFAULT_RANKING).reader().generation()
        if now != held.generation:
            raise StaleRequest(
                f"shard {self.index.path}: request {request_id} was found at commit "
                f"{held.generation}, the shard reads commit {now}: ask again"
            )
        meta, compiled = self.index.meta, held.plan.compiled
        return [
            hits.hit(held.searcher, meta, replace(held.candidates[d], score=s), compiled, snippets)
            for d, s in wanted
        ]
