"""Term proximity: query words that stand close together in a document raise its score.

The model of Büttcher, Clarke and Lushman ("Term proximity scoring for ad-hoc retrieval on
very large text collections", SIGIR 2006): walk the document's occurrences of query terms in
order; each time two neighbouring occurrences are of different terms at distance d (in words,
stopwords counted), each term's accumulator gains the other term's weight over d². An
accumulator is then saturated like a BM25 term frequency, with the same k1, b and length
normalization, so that proximity adds at most a bounded amount a term.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import pairwise


def occurrences(positions: Mapping[str, Sequence[int]]) -> list[tuple[int, str]]:
    """Every (position, term) of the terms' positions in one document, in text order."""
    return sorted((pos, term) for term, found in positions.items() for pos in found)


def accumulators(
    found: Sequence[tuple[int, str]], weights: Mapping[str, float]
) -> dict[str, float]:
    """Each term's proximity accumulator over occurrences in text order (see the module)."""
    acc = dict.fromkeys(weights, 0.0)
    for (first, one), (second, other) in pairwise(found):
        if one != other:
            closeness = 1.0 / (second - first) ** 2
            acc[one] += weights[other] * closeness
            acc[other] += weights[one] * closeness
    return acc


def proximity_score(
    positions: Mapping[str, Sequence[int]],
    weights: Mapping[str, float],
    length: float,
    avg_length: float,
    b: float,
    k1: float,
) -> float:
    """The document's proximity score: saturated accumulators, each term weighted min(1, w)."""
    norm = k1 * ((1 - b) + b * length / avg_length)
    acc = accumulators(occurrences(positions), weights)
    return sum(
        min(1.0, weights[term]) * value * (k1 + 1) / (value + norm)
        for term, value in acc.items()
        if value
    )
