"""The re-ranking of the best BM25F candidates: the term-proximity bonus of their query words
in the body (``proximity``) over the first window, and matched words when asked."""

from __future__ import annotations

from dataclasses import replace

from whoosh.reading import TermNotFound

from searcharc.search.matching import Compiled
from searcharc.search.proximity import proximity_score
from searcharc.search.ranking import Ranking, matched_words
from searcharc.search.request import Candidate

RERANK_WINDOW = 100  # hits re-ranked together by matched words (pages inside it agree)


def reranks(ranking: Ranking) -> bool:
    """Whether the ranking re-orders windows of hits after BM25F (proximity, coordination)."""
    return bool(ranking.proximity or ranking.coordination)


def reranked(
    searcher, ranked: list[Candidate], compiled: Compiled, ranking: Ranking
) -> list[Candidate]:
    """The BM25F candidates re-ranked by proximity (and matched words when asked)."""
    ranked = with_proximity(searcher, ranked, compiled, ranking)
    if ranking.coordination and compiled.words:
        ranked.sort(key=lambda c: matched_words(compiled.words, c.terms), reverse=True)
    return ranked


def with_proximity(
    searcher, ranked: list[Candidate], compiled: Compiled, ranking: Ranking
) -> list[Candidate]:
    """The first window of candidates re-scored with the term-proximity bonus of their query
    words in the body (``searcharc.search.proximity``), best first; the rest as they were.
    Bonuses only raise scores, so the window stays ahead of the rest."""
    stems = {w.stem: w.weight for w in compiled.words if w.weight > 0}
    if not ranking.proximity or len(stems) < 2 or not ranked:
        return ranked
    window = ranked[:RERANK_WINDOW]
    weights = {stem: searcher.idf("body", stem) * weight for stem, weight in stems.items()}
    positions = body_positions(searcher, window, set(stems))
    avg_length = searcher.avg_field_length("body") or 1

    def bonus(docnum: int) -> float:
        length = searcher.doc_field_length(docnum, "body") or 0  # W3 gives None for 0
        found = positions[docnum]
        return proximity_score(found, weights, length, avg_length, ranking.b, ranking.k1)

    rescored = [replace(c, score=c.score + ranking.proximity * bonus(c.docnum)) for c in window]
    rescored.sort(key=lambda c: c.score, reverse=True)
    return rescored + ranked[len(window) :]


def body_positions(
    searcher, candidates: list[Candidate], stems: set[str]
) -> dict[int, dict[str, list[int]]]:
    """Each candidate's body positions of ``stems``: from the postings the bulk ranking read,
    else from the body postings, skipping from one candidate to the next."""
    ranked = {id(c.ranked): c.ranked for c in candidates}
    if None not in ranked.values() and len(ranked) == 1:
        return next(iter(ranked.values())).positions((c.docnum for c in candidates), stems)
    found: dict[int, dict[str, list[int]]] = {c.docnum: {} for c in candidates}
    for stem in stems:
        try:
            matcher = searcher.postings("body", stem)
        except TermNotFound:
            continue
        for docnum in sorted(found):
            if not matcher.is_active():  # (from the start: a term only deleted articles held)
                break
            matcher.skip_to(docnum)
            if not matcher.is_active():
                break
            if matcher.id() == docnum:
                found[docnum][stem] = matcher.value_as("positions")
    return found
