"""BM25F for a disjunction of terms, scored a posting list at a time, skipping what cannot
enter the top k.

Free words compile to a tree of ``Or`` over ``Term`` queries, quoted phrases to chains of
``SpanNear2``. Whoosh scores such a tree by walking a matcher tree document by document,
several Python calls per document and per clause; on 31,000 articles that is 20-200 ms a
query. Here each term's postings are read many blocks at a time and scored as numpy arrays
into one array of scores by document, with the same formula, statistics and boosts as
Whoosh's BM25F (sums may differ in the last bit: Whoosh's own order of addition depends on
the index size). Clauses that cannot lift an unseen document into the top k are read only
for the documents that still can (MaxScore, see ``rank``). Any other query shape is left to
Whoosh.

The modules, as a query goes through them: ``plan`` (the query's ``clauses``, each one's
statistics, segments and score bound), ``phrases`` (a phrase read as its words are, kept to
where they stand at its distances), ``reading`` (a clause read whole, or for some
candidates a block at a time), ``postings`` (posting lists as numpy arrays), ``scoring`` (BM25F
statistics, scores, bounds), ``cache`` (postings and scores kept between queries: ``CACHE``,
``CACHED_FROM``, read there at each use, so set them there), ``topk`` (``rank`` in its
phases), ``ranked`` (what it gives back).
"""

from searcharc.search.bulk import cache
from searcharc.search.bulk.cache import PostingsCache
from searcharc.search.bulk.phrases import phrase_matches
from searcharc.search.bulk.plan import Clause, Shape, clauses, groups, segments, shape
from searcharc.search.bulk.ranked import Ranked, Unread
from searcharc.search.bulk.scoring import SLACK, Statistics
from searcharc.search.bulk.topk import Reach, rank

__all__ = [
    "SLACK",
    "Clause",
    "PostingsCache",
    "Ranked",
    "Reach",
    "Shape",
    "Statistics",
    "Unread",
    "cache",
    "clauses",
    "groups",
    "phrase_matches",
    "rank",
    "segments",
    "shape",
]
