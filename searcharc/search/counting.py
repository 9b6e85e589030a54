"""How many articles a query matches, counted from document numbers alone (no scoring).

The ranking skips the postings that cannot change the page (``bulk``); the total a person
reads is counted apart: exact up to TRACK_TOTAL articles (Elasticsearch's ``track_total_hits``
default), else "at least TRACK_TOTAL" (``reported``). ``flat_count`` counts a plain
disjunction of terms and phrases (the query shape the ranking skips in), stopping once past the
threshold; ``matches`` finds every document any compiled query matches, as Whoosh's search
does (``Or``, ``And``, ``AndNot``, ``Not``, dates; anything else, such as phrases, by Whoosh's
own unscored walk), for the trend (``trend``) and the tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
from whoosh import query as wq
from whoosh.util.times import datetime_to_long

from searcharc.search import bulk
from searcharc.search.blend import Blend
from searcharc.search.bulk import Clause, PostingsCache, Unread, cache, postings
from searcharc.whooshx import docnums as dn

TRACK_TOTAL = 10_000  # a total is exact up to this many articles (read here at each use)
NO_DOCNUMS = np.zeros(0, np.uint32)
CACHED_FROM = 512  # documents: a term in as many keeps its live docnums between queries
DOCNUMS = PostingsCache(cache.CACHE.budget // 4)  # ($SEARCHARC_CACHE_MB: the bulk's budget)


@dataclass(frozen=True, slots=True)
class Count:
    """A query's total: exact, or a lower bound past the threshold; of it, the articles only
    the root view matched (0 for a lower bound)."""

    total: int
    exact: bool
    by_root: int = 0


def reported(total: int, exact: bool, exhaustive: bool) -> tuple[int, bool]:
    """The total a person reads, and whether it is exact: the count itself up to TRACK_TOTAL
    (any count, when ``exhaustive``), else TRACK_TOTAL as a lower bound."""
    if exhaustive or (exact and total <= TRACK_TOTAL):
        return total, exact
    return min(total, TRACK_TOTAL), False


def leaves(searcher) -> list[tuple[object, int]]:
    """The searcher's segments: each one's reader and where its docnums start."""
    return [(leaf.reader(), offset) for leaf, offset in searcher.leaf_searchers()]


def term_docs(searcher, fieldname: str, text: str) -> set[int]:
    """The live documents that hold a term (searcher docnums)."""
    return set(term_array(searcher, fieldname, text).tolist())


def term_array(searcher, fieldname: str, text: str) -> np.ndarray:
    """The live documents that hold a term (searcher docnums, by segment, uint32)."""
    if fieldname not in searcher.schema:
        return NO_DOCNUMS
    btext = searcher.schema[fieldname].to_bytes(text)
    found = [
        live_docnums(reader, fieldname, btext) + np.uint32(offset)
        for reader, offset in leaves(searcher)
    ]
    return np.concatenate(found) if found else NO_DOCNUMS


def live_docnums(reader, fieldname: str, btext: bytes) -> np.ndarray:
    """A term's live documents in one segment, from ``DOCNUMS`` when the term is frequent
    (kept by folder, segment and deletions: a segment's deletions only grow)."""
    if dn.doc_frequency(reader, fieldname, btext) < CACHED_FROM:
        return dn.live_docnums(reader, fieldname, btext)
    key = (dn.segment_key(reader), fieldname, btext, len(dn.deleted(reader)))
    return DOCNUMS.get(key, lambda: dn.live_docnums(reader, fieldname, btext), _size)


def _size(docnums: np.ndarray) -> int:
    return docnums.nbytes + 64


def live_floor(searcher, fieldname: str, text: str) -> int:
    """At least how many live documents hold a term: in each segment, its document frequency
    less the segment's deleted documents (each may have held it)."""
    if fieldname not in searcher.schema:
        return 0
    btext = searcher.schema[fieldname].to_bytes(text)
    return sum(
        max(0, dn.doc_frequency(reader, fieldname, btext) - len(dn.deleted(reader)))
        for reader, _ in leaves(searcher)
    )


def conjunction(
    searcher, groups: list[list[Clause]], within: np.ndarray | None, weak: str = "root"
) -> tuple[np.ndarray, Count]:
    """The documents that match every group (a clause of each), within ``within`` when given
    (a mask by searcher docnum), as a mask; their count, exact, and how many need a clause of
    the field ``weak`` to match (what a search without it would not find)."""
    every = np.ones(docnum_count(searcher), bool) if within is None else within.copy()
    strong = every.copy()
    for group in groups:
        found, found_strong = np.zeros(len(every), bool), np.zeros(len(every), bool)
        for clause in group:
            docs = clause_docs(searcher, clause)
            found[docs] = True
            if clause.field != weak:
                found_strong[docs] = True
        every &= found
        strong &= found_strong
    total = int(np.count_nonzero(every))
    return every, Count(total, True, total - int(np.count_nonzero(strong)))


def without(searcher, clauses: list[Clause], within: np.ndarray | None) -> np.ndarray:
    """The documents (a mask by searcher docnum) that no clause matches, within ``within``
    when given: what an exclusion leaves."""
    kept = np.ones(docnum_count(searcher), bool) if within is None else within.copy()
    for clause in clauses:
        kept[clause_docs(searcher, clause)] = False
    return kept


def clause_docs(searcher, clause: Clause) -> np.ndarray:
    """The live documents a clause matches (searcher docnums): a phrase's, or its terms'."""
    if clause.after:
        return bulk.phrase_matches(searcher, clause)
    if clause.expand is not None:
        return expanded_docs(searcher, clause)
    return np.concatenate([term_array(searcher, clause.field, t) for t in clause.words()])


def expanded_docs(searcher, clause: Clause) -> np.ndarray:
    """The live documents of a clause that expands (searcher docnums, in order, each once):
    of each segment, those of the words it expands to there."""
    to_bytes = searcher.schema[clause.field].to_bytes
    found = [
        live_docnums(reader, clause.field, to_bytes(word)) + np.uint32(offset)
        for reader, offset in leaves(searcher)
        for word in bulk.expansion(reader, clause)
    ]
    return postings.distinct(np.concatenate(found)) if found else NO_DOCNUMS


def docnum_count(searcher) -> int:
    """The searcher's docnums: one past its last."""
    return max((offset + reader.doc_count_all() for reader, offset in leaves(searcher)), default=0)


def flat_count(
    searcher,
    clauses: list[Clause],
    stop: int,
    known: int = 0,
    weak: str = "root",
    within: np.ndarray | None = None,
    unread: Unread | None = None,
) -> Count:
    """How many documents the disjunction of ``clauses`` matches, read until past ``stop`` - 1
    (a lower bound from then on: ``known`` is one already, as a term's live floor); of them,
    those only clauses of the field ``weak`` matched; only documents ``within`` allows (a
    mask by searcher docnum) when given; ``unread``: a ranking's, whose matches are counted
    as they are, and only its clauses left unread are read. The terms are read most frequent
    first: they pass the threshold soonest."""
    clauses = clauses if unread is None else unread.clauses
    terms = [(c.field, text) for c in clauses if not c.after and not c.expand for text in c.words()]
    floors = [live_floor(searcher, f, t) for f, t in terms] if within is None else []
    floor = max([known, *floors])
    if floor >= stop:
        return Count(floor, False)
    size = docnum_count(searcher)
    every = np.zeros(size, bool) if within is None else ~within  # by docnum: counted or left out
    strong = np.zeros(size, bool)  # matched by a clause of another field than ``weak``
    if unread is not None:  # (documents within only: a ranking reads no other)
        every |= unread.every
        strong |= unread.strong
    for clause in clauses:  # phrases (by their words' positions) and expanding words
        if clause.after or clause.expand:
            found = clause_docs(searcher, clause)
            every[found] = True
            strong[found] |= clause.field != weak
    count = int(np.count_nonzero(every)) - (0 if within is None else size - int(within.sum()))
    if count >= stop:
        return Count(count, False)
    frequency = searcher.doc_frequency
    for fieldname, text in sorted(terms, key=lambda term: -frequency(*term)):
        found = term_array(searcher, fieldname, text)
        count += int(np.count_nonzero(~every[found]))
        every[found] = True
        if fieldname != weak:
            strong[found] = True
        if count >= stop:
            return Count(count, False)
    strong_count = np.count_nonzero(strong if within is None else strong & within)
    return Count(count, True, count - int(strong_count))


def matches(searcher, query: wq.Query) -> set[int]:
    """Every live document that ``query`` matches (searcher docnums), as Whoosh's search
    finds them, without scoring."""
    if type(query) is wq.Term:
        return term_docs(searcher, query.fieldname, query.text)
    if isinstance(query, (wq.Or, Blend)):
        return set().union(*(matches(searcher, sub) for sub in query.subqueries))
    if isinstance(query, wq.And):
        found = [matches(searcher, sub) for sub in query.subqueries]
        return set.intersection(*found) if found else set()
    if isinstance(query, wq.AndNot):
        return matches(searcher, query.a) - matches(searcher, query.b)
    if isinstance(query, wq.AndMaybe):
        return matches(searcher, query.a)
    if isinstance(query, wq.Not):
        return live(searcher) - matches(searcher, query.query)
    if isinstance(query, wq.Every):
        return live(searcher)
    if isinstance(query, wq.DateRange) and query.fieldname == "date":
        return dated(searcher, query.startdate, query.enddate)
    return set(searcher.docs_for_query(query))  # phrases, prefixes: Whoosh's own walk


def live(searcher) -> set[int]:
    """Every live document (searcher docnums)."""
    return set(np.flatnonzero(live_mask(searcher)).tolist())


def dated(searcher, start: datetime | None, end: datetime | None) -> set[int]:
    """The live documents dated within [start, end] (either bound open), undated ones never."""
    return set(np.flatnonzero(dated_mask(searcher, start, end)).tolist())


def dated_mask(searcher, start: datetime | None, end: datetime | None) -> np.ndarray:
    """Whether each document (by searcher docnum) is live and dated within [start, end]
    (either bound open; undated ones never)."""
    low = datetime_to_long(start) if start else 0
    high = datetime_to_long(end) if end else dn.UNDATED - 1
    values = date_column(searcher)
    return (values >= low) & (values <= high) & live_mask(searcher)


def live_mask(searcher) -> np.ndarray:
    """Whether each document (by searcher docnum) is live."""
    found = np.ones(docnum_count(searcher), bool)
    for reader, offset in leaves(searcher):
        gone = dn.deleted(reader)
        if gone:
            found[np.fromiter(gone, np.int64, len(gone)) + offset] = False
    return found


def date_column(searcher) -> np.ndarray:
    """Each document's ``date`` column value (by searcher docnum, uint64; dn.UNDATED for
    none): microseconds since 0001-01-01."""
    every = leaves(searcher)
    found = np.full(max((o + r.doc_count_all() for r, o in every), default=0), dn.UNDATED)
    for reader, offset in every:
        values = np.frombuffer(dn.date_values(reader), np.uint64)
        found[offset : offset + len(values)] = values
    return found


def allowed(
    searcher, date_filter: wq.Query | None, constant: tuple[wq.Query, ...] = ()
) -> np.ndarray | None:
    """The documents a plan's date filter and the query's parts scored a constant (date
    ranges, every document: ``bulk.Shape``) let through (a mask by searcher docnum), None
    for neither."""
    found = None
    for part in (date_filter, *constant) if date_filter is not None else constant:
        if isinstance(part, wq.Every):
            mask = live_mask(searcher)
        else:
            mask = dated_mask(searcher, part.startdate, part.enddate)
        found = mask if found is None else found & mask
    return found
