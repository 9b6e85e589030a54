"""Facets: a query's matching articles counted by source and by year."""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable

from searcharc.search.request import Facets
from searcharc.whooshx import segments

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
