"""A clause read: every posting of its terms, or only those of some candidates (block-max)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from searcharc.search.bulk import cache
from searcharc.search.bulk import postings as pl
from searcharc.search.bulk.plan import Plan, Segment
from searcharc.search.bulk.postings import Postings
from searcharc.search.bulk.scoring import scored
from searcharc.whooshx import postings as w3

NO_SCORES = np.zeros(0, np.float64)
NO_WEIGHTS = np.zeros(0, np.float32)


@dataclass(slots=True)
class Read:
    """What reading one clause gave: a score for each document it was read for (searcher
    docnums, in order), and which of them each of its terms holds."""

    docnums: np.ndarray = field(default_factory=lambda: pl.NO_DOCNUMS)
    scores: np.ndarray = field(default_factory=lambda: NO_SCORES)
    terms: dict[str, np.ndarray] = field(default_factory=dict)  # term → its docnums read
    decoded: int = 0
    dropped: np.ndarray = field(default_factory=lambda: pl.NO_DOCNUMS)  # ruled out by a block


@dataclass(slots=True)
class Wanted:
    """The documents a clause is read for: ``candidates`` (searcher docnums, in order, uint32),
    their scores so far (``partial``, aligned), the score they must reach (``floor``)."""

    candidates: np.ndarray
    partial: np.ndarray
    floor: float

    def within(self, segment: Segment) -> slice:
        """Where the candidates of a segment are."""
        start, end = np.searchsorted(self.candidates, (segment.offset, segment.end()))
        return slice(int(start), int(end))


@dataclass(slots=True)
class _Parts:
    """A read under way: its parts by segment, joined at the end (``Read``)."""

    docnums: list = field(default_factory=list)
    scores: list = field(default_factory=list)
    terms: dict = field(default_factory=dict)
    dropped: list = field(default_factory=list)

    def add(self, docnums: np.ndarray, scores: np.ndarray, offset: int) -> None:
        self.docnums.append(docnums + np.uint32(offset) if offset else docnums)
        self.scores.append(scores)

    def term(self, text: str, docnums: np.ndarray, offset: int) -> None:
        self.terms.setdefault(text, []).append(docnums + np.uint32(offset) if offset else docnums)


def read(plan: Plan, wanted: Wanted | None = None) -> Read:
    """The clause's scores: of every document its terms hold (``wanted`` None), else of the
    wanted candidates only.

    Blocks without a candidate are not decoded; nor, in a one-term clause, blocks whose bound
    cannot lift a candidate to the floor: those candidates are ``dropped``. Frequent terms are
    read whole (from ``cache.CACHE``), their scores kept for the candidates.
    """
    parts, found = _Parts(), Read()
    for segment, held in plan.present:
        if wanted is None:
            found.decoded += _whole(plan, segment, held, parts, None)
            continue
        here = wanted.within(segment)
        if here.start == here.stop:
            continue  # no candidate in this segment
        if _cached(plan, segment, held):  # the candidates' from the whole clause's scores
            found.decoded += _whole(plan, segment, held, parts, wanted.candidates[here])
        else:
            found.decoded += _blocks(plan, segment, held, here, wanted, parts)
    found.docnums, found.scores = _joined(parts.docnums, pl.NO_DOCNUMS), _joined(parts.scores)
    found.terms = {text: _joined(docs, pl.NO_DOCNUMS) for text, docs in parts.terms.items()}
    found.dropped = _joined(parts.dropped, pl.NO_DOCNUMS)
    if __debug__:
        assert not len(found.scores) or found.scores.max() <= plan.bound, (
            "a score above the clause's bound"
        )
    return found


def _joined(parts: list[np.ndarray], empty: np.ndarray = NO_SCORES) -> np.ndarray:
    return parts[0] if len(parts) == 1 else np.concatenate(parts) if parts else empty


def _whole(plan: Plan, segment: Segment, held: list, parts: _Parts, kept: np.ndarray | None) -> int:
    """Every posting of the clause's terms in a segment; the scores of the documents ``kept``
    (searcher docnums, in order) only, when given. How many postings were decoded."""
    deleted, decoded = segment.deleted_mask(), [0]
    found = [pl.live(_term_postings(plan, segment, i, info, decoded), deleted) for i, info in held]
    docnums, scores = _clause_scores(plan, segment, held, found)
    offset = segment.offset
    if kept is not None:
        at, there = pl.found_in(docnums, kept - np.uint32(offset))
        docnums, scores = docnums[at[there]], scores[at[there]]
    for (i, _), postings in zip(held, found, strict=True):
        ids = postings.docnums if kept is None else pl.of_block(postings, docnums).docnums
        parts.term(plan.terms[i][0], ids, offset)
    parts.add(docnums, scores, offset)
    return decoded[0]


def _blocks(
    plan: Plan, segment: Segment, held: list, here: slice, wanted: Wanted, parts: _Parts
) -> int:
    """The clause's scores of the candidates ``here`` (in the segment), from the blocks of its
    terms that hold them. How many postings were decoded.

    Invariant (one-term clauses): a block's bound is at least the score of any posting in it."""
    offset = np.uint32(segment.offset)
    ones = wanted.candidates[here] - offset  # segment docnums
    tfs, holds, decoded, bounds = np.zeros(len(ones)), np.zeros(len(ones), bool), 0, None
    for i, info in held:
        found = _term_blocks(plan, segment, i, info, ones, wanted.partial[here], wanted.floor)
        weights, there, count, bounds, dropped = found
        tfs[there] += weights  # added in the terms' order, as ``pl.blended``
        holds |= there
        decoded += count
        parts.term(plan.terms[i][0], ones[there], segment.offset)
        if dropped is not None:
            parts.dropped.append(dropped + offset)
    tf = tfs[holds].astype(np.float32) if len(held) > 1 else tfs[holds]  # stored as W3's
    docnums = ones[holds]
    scores = scored(Postings(docnums, tf), segment.lengths(plan.clause.field), plan.stats)
    if __debug__ and bounds is not None:
        assert (scores <= bounds[holds]).all(), "a score above its block's bound"
    parts.add(docnums, scores, segment.offset)
    return decoded


def _term_blocks(
    plan: Plan, segment: Segment, i: int, info, ones: np.ndarray, partial: np.ndarray, floor
) -> tuple:
    """In the blocks of the clause's ``i``-th term in a segment that hold candidates who can
    still reach the ``floor`` (block-max: Ding & Suel 2011), found in the term's
    ``w3.Directory`` and decoded together: the weights of the candidates ``ones`` (segment
    docnums; ``partial`` their scores so far), where each is held, how many postings were
    decoded; in a one-term clause, each candidate's block's bound and the candidates that it
    cannot lift to the floor (dropped), else None twice."""
    directory = term_directory(plan, segment, i, info)
    if directory is None:  # an inlined posting
        matcher = w3.leaf_matcher(segment.reader, plan.clause.field, plan.terms[i][1], info)
        found = pl.one_by_one(matcher)
        at, there = pl.found_in(found.docnums, ones)
        return found.weights[at[there]], there, len(found.docnums), None, None
    blocks = np.searchsorted(directory.lasts, ones)  # each candidate's block
    inside, bounds, dropped = blocks < len(directory.lasts), None, None
    if len(plan.terms) == 1:
        k = np.minimum(blocks, len(directory.lasts) - 1)
        bounds = plan.stats.bounds(directory.weights[k], directory.lengths[k])
        hopeless = inside & (partial + bounds < floor)
        if hopeless.any():
            dropped, inside = ones[hopeless], inside & ~hopeless
    wanted = blocks[inside]
    ks = wanted[np.flatnonzero(np.diff(wanted, prepend=-1))]  # in order: each once
    if not len(ks):
        return NO_WEIGHTS, np.zeros(len(ones), bool), 0, bounds, dropped
    block = Postings(*w3.blocks_of(w3.postings_file(segment.reader), directory, ks))
    at, there = pl.found_in(block.docnums, ones)
    there &= inside
    return block.weights[at[there]], there, len(block.docnums), bounds, dropped


def term_directory(plan: Plan, segment: Segment, i: int, info) -> w3.Directory | None:
    """The block directory of the clause's ``i``-th term in a segment (None for postings not
    in blocks): found once a query (``plan.directories``), from ``cache.DIRECTORIES`` if
    another query found it."""
    key = (segment.offset, i)
    if key not in plan.directories:
        plan.directories[key] = _directory(segment, plan.clause.field, plan.terms[i][1], info)
    return plan.directories[key]


def _directory(segment: Segment, fieldname: str, btext: bytes, info) -> w3.Directory | None:
    if info.is_inlined():
        return None
    key = (segment.key(), fieldname, btext)
    read = lambda: w3.term_directory(segment.reader, fieldname, btext, info)  # noqa: E731
    return cache.DIRECTORIES.get(key, read, lambda found: found.size() if found else 100)


def _term_postings(plan: Plan, segment: Segment, i: int, info, decoded: list[int]) -> Postings:
    """All postings of the clause's ``i``-th term in a segment (segment docnums, deleted ones
    too), from ``cache.CACHE`` if the term is frequent enough to be kept there."""
    field_, btext = plan.clause.field, plan.terms[i][1]

    def decode() -> Postings:
        directory = term_directory(plan, segment, i, info)
        if directory is None:  # an inlined posting
            found = pl.one_by_one(w3.leaf_matcher(segment.reader, field_, btext, info))
        else:
            every = np.arange(len(directory.lasts))
            found = Postings(*w3.blocks_of(w3.postings_file(segment.reader), directory, every))
        decoded[0] += len(found.docnums)
        return found

    if not cache.frequent(info.doc_frequency()):
        return decode()
    return cache.CACHE.get((segment.key(), field_, btext), decode, pl.size)


def _frequent(held: list) -> bool:
    """Whether a clause's terms in a segment are in enough documents to be cached."""
    return cache.frequent(sum(info.doc_frequency() for _, info in held))


def _cached(plan: Plan, segment: Segment, held: list) -> bool:
    """Whether the clause's scores in a segment are in ``cache.CACHE``."""
    return _frequent(held) and _scores_key(plan, segment, held) in cache.CACHE.entries


def _clause_scores(
    plan: Plan, segment: Segment, held: list, found: list[Postings]
) -> tuple[np.ndarray, np.ndarray]:
    """The clause's documents in a segment (segment docnums) and their scores, from
    ``cache.CACHE`` when its terms are frequent (the key holds the statistics)."""

    def score() -> tuple[np.ndarray, np.ndarray]:
        blended = pl.blended(found)
        lengths = segment.lengths(plan.clause.field)
        return blended.docnums, scored(blended, lengths, plan.stats)

    if not _frequent(held):
        return score()
    size = lambda found: found[0].nbytes + found[1].nbytes + 200  # noqa: E731
    return cache.CACHE.get(_scores_key(plan, segment, held), score, size)


def _scores_key(plan: Plan, segment: Segment, held: list) -> tuple:
    """What names a clause's scores in a segment in ``cache.CACHE``."""
    btexts = tuple(plan.terms[i][1] for i, _ in held)
    return (segment.key(), plan.clause.field, btexts, plan.stats, len(segment.deleted))
