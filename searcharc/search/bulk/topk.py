"""``rank``: the best documents of a disjunction of clauses, in four phases (MaxScore, then
block-max): the essential clauses read whole, a seed, the other clauses skimmed, the finish."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from searcharc.search.bulk import phrases, postings, reading
from searcharc.search.bulk import plan as planning
from searcharc.search.bulk import ranked as results
from searcharc.search.bulk.plan import Clause, Plan
from searcharc.search.bulk.ranked import Ranked, Unread
from searcharc.search.bulk.reading import Read, Wanted
from searcharc.search.bulk.scoring import SLACK

Reach = tuple[int, float]  # (k, lift): see ``rank``
SEED_FROM = 8  # candidates a wanted document: fewer are read at once, without a seed (``_seed``)


def rank(
    searcher,
    found: Sequence[Clause],
    limit: int,
    *,
    b: float,
    k1: float,
    weak: str = "",
    exhaustive: bool = False,
    reach: Reach | None = None,
    within: np.ndarray | None = None,
    key: np.ndarray | None = None,
) -> Ranked:
    """The ``limit`` best documents for the disjunction of ``found``, as Whoosh ranks them
    (BM25F with ``b`` and ``k1``); those that only clauses of the field ``weak`` matched are
    counted apart.

    MaxScore (Turtle & Flood 1995), a clause at a time: clauses are read whole, highest bound
    first, until the bounds of the clauses left add up to less than the ``limit``-th best score
    so far (``_essential``). No document unseen by then can enter the best: the clauses left
    are read only for the documents that still can (``_skim``), which fall away as the bounds
    left shrink. The total is then a lower bound (``Ranked.exact_total``). ``exhaustive`` reads
    every posting. Either way the same documents come out, in the same order, with the same
    scores.

    ``reach`` (k, lift): only the documents that a re-ranking which adds at most ``lift`` to a
    score could put among the best k are wanted. Clauses are then read whole only until no
    unseen document can score the k-th best less ``lift`` (when that is more than the
    ``limit``-th best), and the clauses left only for the documents that still can (``_seed``
    first raises the bar from the k best): the best k once re-ranked are the same, in the same
    order; the documents under that score may be missing or out of place, and the total (a
    lower bound) may be smaller.

    ``within`` (a mask by docnum, a date filter's): only those documents are ranked and
    counted, scored with the whole index's statistics (clauses read whole are kept to them).
    ``key`` (by docnum, a search by date's): every posting read, the ``limit`` documents of
    lowest key come out instead (ties: the last added first), with their scores.
    """
    every = planning.segments(searcher)
    plans = [planning.plan(searcher, clause, every, b, k1) for clause in found]
    size = max((segment.end() for segment in every), default=0)
    scan = _Scan(plans, limit, reach, np.zeros(size), np.zeros(size, bool), within, key)
    scan = _essential(scan, exhaustive or key is not None)
    if not scan.remaining:
        seen = scan.seen()
        return _finish(searcher, scan, seen, scan.scores[seen], weak)
    seeding = _seed(scan) if reach is not None else 0
    return _finish(searcher, scan, *_skim(scan), weak, seeding)


@dataclass(slots=True)
class _Scan:
    """A ranking under way: the clauses read and left, each document's score so far (``scores``,
    by searcher docnum: a document never read scores 0), the documents read (``new``: each
    clause's first read ones), the score a document must reach to be wanted (``threshold``),
    the documents at it (``top``)."""

    plans: list[Plan]
    limit: int
    reach: Reach | None
    scores: np.ndarray  # float64, a score by searcher docnum
    read: np.ndarray  # bool, by searcher docnum: whether a clause read the document
    within: np.ndarray | None  # bool, by searcher docnum: the documents that may be ranked
    key: np.ndarray | None  # by searcher docnum: what the best are lowest in, instead of score
    remaining: list[int] = field(default_factory=list)  # clauses not read, by index
    reads: dict[int, Read] = field(default_factory=dict)  # by clause index
    new: list[np.ndarray] = field(default_factory=list)  # documents read, each once
    threshold: float = 0.0
    top: np.ndarray = field(default_factory=lambda: NONE)  # the best ``limit`` when updated
    rest: float = 0.0  # the bounds of the ``remaining`` clauses, added (no score rises more)

    def add(self, read: Read) -> None:
        """A clause's scores added (a read's docnums are distinct)."""
        unseen = read.docnums[~self.read[read.docnums]]
        self.read[unseen] = True
        self.scores[read.docnums] += read.scores
        if len(unseen):
            self.new.append(unseen)

    def seen(self) -> np.ndarray:
        """Every document read, in docnum order."""
        return np.sort(np.concatenate(self.new)) if self.new else NONE

    def raised(self, scores: np.ndarray) -> float:
        """The threshold raised by ``scores`` (lower bounds of documents' scores)."""
        found = needed(scores, self.limit, self.reach, self.threshold)
        if __debug__:
            assert found >= self.threshold, "the threshold fell"
        return found


NONE = np.zeros(0, np.uint32)


def _essential(scan: _Scan, exhaustive: bool) -> _Scan:
    """The essential clauses read whole, highest bound first, until the bounds of those left
    (``scan.rest``) add up to less than the threshold: no document unseen by then can enter
    the best (unless ``exhaustive``: every clause read).

    Invariant: the threshold never falls; once clauses are left, ``rest`` is under it."""
    plans = scan.plans
    scan.remaining = sorted(range(len(plans)), key=lambda i: -plans[i].bound)
    scan.rest = sum(plan.bound for plan in plans)
    pending: list[np.ndarray] = []  # the documents read since ``threshold`` was raised
    risen = 0.0  # the bounds read since: no score rose by more
    while scan.remaining:
        i = scan.remaining.pop(0)
        read = scan.reads[i] = reading.kept(phrases.read(plans[i]), scan.within)
        scan.add(read)
        scan.rest -= plans[i].bound
        risen += plans[i].bound
        pending.append(read.docnums)
        if not exhaustive and scan.remaining and scan.rest < scan.threshold + risen:
            _raise(scan, pending)  # else the rest is still at least the k-th best
            pending.clear()
            risen = 0.0
            if scan.rest < scan.threshold * (1 - SLACK):
                break
    if __debug__:
        assert not scan.remaining or scan.rest < scan.threshold * (1 - SLACK)
    return scan


def _raise(scan: _Scan, pending: list[np.ndarray]) -> None:
    """``threshold`` and ``top`` brought up to date. Scores only rise: the best are among the
    best before and the documents read since; those below the threshold stay below the next."""
    scores, threshold = scan.scores, scan.threshold
    read = np.concatenate([scan.top, *pending])
    contenders = postings.distinct(read[scores[read] >= threshold])
    values = scores[contenders]
    scan.threshold = scan.raised(values)
    scan.top = contenders[values >= scan.threshold]


def _seed(scan: _Scan) -> int:
    """The threshold raised to a score that the documents ``reach`` wants can reach: the
    clauses left read for the k best so far alone (the few blocks that hold them), the least
    of their whole scores less the lift. Every candidate under it is left out before the
    clauses are read for them all. The postings decoded for it.

    Invariant: the threshold never falls."""
    k, lift = scan.reach
    floor = scan.threshold * (1 - SLACK) - scan.rest
    if (
        len(scan.top) < k
        or sum((scan.scores[new] >= floor).sum() for new in scan.new) <= SEED_FROM * k
    ):
        return 0  # too few candidates to be worth it
    values = scan.scores[scan.top]
    probe = np.sort(scan.top[np.argsort(-values, kind="stable")[:k]])
    whole, decoded = scan.scores[probe].copy(), 0
    for i in scan.remaining:
        wanted = Wanted(probe, np.zeros(len(probe)), float("-inf"))
        read = phrases.read(scan.plans[i], wanted)
        at, there = postings.found_in(probe, read.docnums)
        whole[at[there]] += read.scores[there]
        decoded += read.decoded
    seeded = float(whole.min()) * (1 - SLACK) - lift
    scan.threshold = max(scan.threshold, seeded)
    return decoded


def _skim(scan: _Scan) -> tuple[np.ndarray, np.ndarray]:
    """The clauses left, read for the candidates only: the candidates that can still enter the
    best (within ``reach``, see ``rank``) and their scores (added in another order than the
    clauses'). The clauses with the fewest postings are read first: each drops candidates (its
    bound leaves what the others can add) and so blocks of the larger ones.

    Invariant: candidates stay in docnum order, and only fall away; the threshold never falls."""
    floor = scan.threshold * (1 - SLACK) - scan.rest
    seen = scan.seen()
    candidates = seen[scan.scores[seen] >= floor]
    partial = scan.scores[candidates]
    rest = sum(scan.plans[i].bound for i in scan.remaining)
    for i in sorted(scan.remaining, key=lambda i: scan.plans[i].postings_count()):
        rest -= scan.plans[i].bound
        floor = scan.threshold * (1 - SLACK) - rest
        read = scan.reads[i] = phrases.read(scan.plans[i], Wanted(candidates, partial, floor))
        at, _ = postings.found_in(candidates, read.docnums)
        partial[at] += read.scores
        scan.threshold = scan.raised(partial)
        floor = scan.threshold * (1 - SLACK) - rest
        kept = partial >= floor
        if len(read.dropped):
            kept &= ~np.isin(candidates, read.dropped, assume_unique=True)
        if __debug__:
            assert np.all(np.diff(candidates[kept].astype(np.int64)) > 0), "out of docnum order"
        candidates, partial = candidates[kept], partial[kept]
    return candidates, partial


def _finish(
    searcher,
    scan: _Scan,
    survivors: np.ndarray,
    values: np.ndarray,
    weak: str,
    seeding: int = 0,
) -> Ranked:
    """The best of the ``survivors`` (docnums in order; ``values`` their scores, exact or a
    lower bound), by their exact scores (added in the clauses' order, as reading every posting
    adds them), or by ``scan.key``.

    Invariant: at most ``limit`` documents, by score (ties: in docnum order)."""
    limit, plans = scan.limit, scan.plans
    reads = [scan.reads[i] for i in range(len(plans))]
    if scan.key is None:
        kth = needed(values, limit, None, 0.0)
        near = survivors[values >= kth * (1 - SLACK)]
        exact = results.sums(reads, near)
        order = np.lexsort((near, -exact))[:limit]  # by score, ties: docnum order
        if __debug__:
            assert np.all(np.diff(exact[order]) <= 0), "best out of order"
    else:  # every match: by key, ties the last added first
        near = survivors
        order = np.lexsort((-near.astype(np.int64), scan.key[near]))[:limit]
        exact = np.zeros(len(near))
        exact[order] = results.sums(reads, near[order])
    best = near[order]
    remaining = bool(scan.remaining)
    seen = None if remaining else scan.seen()
    total = len(seen) if seen is not None else sum(map(len, scan.new))
    best_list = best.tolist()
    return Ranked(
        best_list,
        dict(zip(best_list, exact[order].tolist(), strict=True)),
        results.matched_terms(plans, reads, best),
        total,
        results.body_positions(plans),
        searcher.schema["body"].format if "body" in searcher.schema else None,
        0 if remaining else results.weak_only(plans, reads, weak, seen),
        exact_total=not remaining,
        matched=seen,
        unread=_unread(scan, weak) if remaining else None,
        decoded=seeding + sum(read.decoded for read in reads),
        scored=sum(len(read.scores) for read in reads),
    )


def _unread(scan: _Scan, weak: str) -> Unread:
    """The clauses left unread whole and the documents the others matched."""
    strong = np.zeros(len(scan.read), bool)
    for i, read in scan.reads.items():
        if i not in scan.remaining and scan.plans[i].clause.field != weak:
            strong[read.docnums] = True
    return Unread([scan.plans[i].clause for i in scan.remaining], scan.read, strong)


def needed(scores: np.ndarray, limit: int, reach: Reach | None, threshold: float) -> float:
    """The score a document must be able to reach to be wanted: at least ``threshold`` and the
    ``limit``-th best of ``scores`` (lower bounds of the documents' scores); with ``reach``
    (k, lift), the k-th best less ``lift`` when that is more. Scores under ``threshold`` change
    nothing: they are filtered out first."""
    above = scores[scores >= threshold]
    found = _kth(above, limit)
    if reach is not None and len(above) >= reach[0]:
        found = max(found, _kth(above, reach[0]) - reach[1])
    return max(threshold, found)


def _kth(scores: np.ndarray, k: int) -> float:
    """The ``k``-th best of ``scores``, 0 when there are fewer."""
    if len(scores) < k or k <= 0:
        return 0.0
    return float(np.partition(scores, len(scores) - k)[len(scores) - k])
