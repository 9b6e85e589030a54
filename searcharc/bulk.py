"""BM25F for a disjunction of terms, scored a posting list at a time.

Free words compile to a tree of ``Or`` over ``Term`` queries. Whoosh scores such a tree by
walking a matcher tree document by document, several Python calls per document and per
clause; on 31,000 articles that is 20-200 ms a query. Here each term's postings are read a
block at a time and scored into one array, with the same formula, statistics and boosts as
Whoosh's BM25F (sums may differ in the last bit: Whoosh's own order of addition depends on
the index size). Any other query shape is left to Whoosh.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from heapq import nlargest
from weakref import WeakKeyDictionary

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.query import Or, Query, Term
from whoosh.util.numeric import byte_to_length

from searcharc import w3
from searcharc.blend import Blend, blend_idf


@dataclass(frozen=True, slots=True)
class Clause:
    """One term of the disjunction and the boost its score is multiplied by."""

    field: str
    text: str
    boost: float
    blend: tuple[str, ...] = ()  # more terms of the field scored as this one (``Blend``)


@dataclass(slots=True)
class _Postings:
    """A term's postings: document numbers, weights (term frequencies), encoded values."""

    docnums: array = field(default_factory=lambda: array("I"))
    weights: array = field(default_factory=lambda: array("f"))
    values: list[bytes] = field(default_factory=list)

    def value(self, docnum: int) -> bytes | None:
        """The posting value of one document (its positions), None when it has no posting."""
        i = bisect_left(self.docnums, docnum)
        found = i < len(self.docnums) and self.docnums[i] == docnum
        return self.values[i] if found and i < len(self.values) else None


@dataclass(slots=True)
class Ranked:
    """The best documents (global docnums, best first), their scores and matched terms."""

    docnums: list[int]
    scores: dict[int, float]
    terms: dict[int, set[tuple[str, bytes]]]
    matched: set[int]  # every matching document
    body: dict[str, _Postings]  # the body terms' postings, by term
    body_format: object
    weak_only: int = 0  # of ``matched``, the documents that only clauses of the weak field matched

    def body_positions(self, docnum: int, stems: set[str]) -> dict[int, str] | None:
        """Word index → stem for the document's body words indexed as ``stems`` (in order).

        None when a stem's body postings were not read: the caller must analyze the body.
        """
        if not stems <= self.body.keys():
            return None
        found = {
            pos: stem
            for stem, positions in self.stem_positions(docnum, stems).items()
            for pos in positions
        }
        return dict(sorted(found.items()))

    def stem_positions(self, docnum: int, stems: Iterable[str]) -> dict[str, list[int]]:
        """Each of ``stems`` that the document's body has → its word positions there."""
        found = {}
        for stem in stems:
            value = self.body[stem].value(docnum) if stem in self.body else None
            if value is not None:
                found[stem] = self.body_format.decode_positions(value)
        return found


def clauses(query: Query) -> list[Clause] | None:
    """The terms of a tree of plain ``Or`` queries over ``Term`` leaves; None for other shapes."""
    if type(query) is Term:
        return [Clause(query.fieldname, query.text, query.boost)]
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


def bm25(idf: float, tf: float, length: float, avgfl: float, b: float, k1: float) -> float:
    """Whoosh's ``scoring.bm25``, term for term (so that the floats come out the same)."""
    return idf * ((tf * (k1 + 1)) / (tf + k1 * ((1 - b) + b * length / avgfl)))


def _postings(reader, fieldname: str, text: str, offset: int) -> _Postings:
    """Every posting of a term in one segment, deleted documents left out; the document
    numbers are the searcher's (``offset`` added)."""
    found = _Postings()
    btext = reader.schema[fieldname].to_bytes(text)
    if (fieldname, btext) not in reader:
        return found
    matcher = reader.postings(fieldname, btext)
    deleted = getattr(reader, "deleted_docs_set", frozenset())
    leaf = getattr(matcher, "child", matcher) if deleted else matcher
    blocks = w3.read_blocks(leaf, values_too=fieldname == "body")  # positions: snippets
    if blocks is not None:
        found = _Postings(*blocks)
    else:
        while leaf.is_active():
            found.docnums.append(leaf.id())
            found.weights.append(leaf.weight())
            found.values.append(leaf.value())
            leaf.next()
    if deleted:
        kept = [i for i, d in enumerate(found.docnums) if d not in deleted]
        found = _Postings(
            array("I", (found.docnums[i] for i in kept)),
            array("f", (found.weights[i] for i in kept)),
            [found.values[i] for i in kept] if found.values else [],
        )
    if offset:
        found.docnums = array("I", map(offset.__add__, found.docnums))
    return found


_LENGTHS: WeakKeyDictionary = WeakKeyDictionary()  # segment reader → field → length bytes


def _length_bytes(reader, fieldname: str) -> bytes:
    """Each document's field length, quantized to one byte as Whoosh stores it (W3 columns)."""
    cached = _LENGTHS.setdefault(reader, {})
    if fieldname not in cached:
        column = reader._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        data = column._dbfile.get(column._basepos, column._count) if column else b""
        cached[fieldname] = bytes(data) + bytes(reader.doc_count_all() - len(data))
    return cached[fieldname]


def _score_clause(scores: array, postings: _Postings, lengths: bytes, stats: tuple) -> None:
    """Add one clause's BM25F scores to ``scores``; both it and ``lengths`` are indexed by docnum.

    A score depends only on the term frequency and the length byte: it is computed once for
    each pair that occurs, and the rest is lookups done by C loops (map, zip, set).
    """
    idf, avgfl, b, k1, boost = stats
    keys = list(zip(postings.weights, map(lengths.__getitem__, postings.docnums), strict=True))
    table = {
        key: bm25(idf, key[0], byte_to_length(key[1]), avgfl, b, k1) * boost for key in set(keys)
    }
    for docnum, score in zip(postings.docnums, map(table.__getitem__, keys), strict=True):
        scores[docnum] += score


def _blended(postings: list[_Postings]) -> _Postings:
    """Terms of one blend as one posting list: frequencies added by document (no values)."""
    present = [p for p in postings if p.docnums]
    if len(present) <= 1:
        return present[0] if present else _Postings()
    frequency: dict[int, float] = {}
    for one in present:
        for docnum, weight in zip(one.docnums, one.weights, strict=True):
            frequency[docnum] = frequency.get(docnum, 0.0) + weight
    docnums = sorted(frequency)
    return _Postings(array("I", docnums), array("f", map(frequency.__getitem__, docnums)))


def _merge(parts: list[_Postings]) -> _Postings:
    """One term's postings from all segments, in docnum order."""
    if len(parts) == 1:
        return parts[0]
    merged = _Postings()
    for part in parts:
        merged.docnums.extend(part.docnums)
        merged.weights.extend(part.weights)
        merged.values.extend(part.values)
    return merged


def rank(
    searcher, found: Sequence[Clause], b: float, k1: float, limit: int, weak: str = ""
) -> Ranked:
    """The ``limit`` best documents for the disjunction of ``found``, as Whoosh ranks them;
    those that only clauses of the field ``weak`` matched are counted apart."""
    scores = array("d", bytes(8 * searcher.doc_count_all()))
    matched: list[tuple[Clause, bytes, _Postings]] = []
    for clause in found:
        texts = (clause.text, *clause.blend)
        stats = (
            blend_idf(searcher, clause.field, texts),
            searcher.avg_field_length(clause.field) or 1,
            b,
            k1,
            clause.boost,
        )
        parts: dict[str, list[_Postings]] = {text: [] for text in texts}
        for leaf, offset in searcher.leaf_searchers():
            reader = leaf.reader()
            found_here = [_postings(reader, clause.field, text, offset) for text in texts]
            postings = _blended(found_here)
            if postings.docnums:
                lengths = bytes(offset) + _length_bytes(reader, clause.field)
                _score_clause(scores, postings, lengths, stats)
            for text, one in zip(texts, found_here, strict=True):
                if one.docnums:
                    parts[text].append(one)
        for text, found_parts in parts.items():
            if found_parts:
                btext = searcher.schema[clause.field].to_bytes(text)
                matched.append(
                    (Clause(clause.field, text, clause.boost), btext, _merge(found_parts))
                )
    docsets = [set(p.docnums) for _, _, p in matched]
    every = set().union(*docsets)
    best = nlargest(limit, sorted(every), key=scores.__getitem__)  # ties: docnum order
    terms = {
        d: {(c.field, t) for (c, t, _), docs in zip(matched, docsets, strict=True) if d in docs}
        for d in best
    }
    body = {c.text: p for c, _, p in matched if c.field == "body"}
    body_format = searcher.schema["body"].format if "body" in searcher.schema else None
    strong = set().union(
        *(d for (c, _, _), d in zip(matched, docsets, strict=True) if c.field != weak)
    )
    scored = {d: scores[d] for d in best}
    return Ranked(best, scored, terms, every, body, body_format, len(every) - len(strong))
