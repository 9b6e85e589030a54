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
NO_LENGTHS = np.zeros(0, np.uint8)


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
    cannot lift a candidate to the floor: those candidates are ``dropped``. Frequent terms read
    whole are kept in ``cache.CACHE``, and so are their scores.
    """
    if __debug__:
        assert not plan.parts, "a phrase is read by phrases.read"
    parts, found = _Parts(), Read()
    if wanted is None:
        rare = [segment for segment, held in plan.present if not _frequent(held)]
        for segment, held in plan.present:
            if _frequent(held):
                found.decoded += _whole(plan, segment, held, parts)
        if rare:
            found.decoded += _rare(plan, rare, parts)
    elif len(wanted.candidates):
        found.decoded += _candidates(plan, wanted, parts)
    found.docnums, found.scores = _joined(parts.docnums, pl.NO_DOCNUMS), _joined(parts.scores)
    found.terms = {text: _joined(docs, pl.NO_DOCNUMS) for text, docs in parts.terms.items()}
    if len(parts.docnums) > 1 and wanted is None:  # rare segments' after frequent ones'
        order = np.argsort(found.docnums, kind="stable")
        found.docnums, found.scores = found.docnums[order], found.scores[order]
        found.terms = {text: np.sort(docs) for text, docs in found.terms.items()}
    found.dropped = _joined(parts.dropped, pl.NO_DOCNUMS)
    if __debug__:
        assert not len(found.scores) or found.scores.max() <= plan.bound, (
            "a score above the clause's bound"
        )
    return found


def kept(read: Read, within: np.ndarray | None) -> Read:
    """A read kept to the documents ``within`` allows (a mask by searcher docnum; None: all)."""
    if within is None or not len(read.docnums):
        return read
    inside = within[read.docnums]
    if inside.all():
        return read
    terms = {text: docnums[within[docnums]] for text, docnums in read.terms.items()}
    return Read(read.docnums[inside], read.scores[inside], terms, read.decoded, read.dropped)


def _joined(parts: list[np.ndarray], empty: np.ndarray = NO_SCORES) -> np.ndarray:
    return parts[0] if len(parts) == 1 else np.concatenate(parts) if parts else empty


def _whole(plan: Plan, segment: Segment, held: list, parts: _Parts) -> int:
    """Every posting of the clause's terms in a segment. How many postings were decoded."""
    deleted, decoded = segment.deleted_mask(), [0]
    found = [pl.live(_term_postings(plan, segment, i, info, decoded), deleted) for i, info in held]
    docnums, scores = _clause_scores(plan, segment, held, found)
    for (i, _), postings in zip(held, found, strict=True):
        parts.term(plan.terms[i][0], postings.docnums, segment.offset)
    parts.add(docnums, scores, segment.offset)
    return decoded[0]


def _rare(plan: Plan, segments: list[Segment], parts: _Parts) -> int:
    """Every posting of the clause's terms in ``segments`` (where they are too rare to be
    cached), all at once from the terms' ``Spread``. How many postings were decoded."""
    offsets, found = {segment.offset for segment in segments}, []
    for i, (text, _) in enumerate(plan.terms):
        spread = spread_of(plan, i)
        if spread is None:
            continue
        chosen = np.array([segment.offset in offsets for segment, _ in spread.parts], bool)
        ks = np.flatnonzero(chosen[spread.part]) if len(chosen) else pl.NO_DOCNUMS
        docnums, weights, _ = spread.decoded(ks, plan.clause.field, offsets)
        parts.term(text, docnums, 0)
        found.append(Postings(docnums, weights))
    blended = pl.blended(found)
    lengths = _lengths(blended.docnums, segments, plan.clause.field)
    parts.add(blended.docnums, plan.stats.scores(blended.weights, lengths), 0)
    return sum(len(postings.docnums) for postings in found)


def _lengths(docnums: np.ndarray, segments: list[Segment], fieldname: str) -> np.ndarray:
    """The field length bytes of documents (searcher docnums, in order) of ``segments``."""
    found = np.zeros(len(docnums), np.uint8)
    cuts = np.searchsorted(docnums, [s.offset for s in segments] + [segments[-1].end()])
    for n, segment in enumerate(segments):
        here = slice(cuts[n], cuts[n + 1])
        found[here] = segment.lengths(fieldname)[docnums[here] - np.uint32(segment.offset)]
    return found


def _candidates(plan: Plan, wanted: Wanted, parts: _Parts) -> int:
    """The clause's scores of the wanted candidates, from the blocks of its terms that hold
    them, every segment at once (``Spread``). How many postings were decoded.

    Invariant (one-term clauses): a block's bound is at least the score of any posting in it."""
    ones = wanted.candidates
    tfs, holds, decoded, bounds = np.zeros(len(ones)), np.zeros(len(ones), bool), 0, None
    length_bytes = np.zeros(len(ones), np.uint8)
    for i, (text, _) in enumerate(plan.terms):
        spread = spread_of(plan, i)
        if spread is None:
            continue  # in no segment
        found = _term_candidates(plan, spread, ones, wanted.partial, wanted.floor)
        weights, lengths, there, count, bounds, dropped = found
        tfs[there] += weights  # added in the terms' order, as ``pl.blended``
        length_bytes[there] = lengths
        holds |= there
        decoded += count
        parts.term(text, ones[there], 0)
        if dropped is not None:
            parts.dropped.append(dropped)
    tf = tfs[holds].astype(np.float32) if len(plan.terms) > 1 else tfs[holds]  # as W3's
    scores = plan.stats.scores(tf, length_bytes[holds])
    if __debug__ and bounds is not None:
        assert (scores <= bounds[holds]).all(), "a score above its block's bound"
    parts.add(ones[holds], scores, 0)
    return decoded


def _term_candidates(
    plan: Plan, spread: Spread, ones: np.ndarray, partial: np.ndarray, floor: float
) -> tuple:
    """In the blocks of the clause's term ``spread`` that hold candidates who can still reach
    the ``floor`` (block-max: Ding & Suel 2011), decoded together: the weights and length
    bytes of the candidates ``ones`` (``partial`` their scores so far), where each is held,
    how many postings were decoded; in a one-term clause, each candidate's block's bound and
    the candidates that it cannot lift to the floor (dropped), else None twice. (A candidate
    in a segment without the term meets another segment's block: it holds no posting there,
    and any bound, at least 0, is one of its score.)"""
    blocks = np.searchsorted(spread.lasts, ones)  # each candidate's block
    inside, bounds, dropped = blocks < len(spread.lasts), None, None
    if len(plan.terms) == 1 and len(spread.lasts):
        k = np.minimum(blocks, len(spread.lasts) - 1)
        bounds = plan.stats.bounds(spread.weights[k], spread.lengths[k])
        if spread.extra:  # postings not in blocks: the clause's bound
            bounds = np.full(len(ones), plan.bound)
        hopeless = inside & (partial + bounds < floor)
        if hopeless.any():
            dropped, inside = ones[hopeless], inside & ~hopeless
    wanted = blocks[inside]
    ks = wanted[np.flatnonzero(np.diff(wanted, prepend=-1))]  # in order: each once
    docnums, weights, lengths = spread.decoded(ks, plan.clause.field)
    at, there = pl.found_in(docnums, ones)
    if dropped is not None:
        there &= ~np.isin(ones, dropped, assume_unique=True)
    return weights[at[there]], lengths[at[there]], there, len(docnums), bounds, dropped


@dataclass(frozen=True, slots=True)
class Spread:
    """A term's blocks in every segment that holds it, end to end in docnum order: each
    block's last docnum (searcher docnums), highest weight, shortest length byte, segment (in
    ``parts``) and number there; and the postings of the segments that keep them out of
    blocks (``extra``, searcher docnums)."""

    lasts: np.ndarray
    weights: np.ndarray
    lengths: np.ndarray
    part: np.ndarray
    local: np.ndarray
    parts: list  # (segment, directory)
    extra: list  # (segment, Postings)

    def decoded(
        self, ks: np.ndarray, fieldname: str, live: set[int] | None = None
    ) -> tuple[np.ndarray, ...]:
        """The docnums (searcher docnums, in order), weights and length bytes of the postings
        of blocks ``ks``, with the ``extra`` ones; with ``live`` (segment offsets), only the
        extra ones of those segments, and no deleted document."""
        found = []
        cuts = np.searchsorted(self.part[ks], np.arange(len(self.parts) + 1))
        for n, (segment, directory) in enumerate(self.parts):
            local = self.local[ks[cuts[n] : cuts[n + 1]]]
            if len(local):
                postfile = w3.postings_file(segment.reader)
                postings = Postings(*w3.blocks_of(postfile, directory, local))
                if live is not None:
                    postings = pl.live(postings, segment.deleted_mask())
                found.append((segment, postings))
        found += [(s, p) for s, p in self.extra if live is None or s.offset in live]
        found.sort(key=lambda part: part[0].offset)
        if not found:
            return pl.NO_DOCNUMS, pl.NO_WEIGHTS, NO_LENGTHS
        docnums = _joined([p.docnums + np.uint32(s.offset) for s, p in found], pl.NO_DOCNUMS)
        weights = _joined([p.weights for s, p in found], pl.NO_WEIGHTS)
        lengths = _joined([s.lengths(fieldname)[p.docnums] for s, p in found], NO_LENGTHS)
        return docnums, weights, lengths


def spread_of(plan: Plan, i: int) -> Spread | None:
    """The ``Spread`` of the clause's ``i``-th term, made once a query; None when no segment
    holds it."""
    key = ("spread", i)
    if key not in plan.directories:
        plan.directories[key] = _spread(plan, i)
    return plan.directories[key]


def _spread(plan: Plan, i: int) -> Spread | None:
    held = [(segment, info) for segment, infos in plan.present for j, info in infos if j == i]
    if not held:
        return None
    parts, extra = [], []
    for segment, info in held:
        directory = term_directory(plan, segment, i, info)
        if directory is None:  # an inlined posting (W3)
            btext = plan.terms[i][1]
            matcher = w3.leaf_matcher(segment.reader, plan.clause.field, btext, info)
            extra.append((segment, pl.live(pl.one_by_one(matcher), segment.deleted_mask())))
        else:
            parts.append((segment, directory))
    sizes = [len(d.lasts) for _, d in parts]
    lasts = [d.lasts.astype(np.int64) + s.offset for s, d in parts]
    return Spread(
        _joined(lasts, np.zeros(0, np.int64)),
        _joined([d.weights for _, d in parts], pl.NO_WEIGHTS),
        _joined([d.lengths for _, d in parts], NO_LENGTHS),
        np.repeat(np.arange(len(parts)), sizes),
        _joined([np.arange(n) for n in sizes], np.zeros(0, np.int64)),
        parts,
        extra,
    )


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


def _clause_scores(
    plan: Plan, segment: Segment, held: list, found: list[Postings]
) -> tuple[np.ndarray, np.ndarray]:
    """The clause's documents in a segment where its terms are frequent (segment docnums) and
    their scores, kept in ``cache.CACHE`` (the key holds the statistics)."""

    def score() -> tuple[np.ndarray, np.ndarray]:
        blended = pl.blended(found)
        lengths = segment.lengths(plan.clause.field)
        return blended.docnums, scored(blended, lengths, plan.stats)

    size = lambda found: found[0].nbytes + found[1].nbytes + 200  # noqa: E731
    return cache.CACHE.get(_scores_key(plan, segment, held), score, size)


def _scores_key(plan: Plan, segment: Segment, held: list) -> tuple:
    """What names a clause's scores in a segment in ``cache.CACHE``."""
    btexts = tuple(plan.terms[i][1] for i, _ in held)
    return (segment.key(), plan.clause.field, btexts, plan.stats, len(segment.deleted))
