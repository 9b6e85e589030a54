"""How query words become a ranked list: BM25F parameters, field boosts, the matched-words
re-rank and pseudo-relevance feedback. One dataclass so that evaluation can vary each part."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from math import log

from whoosh import scoring
from whoosh.query import Query, Term

from searcharc.search.blend import Blend, Or


@dataclass(frozen=True, slots=True)
class QueryWord:
    """One distinct query word: its stem, every normalized form the query wrote, a weight."""

    stem: str
    norms: frozenset[str]
    weight: float = 1.0
    root: str = ""  # the stem by the index's second stemmer, if it has one
    also: tuple[str, ...] = ()  # the stem with a one-letter clitic off or on (``variants``)


class BM25(scoring.BM25F):
    """Whoosh's BM25F with the Robertson–Spärck Jones idf of Lucene, tantivy and bm25s.

    Whoosh's own idf, log(N / (df + 1)) + 1, flattens the gap between rare and common words
    (with 2,000 documents, 4.7 to 1 between a word in one document and one in half of them;
    this idf, 10 to 1): the words that pick out a document weigh too little against the
    words every document has.
    """

    def idf(self, searcher, fieldname: str, text: str) -> float:
        parent = searcher.get_parent()
        df = parent.doc_frequency(fieldname, text)
        return log(1 + (parent.doc_count_all() - df + 0.5) / (df + 0.5))


@dataclass(frozen=True, slots=True)
class Ranking:
    """The knobs of ranking; ``DEFAULT`` is what searcharc ships."""

    k1: float = 0.9  # the usual BM25 defaults of Lucene-era systems and the peers we measure
    b: float = 0.4
    rsj_idf: bool = True  # BM25's usual idf (see ``BM25``); False: Whoosh's own
    title_boost: float = 2.0
    exact_boost: float = 0.5
    # a query word also matches its form without, or with, a one-letter clitic, as one term
    clitic_variants: bool = True
    root_boost: float = 1.0  # the second stemmer's view weighs as much as the first
    # a root in more of the documents than this (and in over ROOT_DF_FLOOR): not searched
    root_max_df: float = 0.2
    # documents matching more query words first, inside the top 100: measured no better than
    # BM25 alone on the judged questions, and it costs Whoosh's fast top-k path: off
    coordination: bool = False
    proximity: float = 1.0  # weight of the term-proximity bonus (search.proximity)
    prf_docs: int = 0  # pseudo-relevance feedback: top documents read (0: off)
    prf_terms: int = 10  # expansion terms taken from them
    prf_weight: float = 0.3  # weight of the expansion terms against the query's own

    def weighting(self) -> scoring.WeightingModel:
        return (BM25 if self.rsj_idf else scoring.BM25F)(B=self.b, K1=self.k1)

    def with_(self, **changes: object) -> Ranking:
        return replace(self, **changes)


DEFAULT = Ranking()


def _stem_query(field: str, word: QueryWord, boost: float) -> Query:
    """The word's stem in a stemmed field, blended with its other forms (``also``)."""
    if not word.also:
        return Term(field, word.stem, boost=boost)
    return Blend([Term(field, t) for t in (word.stem, *word.also)], boost=boost)


def word_query(word: QueryWord, ranking: Ranking) -> Query:
    """Match a word in the stemmed body and title, with a bonus for its exact written form."""
    clauses: list[Query] = [
        _stem_query("body", word, word.weight),
        _stem_query("title", word, word.weight * ranking.title_boost),
    ]
    if ranking.root_boost and word.root:
        clauses.append(Term("root", word.root, boost=word.weight * ranking.root_boost))
    if ranking.exact_boost:
        clauses += [
            Term("exact", norm, boost=word.weight * ranking.exact_boost)
            for norm in sorted(word.norms)
        ]
    return Or(clauses)


def matched_words(words: list[QueryWord], terms: set[tuple[str, bytes]]) -> int:
    """How many of the query's own words a document matched, from Whoosh's matched terms."""
    found = {text.decode("utf-8") for _, text in terms}
    return sum(
        1 for w in words if w.weight >= 1 and (w.stem in found or not found.isdisjoint(w.norms))
    )


def expansion_words(
    key_terms: Iterable[tuple[str, float]], words: list[QueryWord], ranking: Ranking
) -> list[QueryWord]:
    """Feedback terms (stems with Bo1 weights) not already in the query, scaled to prf_weight."""
    own = {w.stem for w in words}
    fresh = [(t, s) for t, s in key_terms if t not in own][: ranking.prf_terms]
    if not fresh:
        return []
    top = max(s for _, s in fresh) or 1.0
    return [QueryWord(t, frozenset(), ranking.prf_weight * s / top) for t, s in fresh]
