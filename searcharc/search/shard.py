"""One shard of an index, searched with the statistics of the whole index (see ``shards``):
what a worker process (``workers``) or the main process runs of a request."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from searcharc.errors import SearcharcError
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


@dataclass(frozen=True, slots=True)
class Last:
    """A shard's last request: its number, searcher, plan and candidates by docnum."""

    serial: int
    searcher: object
    plan: Plan
    candidates: dict[int, Candidate]


class Shard:
    """One shard, searched with the statistics of the whole index; it keeps the candidates of
    its last request until their hits are asked for."""

    def __init__(self, path: Path):
        self.index = LocalIndex(store.open_existing(path), path)
        self.last: Last | None = None

    def statistics(self, terms: set[Term]) -> Statistics:
        """The shard's own statistics for ``terms``: the whole index's are their sum."""
        return Statistics.of(self.index.searcher(DEFAULT_RANKING).reader(), terms)

    def find(self, serial: int, request: Request, plan: Plan, stats: Statistics) -> Answer:
        """The shard's best documents for ``request`` (request number ``serial``)."""
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
        self.last = Last(serial, searcher, plan, {c.docnum: c for c in ranked})
        counts = facets.count(searcher, found.matched or ()) if request.facets else None
        return Answer(entries, found.total, found.by_root, found.exact, counts)

    def hits(self, serial: int, wanted: list[tuple[int, float]], snippets: bool) -> list[Hit]:
        """The hits of documents of request ``serial`` (docnum, score), in that order."""
        last = self.last
        if last is None or last.serial != serial:
            raise SearcharcError(f"shard {self.index.path}: request {serial} is not the last")
        meta, compiled = self.index.meta, last.plan.compiled
        return [
            hits.hit(last.searcher, meta, replace(last.candidates[d], score=s), compiled, snippets)
            for d, s in wanted
        ]
