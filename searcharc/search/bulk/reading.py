"""A clause read: every posting of its terms, or only those of some candidates (block-max)."""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import compress

from searcharc.search.bulk import cache
from searcharc.search.bulk import postings as pl
from searcharc.search.bulk.plan import Plan, Segment
from searcharc.search.bulk.postings import Postings
from searcharc.search.bulk.scoring import scored
from searcharc.whooshx import postings as w3


@dataclass(slots=True)
class Read:
    """What reading one clause gave: a score for each document it was read for, each of its
    terms' postings (as far as they were decoded)."""

    docnums: array = field(default_factory=lambda: array("I"))
    scores: list[float] = field(default_factory=list)
    postings: dict[str, list[Postings]] = field(default_factory=dict)  # term → parts, in order
    decoded: int = 0
    dropped: set[int] = field(default_factory=set)  # candidates a block's bound ruled out

    def add(self, text: str, postings: Postings) -> None:
        """More postings of one term (searcher docnums, after those before)."""
        self.postings.setdefault(text, []).append(postings)

    def holding(self, text: str, docnums: list[int]) -> Iterator[int]:
        """Those of ``docnums`` (in order) with a posting of the term ``text``: looked up in
        each part (parts follow each other in docnum order), not by walking every posting."""
        for part in self.postings[text]:
            if part.docnums:
                first = bisect_left(docnums, part.docnums[0])
                last = bisect_right(docnums, part.docnums[-1], first)
                yield from filter(part.has, docnums[first:last])

    def add_scores(self, docnums: Iterable[int], scores: Iterable[float], offset: int) -> None:
        """Scores of the clause (segment docnums, in order)."""
        self.scores += scores
        self.docnums.extend([docnum + offset for docnum in docnums] if offset else docnums)


@dataclass(slots=True)
class Wanted:
    """The documents a clause is read for: ``candidates`` (searcher docnums, in order), their
    scores so far (``partial``), the score they must reach (``floor``), the blocks decoded for
    the query (``memo``)."""

    candidates: list[int]
    partial: dict[int, float]
    floor: float
    memo: dict

    def within(self, segment: Segment) -> list[int]:
        """The candidates in a segment."""
        start = bisect_left(self.candidates, segment.offset)
        return self.candidates[start : bisect_left(self.candidates, segment.end(), start)]


def read(plan: Plan, wanted: Wanted | None = None) -> Read:
    """The clause's scores: of every document its terms hold (``wanted`` None), else of the
    wanted candidates only (in order).

    Blocks without a candidate are not decoded; nor, in a one-term clause, blocks whose bound
    cannot lift any of their candidates to the floor: those candidates are ``dropped``.
    Frequent terms are read whole (from ``cache.CACHE``), their scores kept for the candidates.
    """
    found = Read()
    for segment, held in plan.present:
        if wanted is None:
            _whole(plan, segment, held, found, None)
            continue
        here = wanted.within(segment)
        if not here:
            continue  # no candidate in this segment
        if _cached(plan, segment, held):  # the candidates' from the whole clause's scores
            _whole(plan, segment, held, found, wanted.partial)
        else:
            _blocks(plan, segment, held, here, wanted, found)
    if __debug__:
        assert max(found.scores, default=0.0) <= plan.bound, "a score above the clause's bound"
    return found


def _whole(plan: Plan, segment: Segment, held: list, read: Read, kept: dict | None) -> None:
    """Every posting of the clause's terms in a segment; the scores of the documents in
    ``kept`` only, when given."""
    found = [
        pl.live(_term_postings(plan, segment, i, info, read), segment.deleted) for i, info in held
    ]
    docnums, scores = _clause_scores(plan, segment, held, found)
    parts = [pl.shifted(postings, segment.offset) for postings in found]
    for (i, _), postings in zip(held, parts, strict=True):
        read.add(plan.terms[i][0], postings)
    if kept is not None:
        wanted = [docnum + segment.offset in kept for docnum in docnums]
        read.add_scores(compress(docnums, wanted), compress(scores, wanted), segment.offset)
    elif len(found) == 1 and docnums is found[0].docnums:  # shifted already
        read.add_scores(parts[0].docnums, scores, 0)
    else:
        read.add_scores(docnums, scores, segment.offset)


def _blocks(
    plan: Plan, segment: Segment, held: list, here: list[int], wanted: Wanted, read: Read
) -> None:
    """The clause's scores of the candidates ``here`` (in the segment), from the blocks of its
    terms that hold them."""
    parts = []  # each term's postings of the candidates (segment docnums)
    for i, info in held:
        found = _term_blocks(plan, segment, i, info, here, wanted, read)
        parts.append(pl.joined(found) if found else Postings())
        if found:
            read.add(plan.terms[i][0], pl.shifted(parts[-1], segment.offset))
    postings = pl.blended(parts)
    scores = scored(postings, segment.lengths(plan.clause.field), plan.stats, plan.table)
    read.add_scores(postings.docnums, scores, segment.offset)


def _term_blocks(
    plan: Plan, segment: Segment, i: int, info, here: list[int], wanted: Wanted, read: Read
) -> list[Postings]:
    """The candidates' postings (segment docnums) in the blocks of the clause's ``i``-th term
    in a segment that hold candidates who can still reach the floor (block-max: Ding & Suel
    2011); the candidates of the others are ``read.dropped``. The blocks are found in the
    term's ``w3.Directory``, by bisection; those decoded are kept in ``wanted.memo``.

    Invariant (one-term clauses): a block's bound is at least the score of any posting in it.
    """
    values_too, offset = plan.clause.field == "body", segment.offset
    directory = _directory(plan, segment, i, info)
    if directory is None:  # an inlined posting
        matcher = w3.leaf_matcher(segment.reader, plan.clause.field, plan.terms[i][1], info)
        found = pl.decoded(matcher, values_too)
        read.decoded += len(found.docnums)
        return [pl.selected(found, [d + offset in wanted.partial for d in found.docnums])]
    lasts, first = directory.lasts, 0
    stop = bisect_right(here, offset + lasts[-1])
    if stop > len(lasts):  # candidates in most blocks: each block looked at
        looked = range(len(lasts))
    else:  # each candidate's block looked up
        looked = sorted({bisect_left(lasts, docnum - offset) for docnum in here[:stop]})
    found, one_term = [], len(plan.terms) == 1
    for k in looked:
        end = bisect_right(here, offset + lasts[k], first, stop)
        if end == first:
            continue
        ones, first = here[first:end], end
        if one_term:
            bound = plan.stats.bound(directory.weights[k], directory.length(k))
            if max([wanted.partial[docnum] for docnum in ones]) + bound < wanted.floor:
                read.dropped.update(ones)
                continue
        block = _block(plan, segment, i, directory, k, wanted.memo, read)
        found.append(pl.of_block(block, [docnum - offset for docnum in ones]))
        if __debug__ and one_term and found[-1].docnums:
            lengths = segment.lengths(plan.clause.field)
            high = max(scored(found[-1], lengths, plan.stats, plan.table))
            assert high <= bound, "a score above its block's bound"
    return found


def _block(plan: Plan, segment: Segment, i: int, directory, k: int, memo: dict, read: Read):
    """The ``k``-th block of the clause's ``i``-th term in a segment, decoded once a query."""
    key = (segment.offset, plan.clause.field, plan.terms[i][1], k)
    if key not in memo:
        values_too = plan.clause.field == "body"
        memo[key] = Postings(*w3.block_of(segment.reader, directory, k, values_too))
        read.decoded += len(memo[key].docnums)
    return memo[key]


def _directory(plan: Plan, segment: Segment, i: int, info) -> w3.Directory | None:
    """The block directory of the clause's ``i``-th term in a segment, from
    ``cache.DIRECTORIES`` when the term is frequent; None for postings not in blocks."""
    field_, btext = plan.clause.field, plan.terms[i][1]

    def directory() -> w3.Directory | None:
        matcher = w3.leaf_matcher(segment.reader, field_, btext, info)
        return w3.directory(matcher) if w3.is_blocked(matcher) else None

    if not cache.frequent(info.doc_frequency()) or info.is_inlined():
        return directory()
    return cache.DIRECTORIES.get((segment.key(), field_, btext), directory, w3.Directory.size)


def _term_postings(plan: Plan, segment: Segment, i: int, info, read: Read) -> Postings:
    """All postings of the clause's ``i``-th term in a segment (segment docnums, deleted ones
    too), from ``cache.CACHE`` if the term is frequent enough to be kept there."""
    field_, btext = plan.clause.field, plan.terms[i][1]
    values_too = field_ == "body"  # positions: proximity and snippets

    def decode() -> Postings:
        found = pl.decoded(w3.leaf_matcher(segment.reader, field_, btext, info), values_too)
        read.decoded += len(found.docnums)
        return found

    if not cache.frequent(info.doc_frequency()):
        return decode()
    return cache.CACHE.get((segment.key(), field_, btext, values_too), decode, pl.size)


def _frequent(held: list) -> bool:
    """Whether a clause's terms in a segment are in enough documents to be cached."""
    return cache.frequent(sum(info.doc_frequency() for _, info in held))


def _cached(plan: Plan, segment: Segment, held: list) -> bool:
    """Whether the clause's scores in a segment are in ``cache.CACHE``."""
    return _frequent(held) and _scores_key(plan, segment, held) in cache.CACHE.entries


def _clause_scores(
    plan: Plan, segment: Segment, held: list, found: list[Postings]
) -> tuple[array, list[float]]:
    """The clause's documents in a segment (segment docnums) and their scores, from
    ``cache.CACHE`` when its terms are frequent (the key holds the statistics)."""

    def score() -> tuple[array, list[float]]:
        blended = pl.blended(found)
        lengths = segment.lengths(plan.clause.field)
        return blended.docnums, scored(blended, lengths, plan.stats, plan.table)

    if not _frequent(held):
        return score()
    return cache.CACHE.get(
        _scores_key(plan, segment, held), score, lambda found: 36 * len(found[0])
    )


def _scores_key(plan: Plan, segment: Segment, held: list) -> tuple:
    """What names a clause's scores in a segment in ``cache.CACHE``."""
    btexts = tuple(plan.terms[i][1] for i, _ in held)
    return (segment.key(), plan.clause.field, btexts, plan.stats, len(segment.deleted))
