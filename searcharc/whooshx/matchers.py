"""Matchers searcharc adds to Whoosh's, or corrects (whoosh-reloaded 2.7.x): the rest of
searcharc builds them through these functions, never importing ``whoosh.matching``."""

from __future__ import annotations

from collections.abc import Sequence

from whoosh import matching
from whoosh.scoring import bm25
from whoosh.util import make_binary_tree


def nothing() -> matching.Matcher:
    """A matcher of no documents."""
    return matching.NullMatcher()


def constant_score(child: matching.Matcher, score: float) -> matching.Matcher:
    """Every document of ``child`` scoring ``score`` (``ConstantScore``)."""
    return ConstantScore(child, score)


class ConstantScore(matching.ConstantScoreWrapperMatcher):
    """whoosh-reloaded 2.7.x's constant-score wrapper, whose ``replace(minquality)`` handed
    the bound to its child, which scores in other units (unscored: an ``ArrayUnionMatcher``
    of thousands of expanded words, whose ``max_quality`` is no bound): the child is
    replaced for speed alone, and the whole drops out only when the constant is too low.
    Reads the wrapper's private ``_score`` (whoosh-reloaded 2.7.x)."""

    def replace(self, minquality: float = 0) -> matching.Matcher:
        if minquality and self._score < minquality:
            return matching.NullMatcher()
        return super().replace(0)


def inverse(child: matching.Matcher, limit: int, missing) -> matching.Matcher:
    """Every document under ``limit`` that is neither ``missing`` (a docnum → bool) nor the
    child's (``InverseMatcher``)."""
    return InverseMatcher(child, limit, missing=missing)


class InverseMatcher(matching.InverseMatcher):
    """Whoosh's InverseMatcher with the deletions checked throughout (whoosh-reloaded 2.7.x
    checks them only while the child is active). Overrides its private hook ``_find_next``
    and position ``_id`` (whoosh-reloaded 2.7.x)."""

    def _find_next(self) -> None:
        child, missing = self.child, self.missing
        while self._id < self.limit:
            if child.is_active() and child.id() < self._id:
                child.skip_to(self._id)
            if missing(self._id) or (child.is_active() and child.id() == self._id):
                self._id += 1
                continue
            break

    def max_quality(self) -> float:
        """Its constant score: Whoosh's is the child's bound, 0 once the child has ended,
        while the inverse still matches every document after it."""
        return self._weight

    def replace(self, minquality: float = 0) -> matching.Matcher:
        """Itself, or nothing when its constant cannot reach ``minquality``: the child is
        never narrowed by a bound (a narrower child would let left-out documents in)."""
        if not self.is_active() or (minquality and self._weight < minquality):
            return matching.NullMatcher()
        return self


def and_not(kept: matching.Matcher, excluded: matching.Matcher) -> matching.Matcher:
    """The documents of ``kept`` that ``excluded`` does not match (``AndNotMatcher``)."""
    return AndNotMatcher(kept, excluded)


class AndNotMatcher(matching.AndNotMatcher):
    """Whoosh's AndNotMatcher without its bug: a document that the excluded part also matched
    stayed in when it was the kept part's first and the excluded part had matched an earlier
    one (whoosh-reloaded 2.7.x skips at the start only when both parts start on the same
    document), and whose ``skip_to`` and ``skip_to_quality`` read the kept part's id after a
    skip that ended it (an IndexError from a ``SkipMatcher``: "internal error" for `a -b`).
    Overrides the private hook ``_find_first`` of whoosh-reloaded 2.7.x."""

    def _find_first(self) -> None:
        if self.a.is_active() and self.b.is_active() and self.b.id() <= self.a.id():
            self._find_next()

    def skip_to(self, id: int) -> None:
        """As Whoosh's, without reading the kept part's id after a skip that ended it."""
        if not self.a.is_active():
            raise matching.ReadTooFar
        if id < self.a.id():
            return
        self.a.skip_to(id)
        if self.a.is_active() and self.b.is_active():
            self.b.skip_to(id)
            self._find_next()

    def skip_to_quality(self, minquality: float) -> int:
        """As Whoosh's, without reading the kept part's id after a skip that ended it."""
        skipped = self.a.skip_to_quality(minquality)
        if self.a.is_active():
            self._find_next()
        return skipped


def blend(
    children: Sequence[matching.Matcher], reader, fieldname: str, stats: tuple, boost: float
) -> matching.Matcher:
    """The union of ``children`` (term matchers of one field) scored as one term: BM25 of
    their summed frequencies with ``stats`` (idf, average field length, b, k1)."""
    union = make_binary_tree(matching.UnionMatcher, list(children))
    return BlendMatcher(union, reader, fieldname, stats, boost)


class BlendMatcher(matching.WrappingMatcher):
    """Scores the summed frequency of its child (a union of term matchers) as one term.
    Overrides ``_replacement``, the private hook of whoosh-reloaded 2.7.x's WrappingMatcher
    through which ``replace`` and ``skip_to_quality`` rebuild a wrapper."""

    def __init__(self, child, reader, fieldname: str, stats: tuple, boost: float = 1.0):
        super().__init__(child, boost)
        self.reader = reader
        self.fieldname = fieldname
        self.stats = stats  # idf, average field length, b, k1

    def copy(self) -> BlendMatcher:
        return self._replacement(self.child.copy())

    def _replacement(self, newchild) -> BlendMatcher:
        return BlendMatcher(newchild, self.reader, self.fieldname, self.stats, self.boost)

    def supports_block_quality(self) -> bool:
        return False

    def replace(self, minquality: float = 0) -> matching.Matcher:
        """The blend with its ended forms dropped, or nothing when even its bound cannot reach
        ``minquality``: its score is not the sum of its forms', so its union is never
        narrowed by a bound (whoosh-reloaded 2.7.x's UnionMatcher.replace would make an
        AndMaybeMatcher, whose ``weight`` reads the id of a form that has ended: IndexError)."""
        if not self.child.is_active() or (minquality and self.max_quality() < minquality):
            return matching.NullMatcher()
        return super().replace(0)

    def score(self) -> float:
        idf, avgfl, b, k1 = self.stats
        # W3 gives None, not 0, as the length of an empty field
        length = self.reader.doc_field_length(self.child.id(), self.fieldname) or 0
        return bm25(idf, self.child.weight(), length, avgfl, b, k1) * self.boost
