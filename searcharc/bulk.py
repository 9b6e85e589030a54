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
from collections.abc import Sequence
from dataclasses import dataclass, field
from weakref import WeakKeyDictionary

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.query import Or, Query, Term
from whoosh.util.numeric import byte_to_length


@dataclass(frozen=True, slots=True)
class Clause:
    """One term of the disjunction and the boost its score is multiplied by."""

    field: str
    text: str
    boost: float


@dataclass(slots=True)
class Ranked:
    """The best documents (global docnums, best first), their scores and matched terms."""

    docnums: list[int]
    scores: dict[int, float]
    terms: dict[int, set[tuple[str, bytes]]]
    total: int = 0


@dataclass(slots=True)
class _Postings:
    """A term's postings in one segment: document numbers and weights (term frequencies)."""

    docnums: array = field(default_factory=lambda: array("I"))
    weights: array = field(default_factory=lambda: array("f"))


def clauses(query: Query) -> list[Clause] | None:
    """The terms of a tree of plain ``Or`` queries over ``Term`` leaves; None for other shapes."""
    if type(query) is Term:
        return [Clause(query.fieldname, query.text, query.boost)]
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


def _postings(reader, clause: Clause) -> _Postings:
    """Every posting of the clause's term in one segment reader, deleted documents left out."""
    found = _Postings()
    btext = reader.schema[clause.field].to_bytes(clause.text)
    if (clause.field, btext) not in reader:
        return found
    matcher = reader.postings(clause.field, btext)
    deleted = getattr(reader, "deleted_docs_set", frozenset())
    leaf = getattr(matcher, "child", matcher) if deleted else matcher
    if isinstance(leaf, W3LeafMatcher):
        while leaf.is_active():  # a block at a time (Whoosh's W3 block reader)
            leaf._read_ids()
            leaf._read_weights()
            found.docnums.extend(leaf._ids)
            found.weights.extend(leaf._weights)
            leaf._next_block()
    else:
        while leaf.is_active():
            found.docnums.append(leaf.id())
            found.weights.append(leaf.weight())
            leaf.next()
    if deleted:
        kept = [
            (d, w) for d, w in zip(found.docnums, found.weights, strict=True) if d not in deleted
        ]
        found = _Postings(array("I", (d for d, _ in kept)), array("f", (w for _, w in kept)))
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


def _score_clause(
    scores: array, offset: int, postings: _Postings, lengths: bytes, stats: tuple
) -> None:
    """Add one clause's BM25F scores to ``scores`` (indexed by global docnum).

    A score depends only on the term frequency and the length byte: it is computed once for
    each pair that occurs, and the rest is lookups done by C loops (map, zip, set).
    """
    idf, avgfl, b, k1, boost = stats
    keys = list(zip(postings.weights, map(lengths.__getitem__, postings.docnums), strict=True))
    table = {
        key: bm25(idf, key[0], byte_to_length(key[1]), avgfl, b, k1) * boost for key in set(keys)
    }
    docnums = map(offset.__add__, postings.docnums) if offset else postings.docnums
    for docnum, score in zip(docnums, map(table.__getitem__, keys), strict=True):
        scores[docnum] += score


def rank(searcher, found: Sequence[Clause], b: float, k1: float, limit: int) -> Ranked:
    """The ``limit`` best documents for the disjunction of ``found``, as Whoosh ranks them."""
    scores = array("d", bytes(8 * searcher.doc_count_all()))
    matched: list[tuple[Clause, bytes, set[int]]] = []
    for clause in found:
        stats = (
            searcher.idf(clause.field, clause.text),
            searcher.avg_field_length(clause.field) or 1,
            b,
            k1,
            clause.boost,
        )
        docs: set[int] = set()
        for leaf, offset in searcher.leaf_searchers():
            reader = leaf.reader()
            postings = _postings(reader, clause)
            if postings.docnums:
                _score_clause(scores, offset, postings, _length_bytes(reader, clause.field), stats)
                docs.update(map(offset.__add__, postings.docnums))
        if docs:
            btext = searcher.schema[clause.field].to_bytes(clause.text)
            matched.append((clause, btext, docs))
    every = set().union(*(docs for _, _, docs in matched))
    best = sorted(sorted(every), key=scores.__getitem__, reverse=True)[:limit]
    terms = {d: {(c.field, t) for c, t, docs in matched if d in docs} for d in best}
    return Ranked(best, {d: scores[d] for d in best}, terms, len(every))
