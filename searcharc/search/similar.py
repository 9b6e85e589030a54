"""Articles like another one: Whoosh's more-like-this over the body, with the shared key terms."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from searcharc.errors import SearcharcError
from searcharc.records import Hit
from searcharc.search.matching import Compiled
from searcharc.search.ranking import DEFAULT as DEFAULT_RANKING

if TYPE_CHECKING:
    from searcharc.search.searcher import SearchIndex


@dataclass(frozen=True, slots=True)
class Similar:
    """An article like another one, and the key terms the two share."""

    hit: Hit
    shared_terms: list[str]


def similar_articles(index: SearchIndex, article_id: str, limit: int = 10) -> list[Similar]:
    """The articles most like one in the index (Whoosh more-like-this over the body)."""
    from searcharc.search.searcher import _Candidate

    searcher = index._searcher(DEFAULT_RANKING)
    docnum = searcher.document_number(id=article_id)
    if docnum is None:
        raise SearcharcError(f"not in the index: {article_id}")
    own = {term for term, _ in searcher.key_terms([docnum], "body", numterms=30)}
    results = searcher.more_like(docnum, "body", top=limit, numterms=15)
    similar = []
    for result in results:
        theirs = {t for t, _ in searcher.key_terms([result.docnum], "body", numterms=30)}
        candidate = _Candidate(result.docnum, result.score, set())
        hit = index._hit(searcher, candidate, Compiled(None, stems=own & theirs), snippets=True)
        similar.append(Similar(hit, sorted(own & theirs)))
    return similar
