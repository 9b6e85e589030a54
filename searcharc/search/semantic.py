"""The re-ranking by meaning (``--semantic``): the lexical top POOL re-scored as
(1 − WEIGHT) × lexical + WEIGHT × cosine, both min-max normalised over the pool, with the
cosine of the query's vector (``searcharc.analysis.embedding``) and the article's (`searcharc
embed`: ``searcharc.index.vectors``). A score stays in the lexical one's units (the pool's
lowest to highest), so the pool stays ahead of the rest; an article without a vector keeps its
lexical score. Shared by every backend: a shard gives the cosines of its own best
(``cosines``), the coordinator re-scores the whole index's pool (``rescored``)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from searcharc.search.request import SEMANTIC_POOL as POOL
from searcharc.search.request import Candidate

WEIGHT = 0.5  # of meaning; chosen once on the visible judged sets (docs/quality.md)


def meaning(query: str) -> tuple[float, ...]:
    """The query's vector (the model loads at the first)."""
    from searcharc.analysis.embedding import query_vector

    return query_vector(query)


def cosines(folder: Path, reader, docnums: list[int], query) -> list[float | None]:
    """The cosine of each document (a docnum of ``reader``, of the index in ``folder``) with
    the query's vector; None for one without a vector."""
    import os

    from searcharc.index import vectors

    names = os.listdir(folder)
    found: dict[int, float | None] = {}
    leaves = vectors.leaves(reader)
    for number, (_, offset, segment) in enumerate(leaves):
        end = leaves[number + 1][1] if number + 1 < len(leaves) else reader.doc_count_all()
        inside = [d for d in docnums if offset <= d < end]
        if inside:
            table = vectors.segment_table(folder, segment, names)
            local = [d - offset for d in inside]
            found.update(zip(inside, vectors.similarities(table, local, query), strict=True))
    return [found.get(d) for d in docnums]


def rescored(lexical: list[float], similar: list[float | None], weight: float = WEIGHT):
    """The pool's scores after the interpolation (see the module's docstring)."""
    if not lexical:
        return []
    low, high = min(lexical), max(lexical)
    span = high - low
    known = [s for s in similar if s is not None]
    if not known or span <= 0:
        return list(lexical)
    s_low, s_span = min(known), (max(known) - min(known)) or 1.0

    def final(score: float, cosine: float | None) -> float:
        norm = (score - low) / span
        meaning = norm if cosine is None else (cosine - s_low) / s_span
        return low + span * ((1 - weight) * norm + weight * meaning)

    return [final(s, c) for s, c in zip(lexical, similar, strict=True)]


def reranked(ranked: list[Candidate], similar: list[float | None]) -> list[Candidate]:
    """A one-index ranking's pool re-scored by ``similar`` (its cosines) and sorted (stable:
    ties keep the lexical order); the rest as they were."""
    pool = ranked[:POOL]
    scores = rescored([c.score for c in pool], similar)
    window = [replace(c, score=s) for c, s in zip(pool, scores, strict=True)]
    window.sort(key=lambda c: c.score, reverse=True)
    return window + ranked[POOL:]
