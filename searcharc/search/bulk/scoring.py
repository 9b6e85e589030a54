"""BM25F as Whoosh computes it: a clause's statistics, the scores of its postings, bounds."""

from __future__ import annotations

from dataclasses import dataclass

from whoosh.util.numeric import byte_to_length

from searcharc.search.bulk.postings import Postings

# Relative margin on every bound and threshold: skipping adds scores in another order than the
# final sum, and float addition is not associative (40 terms differ by under 1e-14).
SLACK = 1e-9


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


def scored(postings: Postings, lengths: bytes, stats: Statistics, table: dict) -> list[float]:
    """Each posting's BM25F score; ``lengths`` is indexed by the postings' docnums.

    A score depends only on the term frequency and the length byte: it is computed once for
    each pair that occurs, kept in ``table`` (the clause's, for all its segments), and the rest
    is lookups. Whole frequencies (all of them, in practice) and the length byte make one int
    key a posting.
    """
    docnums, weights = postings.docnums, postings.weights
    if all(map(float.is_integer, weights)):  # map: twice as fast as a generator here
        keys = [256 * int(tf) + lengths[d] for d, tf in zip(docnums, weights, strict=True)]
        for key in set(keys).difference(table):
            table[key] = stats.score(float(key >> 8), byte_to_length(key & 255))
    else:
        keys = [(tf, lengths[d]) for d, tf in zip(docnums, weights, strict=True)]
        for key in set(keys).difference(table):
            table[key] = stats.score(key[0], byte_to_length(key[1]))
    return [table[key] for key in keys]
