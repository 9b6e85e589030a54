"""Forms of one word scored as one term (as Lucene's SynonymQuery), in Whoosh's own search.

A query word searched under several terms of a field (مصر and its clitic form لمصر) must not
count as several words: BM25 saturates each term on its own, so two terms of one word would
weigh up to twice another word of the query. A ``Blend`` adds up the terms' frequencies in
each document and scores the sum once, with the idf of the most frequent of the terms.
``searcharc.search.bulk`` scores a ``Blend`` the same way a posting list at a time.
"""

from __future__ import annotations

from collections.abc import Sequence

from whoosh import query as wq
from whoosh.query.compound import CompoundQuery

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
