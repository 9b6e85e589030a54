"""Articles like another one: Whoosh's more-like-this over the body, with the shared key terms."""

from __future__ import annotations

from dataclasses import dataclass

from searcharc.errors import SearcharcError
from searcharc.index.store import IndexMeta
from searcharc.records import Hit
from searcharc.search.hits import hit
from searcharc.search.matching import Compiled
from searcharc.search.request import Candidate


@dataclass(frozen=True, slots=True)
class Similar:
    """An article like another one, and the key terms the two share."""

    hit: Hit
    shared_terms: list[str]


def similar_articles(searcher, meta: IndexMeta, article_id: str, limit: int = 10) -> list[Similar]:
    """The articles most like one in the index (Whoosh more-like-this over the body)."""
    docnum = searcher.document_number(id=article_id)
    if docnum is None:
        raise SearcharcError(f"not in the index: {article_id}")
    own = {term for term, _ in searcher.key_terms([docnum], "body", numterms=30)}
    results = searcher.more_like(docnum, "body", top=limit, numterms=15)
    similar = []
    for result in results:
        theirs = {t for t, _ in searcher.key_terms([result.docnum], "body", numterms=30)}
        candidate = Candidate(result.docnum, result.score, set())
        found = hit(searcher, meta, candidate, Compiled(None, stems=own & theirs), snippets=True)
        similar.append(Similar(found, sorted(own & theirs)))
    return similar
