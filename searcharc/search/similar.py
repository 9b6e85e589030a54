"""Articles like another one: the key terms of its body (Whoosh's Bo1 expansion model), the best
of them searched as one query (as Whoosh's more-like-this, with searcharc's unions and scoring),
and the key terms each article found shares with it.

An index of shards weighs a body's terms by the whole index: each shard says how often the
terms occur in it (``body_frequencies``), and the sum is what Bo1 reads (``Collection``), so
that the key terms are those one index finds."""

from __future__ import annotations

from dataclasses import dataclass

from whoosh.classify import Expander
from whoosh.query import Term

from searcharc.index.store import IndexMeta
from searcharc.records import Hit
from searcharc.search import candidates
from searcharc.search.blend import Or
from searcharc.search.hits import hit, stored_fields
from searcharc.search.matching import AndNot, Compiled
from searcharc.search.ranking import DEFAULT
from searcharc.search.request import Candidate, Plan, Request

KEY_TERMS = 30  # of each article, compared to say what two share
LIKE_TERMS = 15  # of the article, searched for
LIKE = DEFAULT.with_(proximity=0.0)  # the key terms are no phrase: BM25F alone

KeyTerms = list[tuple[str, float]]  # a body's key terms and their weights, best first
Vector = list[tuple[str, float]]  # a body's terms and their weights in it
Frequencies = tuple[int, int, dict[bytes, int]]  # documents, the body's length, terms' counts


@dataclass(frozen=True, slots=True)
class Similar:
    """An article like another one, and the key terms the two share."""

    hit: Hit
    shared_terms: list[str]


def key_terms(searcher, docnum: int) -> KeyTerms:
    """The key terms of a document's body, weighted by the index's statistics."""
    return searcher.key_terms([docnum], "body", numterms=KEY_TERMS)


def body_vector(searcher, docnum: int) -> Vector:
    """A document's body terms and their weights, as Whoosh's expander reads a stored body."""
    field = searcher.schema["body"]
    text = stored_fields(searcher, docnum).get("body") or ""
    return [(field.from_bytes(term), weight) for term, _, weight, _ in field.index(text)]


def body_frequencies(reader, words: set[str]) -> Frequencies:
    """What Bo1 reads of an index (or a shard) for these body words: its documents, the body's
    total length and each word's count (words it does not hold left out)."""
    field = reader.schema["body"]
    held = {b for b in map(field.to_bytes, words) if ("body", b) in reader}
    counts = {b: reader.frequency("body", b) for b in held}
    return reader.doc_count_all(), reader.field_length("body"), counts


def summed(parts) -> Frequencies:
    """The shards' ``body_frequencies``, as one index's."""
    documents, length, counts = 0, 0, {}
    for found, total, theirs in parts:
        documents, length = documents + found, length + total
        for term, count in theirs.items():
            counts[term] = counts.get(term, 0) + count
    return documents, length, counts


class Collection:
    """The whole index as Whoosh's expander reads it, from the shards' summed frequencies."""

    def __init__(self, schema, frequencies: Frequencies):
        self.schema = schema
        self.documents, self.length, self.counts = frequencies

    def doc_count_all(self) -> int:
        return self.documents

    def field_length(self, fieldname: str) -> int:
        return self.length

    def __contains__(self, term: tuple[str, bytes]) -> bool:
        return term[1] in self.counts

    def frequency(self, fieldname: str, btext: bytes) -> int:
        return self.counts[btext]


def weighed(schema, vector: Vector, frequencies: Frequencies) -> KeyTerms:
    """A body's key terms, weighed by the whole index's frequencies (as ``key_terms``)."""
    expander = Expander(Collection(schema, frequencies), "body")
    expander.add(vector)
    return expander.expanded_terms(KEY_TERMS)


def like(article_id: str, own: KeyTerms, limit: int) -> tuple[Request, Plan]:
    """The search for the articles most like one with these key terms (itself left out)."""
    words = Or([Term("body", word, boost=weight) for word, weight in own[:LIKE_TERMS]])
    query = AndNot(words, Term("id", article_id))
    request = Request.of("", limit, LIKE, "any", None, None, "score", False, False)
    return request, Plan(Compiled(query), None, None, None)


def similar_hit(searcher, meta: IndexMeta, candidate: Candidate, shared: set[str]) -> Similar:
    """A found article's hit, its snippets showing the key terms it shares with the first."""
    plain = Candidate(candidate.docnum, candidate.score, set())
    found = hit(searcher, meta, plain, Compiled(None, stems=shared), snippets=True)
    return Similar(found, sorted(shared))


def shared(own: KeyTerms, theirs: KeyTerms) -> set[str]:
    return {t for t, _ in own} & {t for t, _ in theirs}


def similar_articles(searcher, meta: IndexMeta, docnum: int, article_id: str, limit: int):
    """The articles most like one of this index (``docnum``: its own)."""
    own = key_terms(searcher, docnum)
    request, plan = like(article_id, own, limit)
    found = candidates.find(searcher, request, plan)
    return [
        similar_hit(searcher, meta, c, shared(own, key_terms(searcher, c.docnum)))
        for c in found.ranked[:limit]
    ]
