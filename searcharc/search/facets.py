"""Facets: a query's matching articles counted by source and by year; the counts of a large
result kept per commit (``Counts``)."""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from searcharc.search import candidates
from searcharc.search.request import Facets, Found, Plan, Request
from searcharc.whooshx import segments

LARGE = 1000  # matching articles from which a result's counts are kept
KEPT = 64  # results whose counts are kept (the least recently asked for goes first)

Keys = tuple["str | None", "str | None"]  # a document's source and year


def count(searcher, docnums: Iterable[int]) -> Facets:
    """The documents counted by source and by year."""
    sources: Counter[str] = Counter()
    years: Counter[str] = Counter()
    keys = facet_keys(searcher)
    for docnum in docnums:
        source, year = keys(docnum)
        sources.update([source] if source else [])
        years.update([year] if year else [])
    return facets_of(sources, years)


def facet_keys(searcher) -> Callable[[int], Keys]:
    """A document's source and year by its docnum in ``searcher``, read once per segment and
    kept with the segment's view (a segment's stored fields never change)."""
    leaves = searcher.leaf_searchers()
    offsets = [offset for _, offset in leaves]
    found = [segments.view(leaf.reader()) for leaf, _ in leaves]

    def keys(docnum: int) -> Keys:
        at = bisect_right(offsets, docnum) - 1
        segment = found[at]
        table = segment.kept.setdefault("facets", {})
        local = docnum - offsets[at]
        if local not in table:
            fields = segment.stored_fields(local)
            day = fields.get("date")
            table[local] = (fields.get("source"), day and str(day.year))
        return table[local]

    return keys


def facets_of(sources: Counter[str], years: Counter[str]) -> Facets:
    """Counts by source (most first) and by year (newest first)."""
    return Facets(dict(sources.most_common()), dict(sorted(years.items(), reverse=True)))


def merged(found: Iterable[Facets]) -> Facets:
    """Counts by source and by year (of the shards of an index), added."""
    sources: Counter[str] = Counter()
    years: Counter[str] = Counter()
    for facets in found:
        sources.update(facets.by_source)
        years.update(facets.by_year)
    return facets_of(sources, years)


@dataclass(frozen=True, slots=True)
class Counted:
    """What counting every match of a request found."""

    total: int
    by_root: int
    facets: Facets


class Counts:
    """The counts of large results, by commit generation and request (but its page): another
    page, or the same search again, reads only the postings its page needs."""

    def __init__(self) -> None:
        self.kept: OrderedDict[tuple[int, Request], Counted] = OrderedDict()

    def find(
        self, searcher, request: Request, plan: Plan, **options
    ) -> tuple[Found, Facets | None]:
        """``candidates.find`` (its ``options``) and, when the request asks, the facets."""
        if not request.facets:
            return candidates.find(searcher, request, plan, **options), None
        key = (searcher.reader().generation(), replace(request, depth=0))
        counted = self.kept.get(key)
        if counted is not None:
            self.kept.move_to_end(key)
            found = candidates.find(searcher, replace(request, facets=False), plan, **options)
            found = replace(found, total=counted.total, by_root=counted.by_root, exact=True)
            return found, counted.facets
        found = candidates.find(searcher, request, plan, **options)
        facets = count(searcher, found.matched or ())
        if found.total >= LARGE:
            self.kept[key] = Counted(found.total, found.by_root, facets)
            while len(self.kept) > KEPT:
                self.kept.popitem(last=False)
        return found, facets
