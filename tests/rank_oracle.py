"""An oracle for ranked pages, over the whole query language: every article the compiled query
matches, scored by walking Whoosh's matchers to the end (no ``replace``, no block-quality
skipping, no ``bulk`` ranking: nothing that selects candidates), kept by the dates read from
its stored fields, ordered, then the proximity bonus added over the first window; and a check
that a page of ``SearchIndex.search`` is a slice of that order, up to ties."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from whoosh.reading import TermNotFound
from whoosh.searching import SearchContext

from searcharc.errors import SearcharcError
from searcharc.search import planning
from searcharc.search.proximity import proximity_score
from searcharc.search.ranking import DEFAULT
from searcharc.search.request import Request, SearchResult
from searcharc.search.rerank import RERANK_WINDOW
from searcharc.search.searcher import SearchIndex

TIE = 1e-9  # scores this close are a tie: either order is right
SHOWN = 5e-5  # hits show scores rounded to 4 decimals
UNDATED = -math.inf  # the sort key of an undated article: last, newest first


@dataclass(frozen=True, slots=True)
class Options:
    """The options of one search, as the API takes them."""

    match: str = "any"
    since: date | None = None
    until: date | None = None
    sort: str = "score"
    offset: int = 0
    limit: int = 10


@dataclass(frozen=True, slots=True)
class Expected:
    """Every matching article: its final sort key and shown score, in the right order."""

    order: list[str]  # ids, best first
    key: dict[str, float]  # id → what the order sorts by (a score, or a date's ordinal)
    score: dict[str, float]  # id → the score a hit shows
    ambiguous: bool  # a BM25 tie straddles the re-rank window's edge: either side is right


def expected(index: SearchIndex, query: str, options: Options) -> Expected | None:
    """The oracle's whole ranking for ``query`` over a one-index ``index`` (None: nothing to
    search); raises SearcharcError where the query cannot be read."""
    request = Request.of(
        query, options.offset + options.limit, DEFAULT, options.match,
        options.since, options.until, options.sort, False, False,
    )  # fmt: skip
    searcher = index.backend.searcher(request.ranking)
    plan = planning.plan(searcher, index.meta, request)
    if plan is None:
        return None
    bm25 = _every_match(searcher, plan.compiled.query, options)
    if options.sort == "date":
        dated = {d: _ordinal(searcher, d) for d in bm25}
        order = sorted(bm25, key=lambda d: (-dated[d], d))
        return _named(searcher, order, dated, bm25, False)
    order = sorted(bm25, key=lambda d: (-bm25[d], d))
    final, ambiguous = _proximity(searcher, order, bm25, plan.compiled, request.ranking)
    order = sorted(order[:RERANK_WINDOW], key=lambda d: -final[d]) + order[RERANK_WINDOW:]
    return _named(searcher, order, final, final, ambiguous)


def _every_match(searcher, query, options: Options) -> dict[int, float]:
    """Each matching, undeleted article within the dates → its BM25F score."""
    context = SearchContext(weighting=searcher.weighting)
    found = {}
    for leaf, offset in searcher.leaf_searchers():
        matcher = query.matcher(leaf, context)
        while matcher.is_active():
            assert not leaf.reader().is_deleted(matcher.id())
            found[offset + matcher.id()] = matcher.score()
            matcher.next()
    if options.since is None and options.until is None:
        return found
    low, high = options.since or date.min, options.until or date.max
    days = {d: searcher.stored_fields(d).get("date") for d in found}
    return {d: s for d, s in found.items() if days[d] and low <= days[d].date() <= high}


def _ordinal(searcher, docnum: int) -> float:
    day = searcher.stored_fields(docnum).get("date")
    return day.toordinal() if day else UNDATED


def _proximity(searcher, order: list[int], bm25: dict[int, float], compiled, ranking):
    """The scores with the proximity bonus over the first window, every posting read; and
    whether the window's edge falls inside a tie."""
    window = order[:RERANK_WINDOW]
    stems = {w.stem: w.weight for w in compiled.words if w.weight > 0}
    if not ranking.proximity or len(stems) < 2:
        return bm25, False
    at_edge = len(order) > RERANK_WINDOW and (
        bm25[order[RERANK_WINDOW - 1]] - bm25[order[RERANK_WINDOW]] <= TIE
    )
    positions: dict[int, dict[str, list[int]]] = {d: {} for d in window}
    for stem in stems:
        try:
            matcher = searcher.postings("body", stem)
        except TermNotFound:
            continue
        while matcher.is_active():
            if matcher.id() in positions:
                positions[matcher.id()][stem] = matcher.value_as("positions")
            matcher.next()
    weights = {stem: searcher.idf("body", stem) * weight for stem, weight in stems.items()}
    average = searcher.avg_field_length("body") or 1
    final = dict(bm25)
    for d in window:
        length = searcher.doc_field_length(d, "body") or 0
        bonus = proximity_score(positions[d], weights, length, average, ranking.b, ranking.k1)
        final[d] += ranking.proximity * bonus
    return final, at_edge


def _named(searcher, order, key, score, ambiguous) -> Expected:
    ids = {d: searcher.stored_fields(d)["id"] for d in order}
    return Expected(
        [ids[d] for d in order],
        {ids[d]: key[d] for d in order},
        {ids[d]: score[d] for d in order},
        ambiguous,
    )


def hit_key(hit, options: Options) -> float:
    """What a hit's place is sorted by, read from the hit itself."""
    if options.sort == "date":
        return date.fromisoformat(hit.date).toordinal() if hit.date else UNDATED
    return hit.score


def check_page(result: SearchResult, want: Expected, options: Options) -> None:
    """``result`` is the oracle's page at ``options.offset``: the same length, each place held
    by an article whose key is the oracle's at that place (ties may swap), every article
    keyed strictly inside the page's range present, scores as shown, the total exact or a
    lower bound said so."""
    page = [h.id for h in result.hits]
    wanted = want.order[options.offset : options.offset + options.limit]
    assert len(page) == len(set(page)), f"an article twice: {page}"
    assert len(page) == len(wanted), f"{len(page)} hits, the oracle {len(wanted)}: {page}"
    for place, (hit, right) in enumerate(zip(result.hits, wanted, strict=True)):
        assert hit.id in want.key, f"{hit.id} does not match the query"
        got, should = want.key[hit.id], want.key[right]
        assert _same(got, should), (
            f"place {options.offset + place}: {hit.id} ({got}), not {right} ({should})"
        )
        assert abs(hit.score - want.score[hit.id]) <= SHOWN + TIE, (hit.id, hit.score)
    if wanted:
        best, worst = want.key[wanted[0]], want.key[wanted[-1]]
        inside = [i for i in want.order if _below(want.key[i], best) and _below(worst, want.key[i])]
        assert set(inside) <= set(page), f"left out: {sorted(set(inside) - set(page))}"
    if result.total_exact:
        assert result.total == len(want.order), (result.total, len(want.order))
    else:
        assert options.offset + len(page) <= result.total <= len(want.order)


def _same(a: float, b: float) -> bool:
    return a == b or abs(a - b) <= TIE


def _below(a: float, b: float) -> bool:
    return a < b and not _same(a, b)


def search_page(index: SearchIndex, query: str, options: Options) -> SearchResult:
    return index.search(
        query, limit=options.limit, offset=options.offset, match=options.match,
        since=options.since, until=options.until, sort=options.sort,
        snippets=False, suggest=False,
    )  # fmt: skip


def holds(index: SearchIndex, others: list[SearchIndex], query: str, options: Options) -> str:
    """Checks ``query``'s page on ``index`` and on each of ``others`` (the same articles,
    sharded) against the oracle of ``index``; says what it checked: "page", "empty",
    "refused" (the query cannot be read, by every index alike) or "ambiguous"."""
    try:
        want = expected(index, query, options)
    except SearcharcError:
        for other in [index, *others]:
            try:
                search_page(other, query, options)
            except SearcharcError:
                continue
            raise AssertionError(f"{query!r}: the oracle refused it, an index did not") from None
        return "refused"
    if want is None:
        assert all(search_page(i, query, options).total == 0 for i in [index, *others])
        return "empty"
    if want.ambiguous and options.offset + options.limit > 0:
        return "ambiguous"
    for searched in [index, *others]:
        check_page(search_page(searched, query, options), want, options)
    return "page"
