"""Forms of one word scored as one term (as Lucene's SynonymQuery), in Whoosh's own search.

A query word searched under several terms of a field (مصر and its clitic form لمصر) must not
count as several words: BM25 saturates each term on its own, so two terms of one word would
weigh up to twice another word of the query. A ``Blend`` adds up the terms' frequencies in
each document and scores the sum once, with the idf of the most frequent of the terms.
``searcharc.search.bulk`` scores a ``Blend`` the same way a posting list at a time.

Also here, the other query classes searcharc compiles to that the bulk ranking reads: ``Or``,
and the words that expand to words of the index (``Prefix``, ``FuzzyTerm``), scored a constant.
"""

from __future__ import annotations

from collections.abc import Sequence

from whoosh import query as wq
from whoosh.query.compound import CompoundQuery
from whoosh.searching import SearchContext

from searcharc.whooshx import matchers


def blend_idf(
    searcher, fieldname: str, texts: Sequence[str], frequencies: Sequence[int] = ()
) -> float:
    """The idf of a blend: that of its most frequent term (ties: the first); ``frequencies``,
    the terms' document frequencies when the caller has them."""
    parent = searcher.get_parent()
    frequencies = frequencies or [parent.doc_frequency(fieldname, text) for text in texts]
    return parent.idf(fieldname, texts[frequencies.index(max(frequencies))])


class Or(wq.Or):
    """Whoosh's ``Or``, always matched by a tree of binary unions (whoosh-reloaded 2.7.x).

    For three clauses or more in a segment of up to 5,000 documents, Whoosh 2.7 picks an
    ``ArrayUnionMatcher``, whose ``max_quality`` is the largest of its parts' (a union adds
    them) and falls to 0 once its parts are read into its buffer; the top-k collector's
    ``replace(minquality)`` then dropped documents that could still make the page (an
    ``ANDNOT`` whose kept part was such a union lost its best article). A ``UnionMatcher``
    bounds its score by the sum of its parts', which holds."""

    matcher_type = wq.Or.DEFAULT_MATCHER


class Blend(CompoundQuery):
    """Terms of one field that are forms of one word, scored as one term."""

    JOINT = " BLEND "
    intersect_merge = False

    def matcher(self, searcher, context=None):
        subs = self.subqueries
        if len(subs) < 2:  # as every compound query
            return subs[0].matcher(searcher, context) if subs else matchers.nothing()
        fieldname = subs[0].fieldname
        texts = [sub.text for sub in subs]
        # a context that does not score (a filter, --match all's required part) has none
        weighting = getattr(context, "weighting", None) or searcher.weighting
        parent = searcher.get_parent()
        stats = (
            blend_idf(searcher, fieldname, texts),
            parent.avg_field_length(fieldname) or 1,
            weighting.B,
            weighting.K1,
        )
        children = [sub.matcher(searcher, context) for sub in subs]
        return matchers.blend(children, searcher.reader(), fieldname, stats, self.boost)


class Expanding(wq.MultiTerm):
    """A word that expands to words of the index (a prefix, a fuzzy word): every article it
    matches scores its boost, as in Lucene's constant-score rewrite. Whoosh 2.7 scores one
    expansion by BM25 and several by a constant or by BM25 after the segment's size, so that
    a score changed with the words and articles its segment (or shard) happened to hold.
    ``searcharc.search.bulk`` reads it as a clause of its expansions scored so."""

    def matcher(self, searcher, context=None):
        fieldname = self.field()
        found = self.expanded_terms(searcher.reader())
        terms = [wq.Term(fieldname, w) for _, w in found if w]
        if not terms:
            return matchers.nothing()
        unscored = context.set(weighting=None) if context else SearchContext(weighting=None)
        union = (terms[0] if len(terms) == 1 else wq.Or(terms)).matcher(searcher, unscored)
        return matchers.constant_score(union, self.boost)


class Prefix(Expanding, wq.Prefix):
    pass


class FuzzyTerm(Expanding, wq.FuzzyTerm):
    pass
