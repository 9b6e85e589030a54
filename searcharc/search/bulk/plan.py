"""The query's clauses and, for each, what reading it needs: statistics, segments, a bound.

A clause is a term (or a ``Blend`` of terms scored as one) or a phrase: its words at the
distances ``matching`` compiles (``SpanNear2`` chains), scored as Whoosh scores them, the sum
of its words' scores, in the documents where they stand so (``phrases``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from whoosh.query import And, AndNot, DateRange, Every, Not, Query, SpanNear2, Term
from whoosh.reading import TermNotFound

from searcharc.search.blend import Blend, Expanding, Or, blend_idf
from searcharc.search.bulk import cache
from searcharc.search.bulk.scoring import Constant, Statistics
from searcharc.whooshx.docnums import segment_key
from searcharc.whooshx.segments import view as segment_view


@dataclass(frozen=True, slots=True)
class Clause:
    """One term of the disjunction and the boost its score is multiplied by."""

    field: str
    text: str
    boost: float
    blend: tuple[str, ...] = ()  # more terms of the field scored as this one (``Blend``)
    after: tuple[tuple[int, str], ...] = ()  # a phrase's next words, each at its distance
    # from the word before
    expand: Expanding | None = None  # a word that expands to words of each segment (its
    # terms: ``expansion``), every document that holds one scoring ``boost``

    def words(self) -> tuple[str, ...]:
        """The clause's terms: a blend's, or a phrase's words in order (not expanded)."""
        return (self.text, *self.blend, *(word for _, word in self.after))


def expansion(reader, clause: Clause) -> tuple[str, ...]:
    """The words of one segment an expanding clause stands for, as Whoosh's search expands
    it there (a segment at a time: a fuzzy word expands otherwise over several)."""
    found = clause.expand.expanded_terms(reader)  # a prefix's bytes, a fuzzy word's str
    return tuple(w.decode("utf-8") if isinstance(w, bytes) else w for _, w in found if w)


def clauses(query: Query) -> list[Clause] | None:
    """The terms and phrases of a tree of plain ``Or`` queries; None for other shapes."""
    if type(query) is Term:
        return [Clause(query.fieldname, query.text, query.boost)]
    if isinstance(query, Expanding):
        return [Clause(query.fieldname, query.text, query.boost, expand=query)]
    if type(query) is SpanNear2:
        phrase = _phrase(query)
        return [phrase] if phrase is not None else None
    if type(query) is Blend and all(type(sub) is Term for sub in query.subqueries):
        first, *rest = query.subqueries
        return [Clause(first.fieldname, first.text, query.boost, tuple(t.text for t in rest))]
    if type(query) is not Or or query.boost != 1.0 or query.minmatch or query.scale:
        return None
    found: list[Clause] = []
    for sub in query.subqueries:
        leaves = clauses(sub)
        if leaves is None:
            return None
        found += leaves
    return found


@dataclass(frozen=True, slots=True)
class Shape:
    """What the bulk ranking reads of a query: its clauses; a conjunction's parts, each of
    which a document must match; an exclusion's clauses, whose documents are left out; the
    parts Whoosh scores a constant, each adding its boost to every score: date ranges a
    document must be in (``date:`` in the query), every document (a query of exclusions
    alone). No clause (``flat`` empty): every document those let through, equal."""

    flat: list[Clause]
    groups: list[list[Clause]] | None = None
    excluded: list[Clause] | None = None
    constant: tuple[Query, ...] = ()


def shape(query: Query) -> Shape | None:
    """The query as the bulk ranking reads it: a disjunction of terms and phrases
    (``clauses``), a conjunction of them (``groups``), either without the documents of
    another disjunction (``AndNot``, whose score is its kept part's), within date ranges
    (an ``And`` with ``DateRange`` parts); None for other shapes."""
    if isinstance(query, AndNot) and query.boost == 1.0:
        kept, left = shape(query.a), clauses(query.b)
        if kept is None or kept.excluded is not None or left is None:
            return None
        return Shape(kept.flat, kept.groups, left, kept.constant)
    if isinstance(query, Not):  # every document but these: each scores 1 (its matcher's)
        left = clauses(query.query)
        return Shape([], None, left, (Every(),)) if left is not None else None
    found = clauses(query)
    if found is not None:
        return Shape(found)
    if _constant(query):
        return Shape([], constant=(query,))
    if type(query) is And and query.boost == 1.0:
        constant = tuple(sub for sub in query.subqueries if _constant(sub))
        rest = [sub for sub in query.subqueries if not _constant(sub)]
        if constant:
            inner = shape(rest[0] if len(rest) == 1 else And(rest)) if rest else Shape([])
            if inner is None or inner.excluded is not None or inner.constant:
                return None
            return Shape(inner.flat, inner.groups, None, constant)
    parts = groups(query)
    return Shape([c for part in parts for c in part], parts) if parts is not None else None


def _constant(query: Query) -> bool:
    """Whether a query is scored a constant (its boost) by Whoosh: a range of the ``date``
    field, or every document."""
    if type(query) is Every:
        return query.fieldname in (None, "", "*")
    return type(query) is DateRange and query.fieldname == "date" and query.constantscore


def groups(query: Query) -> list[list[Clause]] | None:
    """The clauses of each part of a plain ``And`` of disjunctions (``clauses``), whose
    documents match every part; None for other shapes."""
    if type(query) is not And or query.boost != 1.0:
        return None
    found = [clauses(sub) for sub in query.subqueries]
    return None if any(part is None for part in found) else found


def _phrase(query: SpanNear2) -> Clause | None:
    """A phrase as ``matching._positional`` compiles it: a chain of ``SpanNear2``, each of the
    phrase so far and the next word of the same field at an exact distance after it, in order;
    None for any other span query."""
    after: list[tuple[int, Term]] = []
    while type(query) is SpanNear2:
        if len(query.qs) != 2 or not query.ordered or not 1 <= query.mindist == query.slop:
            return None
        if type(query.qs[1]) is not Term:
            return None
        after.append((query.slop, query.qs[1]))
        query = query.qs[0]
    if type(query) is not Term:
        return None
    words = [query, *(term for _, term in after)]
    if {t.fieldname for t in words} != {query.fieldname} or {t.boost for t in words} != {1.0}:
        return None
    gaps = tuple((gap, term.text) for gap, term in reversed(after))
    return Clause(query.fieldname, query.text, 1.0, after=gaps)


@dataclass(slots=True)
class Segment:
    """One segment of the index: its reader, where its docnums start, its deleted documents."""

    reader: object
    offset: int
    deleted: frozenset | set

    def lengths(self, fieldname: str) -> np.ndarray:
        """Each document's field length byte (``SegmentView.field_lengths``), uint8."""
        return np.frombuffer(segment_view(self.reader).field_lengths(fieldname), np.uint8)

    def deleted_mask(self) -> np.ndarray | None:
        """Whether each document is deleted (by segment docnum); None when none is."""
        if not self.deleted:
            return None

        def mask() -> np.ndarray:
            found = np.zeros(self.reader.doc_count_all(), bool)
            found[np.fromiter(self.deleted, np.int64, len(self.deleted))] = True
            return found

        key = ("deleted", self.key(), len(self.deleted))  # deletions are only ever added
        return cache.CACHE.get(key, mask, lambda found: found.nbytes)

    def key(self) -> tuple:
        """What names the segment in ``cache.CACHE`` (its postings never change)."""
        return segment_key(self.reader)

    def end(self) -> int:
        """The docnum after the segment's last (searcher docnums)."""
        return self.offset + self.reader.doc_count_all()

    def term_info(self, fieldname: str, btext: bytes):
        """The term's W3 term info here, None when the segment does not hold it."""
        try:
            return self.reader.term_info(fieldname, btext)
        except TermNotFound:
            return None


def segments(searcher) -> list[Segment]:
    """The searcher's segments."""
    return [
        Segment(leaf.reader(), offset, getattr(leaf.reader(), "deleted_docs_set", frozenset()))
        for leaf, offset in searcher.leaf_searchers()
    ]


@dataclass(slots=True)
class Plan:
    """A clause ready to read: its BM25F statistics, its terms by segment, a score bound."""

    clause: Clause
    stats: Statistics | Constant
    terms: list[tuple[str, bytes]]  # the clause's texts and their bytes
    present: list[tuple[Segment, list[tuple[int, object]]]]  # segments, the ``terms`` they
    # hold (by index) and their term infos
    bound: float  # no document scores more by this clause
    directories: dict = field(default_factory=dict)  # (segment offset, term) → its directory
    parts: list[Plan] = field(default_factory=list)  # a phrase's: a plan of each word
    positions: Callable[[bytes], list[int]] | None = None  # a phrase's: a value's positions

    def postings_count(self) -> int:
        """How many postings the clause's terms have in all (what reading it whole decodes)."""
        return sum(info.doc_frequency() for _, held in self.present for _, info in held)


def plan(searcher, clause: Clause, segments: list[Segment], b: float, k1: float) -> Plan:
    """The clause's statistics and bound: the BM25F score of its terms' highest frequencies
    (added) at their shortest field length, from W3's term infos, the highest of the segments."""
    if clause.after:
        return _phrase_plan(searcher, clause, segments, b, k1)
    if clause.expand is None:
        texts, expanded = clause.words(), [None] * len(segments)
    else:  # each segment's own words
        expanded = [set(expansion(segment.reader, clause)) for segment in segments]
        texts = tuple(dict.fromkeys(text for own in expanded for text in sorted(own)))
    to_bytes = searcher.schema[clause.field].to_bytes
    terms = [(text, to_bytes(text)) for text in texts]
    found = [
        (
            segment,
            [
                (i, segment.term_info(clause.field, btext) if own is None or text in own else None)
                for i, (text, btext) in enumerate(terms)
            ],
        )
        for segment, own in zip(segments, expanded, strict=True)
    ]
    stats = Constant(clause.boost) if clause.expand else _statistics(searcher, clause, b, k1, found)
    present, bound = [], 0.0
    for segment, infos in found:
        held = [(i, info) for i, info in infos if info is not None]
        if held:
            tf = sum(info.max_weight() for _, info in held)
            bound = max(bound, stats.bound(tf, min(info.min_length() for _, info in held)))
            present.append((segment, held))
    return Plan(clause, stats, terms, present, bound)


def _phrase_plan(searcher, clause: Clause, segments: list[Segment], b: float, k1: float) -> Plan:
    """A phrase's plan: a plan of each word (``parts``), the words' term infos by segment, the
    sum of the words' bounds; nothing present when a word is in no segment (no match)."""
    parts = [
        plan(searcher, Clause(clause.field, word, clause.boost), segments, b, k1)
        for word in clause.words()
    ]
    held: dict[int, tuple[Segment, list]] = {}
    for i, part in enumerate(parts):
        for segment, ((_, info),) in part.present:
            held.setdefault(segment.offset, (segment, []))[1].append((i, info))
    everywhere = all(part.present for part in parts)
    present = [held[offset] for offset in sorted(held)] if everywhere else []
    bound = sum(part.bound for part in parts) if everywhere else 0.0
    decode = searcher.schema[clause.field].format.decode_positions
    terms = [part.terms[0] for part in parts]
    return Plan(clause, parts[0].stats, terms, present, bound, parts=parts, positions=decode)


def _statistics(searcher, clause: Clause, b: float, k1: float, found: list) -> Statistics:
    """The clause's statistics: from the searcher's, those of the whole index (in a shard too).

    A blend's idf is that of its most frequent term in the whole index, asked of the searcher:
    in a shard (whose searcher gives the index's frequencies) the shard's own term infos may
    pick another. A single term's frequency is known already (``found``)."""
    texts = (clause.text, *clause.blend)
    infos = [info for _, ((_, info), *_) in found if info is not None]
    known = () if clause.blend else [sum(info.doc_frequency() for info in infos)]
    idf = blend_idf(searcher, clause.field, texts, known)
    avgfl = searcher.avg_field_length(clause.field) or 1
    return Statistics(idf, avgfl, b, k1, clause.boost)
