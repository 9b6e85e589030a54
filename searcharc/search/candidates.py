"""A plan's candidates, ranked and counted: scored in bulk for the shapes it reads (terms and
phrases, their conjunctions and exclusions, within dates or by date: ``bulk.shape``), by
Whoosh's own search otherwise, then re-ranked (``rerank``)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from whoosh.query import Query

from searcharc.search import bulk, counting
from searcharc.search.matching import Compiled
from searcharc.search.ranking import Ranking
from searcharc.search.request import Candidate, Found, Plan, Request
from searcharc.search.rerank import RERANK_WINDOW, reranked, reranks
from searcharc.whooshx import docnums as dn


def fetch(wanted: int, sort: str, rerank: bool) -> int | None:
    """How many hits to ask Whoosh for: all to sort by date; whole windows to re-rank (so
    that pages agree and the top 100 keep their set); else just the page (fastest top-k)."""
    if sort == "date":
        return None
    return -(-wanted // RERANK_WINDOW) * RERANK_WINDOW if rerank else wanted


def reach(compiled: Compiled, ranking: Ranking, depth: int) -> tuple[int, float] | None:
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


def find(searcher, request: Request, plan: Plan, ties: Callable[[int], str] | None = None) -> Found:
    """The plan's candidates, ranked (the best ``request.depth`` at least), and counted;
    ``ties`` orders equal BM25F scores by a key of the docnum (else by docnum)."""
    if plan.flat is not None:
        within, counted = counting.allowed(searcher, plan.date_filter, plan.dated), None
        if plan.excluded is not None:  # an exclusion: ranked without its documents
            within = counting.without(searcher, plan.excluded, within)
        if plan.groups is not None:  # a conjunction: ranked within its documents
            within, counted = counting.conjunction(searcher, plan.groups, within)
        ranked, found = bulk_candidates(searcher, request, plan, ties is None, within)
        matched = set(found.matched.tolist()) if request.facets and found.exact_total else None
        counted = counted or counting.Count(found.total, found.exact_total, found.weak_only)
        if not counted.exact:  # the ranking skipped postings: counted apart, up to the threshold
            stop = counting.TRACK_TOTAL + 1
            counted = counting.flat_count(
                searcher, plan.flat, stop, found.total, within=within, unread=found.unread
            )
        total, by_root, exact = counted.total, counted.by_root, counted.exact
    else:
        ranked, total, by_root = whoosh_candidates(searcher, request, plan)
        matched, exact = None, True
    if ties is not None and request.sort == "score":
        ranked.sort(key=lambda c: (-c.score, ties(c.docnum)))
    scores = {c.docnum: c.score for c in ranked}
    if request.sort == "score":
        ranked = reranked(searcher, ranked, plan.compiled, request.ranking)
    elif plan.flat is None:  # by date: Whoosh's candidates (the bulk ranking's come so)
        ranked.sort(key=lambda c: c.docnum, reverse=True)  # ties: the last added first
        place = newest_first(searcher)
        ranked.sort(key=lambda c: place(c.docnum))
    if request.facets and matched is None:
        matched = matching(searcher, plan.compiled.query, plan.date_filter)
    return Found(ranked, total, by_root, exact, matched, scores)


def bulk_candidates(
    searcher, request: Request, plan: Plan, reaching: bool, within: np.ndarray | None = None
) -> tuple[list[Candidate], bulk.Ranked]:
    """The BM25F candidates of a plain disjunction of terms and phrases, scored in bulk, and
    what the scoring found (the total, exact or a lower bound; every matching document when
    exact; how many of those only the root view matched); ``reaching``: with ``reach``;
    ``within``: only the documents of that mask (dates, a conjunction's, an exclusion's)."""
    ranking, depth = request.ranking, request.pool
    exhaustive = request.exact_total or request.facets
    by_date = request.sort == "date"
    reached = reach(plan.compiled, ranking, depth) if reaching and not by_date else None
    limit = depth if by_date else fetch(depth, "score", reranks(ranking))
    ranked = bulk.rank(
        searcher,
        plan.flat,
        limit,
        b=ranking.b,
        k1=ranking.k1,
        weak="root",
        exhaustive=exhaustive,
        reach=reached,
        within=within,
        key=newest_keys(searcher) if by_date else None,
    )
    shift = sum(dated.boost for dated in plan.dated)  # a date range's constant score
    candidates = [
        Candidate(d, ranked.scores[d] + shift, ranked.terms[d], ranked) for d in ranked.docnums
    ]
    return candidates, ranked


def whoosh_candidates(searcher, request: Request, plan: Plan) -> tuple[list[Candidate], int, int]:
    """The candidates of any other query, from Whoosh's own search (by date: every match,
    scored, for ``find`` to sort: Whoosh's own sort gives each hit its date's sort key as a
    score), their count and how many of those only the root view matched."""
    compiled, date_filter = plan.compiled, plan.date_filter
    ranking, sort = request.ranking, request.sort
    limit = fetch(request.pool, sort, reranks(ranking))
    results = whoosh_search(
        searcher, compiled.query, limit, compiled.expands or ranking.coordination, date_filter
    )
    terms = results.has_matched_terms()
    candidates = [
        Candidate(r.docnum, r.score, r.matched_terms() if terms else set()) for r in results
    ]
    if limit is None or len(candidates) < limit:  # every match collected
        every = {c.docnum for c in candidates}
    else:  # a full top k: Whoosh's count leaves out what its replace() skipped, and within
        # dates counts the matches outside them; an unscored walk counts them all
        every = matching(searcher, compiled.query, date_filter)
    by_root = 0
    if plan.direct is not None and plan.direct.query is not None:  # of the matches, those the
        # query finds without the root view (its exclusions, without it, leave out fewer)
        by_root = len(every - matching(searcher, plan.direct.query, date_filter))
    elif plan.direct is not None:
        by_root = len(every)
    return candidates, len(every), by_root


def whoosh_search(searcher, query, limit: int | None, terms: bool, date_filter):
    """Whoosh's search of ``query`` (the best ``limit``, or every match), without its top-k
    collector's ``replace``: rebuilding the matcher tree around the page's bound lost
    articles that could make the page (tests/rank_oracle.py at 30,000 and 300,000 articles:
    23 of the first 100 of a phrase query); block-quality skipping stays."""
    from whoosh import collectors  # here: with whoosh.sorting, 1 ms of a cold ranked query

    top = limit and limit < searcher.doc_count()
    found = collectors.TopCollector(limit, replace=0) if top else collectors.UnlimitedCollector()
    if terms:
        found = collectors.TermsCollector(found)
    if date_filter is not None:  # last, as Whoosh's own: it sees the documents first
        found = collectors.FilterCollector(found, allow=date_filter)
    searcher.search_with_collector(query, found)
    return found.results()


UNDATED_KEY = 1 << 62  # an undated document's ``newest_keys``: after every day


def newest_keys(searcher) -> np.ndarray:
    """Each document's place in a search by date (int64 by searcher docnum, lower first):
    minus its day (from the date column), UNDATED_KEY for none."""
    column = counting.date_column(searcher)
    days = dn.day_number(column).astype(np.int64)
    return np.where(column == np.uint64(dn.UNDATED), UNDATED_KEY, -days)


def newest_first(searcher) -> Callable[[int], tuple[bool, int]]:
    """``newest_keys`` as a sort key of docnums: (undated, minus the day)."""
    keys = newest_keys(searcher)

    def place(docnum: int) -> tuple[bool, int]:
        key = int(keys[docnum])
        return (True, 0) if key == UNDATED_KEY else (False, key)

    return place


def matching(searcher, query: Query, date_filter: Query | None) -> set[int]:
    """Every document that ``query`` matches within the dates (Whoosh's unscored walk)."""
    found = set(searcher.docs_for_query(query))
    return found & set(searcher.docs_for_query(date_filter)) if date_filter else found
