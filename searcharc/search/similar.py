"""Articles like another one: the key terms of its body (Whoosh's Bo1 expansion model), the best
of them searched as one query (as Whoosh's more-like-this, with searcharc's unions and scoring),
and the key terms each article found shares with it."""

from __future__ import annotations

from dataclasses import dataclass

from whoosh.query import Term

from searcharc.index.store import IndexMeta
from searcharc.records import Hit
from searcharc.search import candidates
from searcharc.search.blend import Or
from searcharc.search.hits import hit
from searcharc.search.matching import AndNot, Compiled
from searcharc.search.ranking import DEFAULT
from searcharc.search.request import Candidate, Plan, Request

KEY_TERMS = 30  # of each article, compared to say what two share
LIKE_TERMS = 15  # of the article, searched for
LIKE = DEFAULT.with_(proximity=0.0)  # the key terms are no phrase: BM25F alone

KeyTerms = list[tuple[str, float]]  # a body's key terms and their weights, best first


@dataclass(frozen=True, slots=True)
class Similar:
    """An article like another one, and the key terms the two share."""

    hit: Hit
    shared_terms: list[str]


def key_terms(searcher, docnum: int) -> KeyTerms:
    """The key terms of a document's body, weighted by the index's (or shard's) statistics."""
    return searcher.key_terms([docnum], "body", numterms=KEY_TERMS)


def like(article_id: str, own: KeyTerms, limit: int) -> tuple[Request, Plan]:
    """The search for the articles most like one with these key terms (itself left out)."""
    words = Or([Term("body", word, boost=weight) for word, weight in own[:LIKE_TERMS]])
    query = AndNot(words, Term("id", article_id))
    request = Request.of("", limit, LIKE, "any", None, None, "score", False, False)
    return request, Plan(Compiled(query), None, None, None)


def similar_hit(searcher, meta: IndexMeta, candidate: Candidate, own: KeyTerms) -> Similar:
    """A found article's hit, its snippets showing the key terms it shares with the first."""
    shared = {t for t, _ in own} & {t for t, _ in key_terms(searcher, candidate.docnum)}
    plain = Candidate(candidate.docnum, candidate.score, set())
    found = hit(searcher, meta, plain, Compiled(None, stems=shared), snippets=True)
    return Similar(found, sorted(shared))


def similar_articles(searcher, meta: IndexMeta, docnum: int, article_id: str, limit: int):
    """The articles most like one of this index (``docnum``: its own)."""
    own = key_terms(searcher, docnum)
    request, plan = like(article_id, own, limit)
    found = candidates.find(searcher, request, plan)
    return [similar_hit(searcher, meta, c, own) for c in found.ranked[:limit]]
