"""BM25F as Whoosh computes it: a clause's statistics, the scores of its postings, bounds."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from whoosh.util.numeric import byte_to_length

from searcharc.search.bulk.postings import Postings

# Relative margin on every bound and threshold: skipping adds scores in another order than the
# final sum, and float addition is not associative (40 terms differ by under 1e-14).
SLACK = 1e-9
LENGTHS = np.array([byte_to_length(n) for n in range(256)], dtype=np.float64)  # by length byte


def bm25(idf: float, tf: float, length: float, avgfl: float, b: float, k1: float) -> float:
    """Whoosh's ``scoring.bm25``, term for term (so that the floats come out the same)."""
    return idf * ((tf * (k1 + 1)) / (tf + k1 * ((1 - b) + b * length / avgfl)))


@dataclass(frozen=True, slots=True)
class Statistics:
    """What scores a clause (as tantivy's ``Bm25Weight``): its term's idf in the whole index,
    the field's average length there, BM25's parameters and the clause's boost."""

    idf: float
    avgfl: float  # the average field length
    b: float
    k1: float
    boost: float

    def score(self, tf: float, length: float) -> float:
        """The clause's score of a document: its term frequency and field length."""
        return bm25(self.idf, tf, length, self.avgfl, self.b, self.k1) * self.boost

    def bound(self, tf: float, length: float) -> float:
        """The score of a frequency at a length raised by ``SLACK``: with the highest frequency
        and the shortest length of some postings, more than any of theirs."""
        return self.score(tf, length) * (1 + SLACK)

    def scores(self, tfs: np.ndarray, length_bytes: np.ndarray) -> np.ndarray:
        """``score`` of each frequency at each length byte, the same operations in the same
        order on float64 arrays (so the same floats, to the last bit)."""
        k1, norms = self.k1, _norms(self.k1, self.b, self.avgfl)
        tfs = tfs.astype(np.float64)
        return self.idf * ((tfs * (k1 + 1)) / (tfs + norms[length_bytes])) * self.boost

    def bounds(self, tfs: np.ndarray, length_bytes: np.ndarray) -> np.ndarray:
        """``bound`` of each frequency at each length byte (blocks' highest, shortest)."""
        return self.scores(tfs, length_bytes) * (1 + SLACK)


@dataclass(frozen=True, slots=True)
class Constant:
    """What scores a clause of words that expand (``blend.Expanding``): its boost, for any
    frequency at any length (as ``Statistics`` is asked)."""

    boost: float

    def bound(self, tf: float, length: float) -> float:
        return self.boost * (1 + SLACK)

    def scores(self, tfs: np.ndarray, length_bytes: np.ndarray) -> np.ndarray:
        return np.full(len(tfs), self.boost)

    def bounds(self, tfs: np.ndarray, length_bytes: np.ndarray) -> np.ndarray:
        return np.full(len(tfs), self.boost * (1 + SLACK))


@lru_cache(maxsize=64)
def _norms(k1: float, b: float, avgfl: float) -> np.ndarray:
    """BM25's length part by length byte, as ``bm25`` computes it."""
    return k1 * ((1 - b) + b * LENGTHS / avgfl)


def scored(postings: Postings, lengths: np.ndarray, stats: Statistics | Constant) -> np.ndarray:
    """Each posting's BM25F score; ``lengths`` (uint8) is indexed by the postings' docnums."""
    return stats.scores(postings.weights, lengths[postings.docnums])
