"""``rank``: the best documents of a disjunction of clauses, in four phases (MaxScore, then
block-max): the essential clauses read whole, a seed, the other clauses skimmed, the finish."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from heapq import nlargest
from itertools import compress, pairwise

from searcharc.search.bulk import plan as planning
from searcharc.search.bulk import ranked as results
from searcharc.search.bulk import reading
from searcharc.search.bulk.plan import Clause, Plan
from searcharc.search.bulk.ranked import Ranked
from searcharc.search.bulk.reading import Read, Wanted
from searcharc.search.bulk.scoring import SLACK

Reach = tuple[int, float]  # (k, lift): see ``rank``


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
    """
    every = planning.segments(searcher)
    plans = [planning.plan(searcher, clause, every, b, k1) for clause in found]
    scan = _essential(_Scan(plans, limit, reach), exhaustive)
    if not scan.remaining:
        return _finish(searcher, scan, scan.scores, weak)
    memo: dict = {}  # decoded blocks, for the seeds and the candidates
    seeding = _seed(scan, memo) if reach is not None else 0
    return _finish(searcher, scan, _skim(scan, memo), weak, seeding)


@dataclass(slots=True)
class _Scan:
    """A ranking under way: the clauses read and left, each document's score so far, the
    score a document must reach to be wanted (``threshold``), the documents at it (``top``)."""

    plans: list[Plan]
    limit: int
    reach: Reach | None
    remaining: list[int] = field(default_factory=list)  # clauses not read, by index
    reads: dict[int, Read] = field(default_factory=dict)  # by clause index
    # not an array of every document: its allocation and count of zeros grew with the archive
    scores: defaultdict[int, float] = field(default_factory=lambda: defaultdict(float))
    threshold: float = 0.0
    top: set[int] = field(default_factory=set)  # the best ``limit`` documents when updated
    rest: float = 0.0  # the bounds of the ``remaining`` clauses, added (no score rises more)

    def raised(self, scores: Iterable[float]) -> float:
        """The threshold raised by ``scores`` (lower bounds of documents' scores)."""
        found = needed(scores, self.limit, self.reach, self.threshold)
        if __debug__:
            assert found >= self.threshold, "the threshold fell"
        return found


def _essential(scan: _Scan, exhaustive: bool) -> _Scan:
    """The essential clauses read whole, highest bound first, until the bounds of those left
    (``scan.rest``) add up to less than the threshold: no document unseen by then can enter
    the best (unless ``exhaustive``: every clause read).

    Invariant: the threshold never falls; once clauses are left, ``rest`` is under it."""
    plans = scan.plans
    scan.remaining = sorted(range(len(plans)), key=lambda i: -plans[i].bound)
    scan.rest = sum(plan.bound for plan in plans)
    pending: list[Iterable[int]] = []  # the documents read since ``threshold`` was raised
    risen = 0.0  # the bounds read since: no score rose by more
    while scan.remaining:
        i = scan.remaining.pop(0)
        read = scan.reads[i] = reading.read(plans[i])
        _add(scan.scores, read)
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


def _raise(scan: _Scan, pending: list[Iterable[int]]) -> None:
    """``threshold`` and ``top`` brought up to date. Scores only rise: the best are among the
    best before and the documents read since; those below the threshold stay below the next."""
    scores, threshold = scan.scores, scan.threshold
    contenders = set(scan.top)
    for docnums in pending:
        contenders.update([docnum for docnum in docnums if scores[docnum] >= threshold])
    values = [scores[docnum] for docnum in contenders]
    scan.threshold = scan.raised(values)
    scan.top = set(compress(contenders, [value >= scan.threshold for value in values]))


def _seed(scan: _Scan, memo: dict) -> int:
    """The threshold raised to a score that the documents ``reach`` wants can reach: the
    clauses left read for the k best so far alone (the few blocks that hold them), the least
    of their whole scores less the lift. Every candidate under it is left out before the
    clauses are read for them all. The postings decoded for it.

    Invariant: the threshold never falls."""
    k, lift = scan.reach
    probe = sorted(nlargest(k, sorted(scan.top), key=scan.scores.__getitem__))
    if len(probe) < k:
        return 0
    whole, decoded = {d: scan.scores[d] for d in probe}, 0
    for i in scan.remaining:
        wanted = Wanted(probe, dict.fromkeys(probe, 0.0), float("-inf"), memo)
        read = reading.read(scan.plans[i], wanted)
        _add(whole, read)
        decoded += read.decoded
    seeded = min(whole.values()) * (1 - SLACK) - lift
    scan.threshold = max(scan.threshold, seeded)
    return decoded


def _skim(scan: _Scan, memo: dict) -> dict[int, float]:
    """The clauses left, read for the candidates only: the candidates that can still enter the
    best (within ``reach``, see ``rank``) → their scores (added in another order than the
    clauses'). The clauses with the fewest postings are read first: each drops candidates (its
    bound leaves what the others can add) and so blocks of the larger ones.

    Invariant: candidates stay in docnum order, and only fall away; the threshold never falls."""
    floor = scan.threshold * (1 - SLACK) - scan.rest
    candidates = sorted(docnum for docnum, score in scan.scores.items() if score >= floor)
    partial = {docnum: scan.scores[docnum] for docnum in candidates}
    rest = sum(scan.plans[i].bound for i in scan.remaining)
    for i in sorted(scan.remaining, key=lambda i: scan.plans[i].postings_count()):
        rest -= scan.plans[i].bound
        floor = scan.threshold * (1 - SLACK) - rest
        read = scan.reads[i] = reading.read(scan.plans[i], Wanted(candidates, partial, floor, memo))
        _add(partial, read)
        scan.threshold = scan.raised(partial.values())
        floor = scan.threshold * (1 - SLACK) - rest
        dropped = read.dropped
        kept = [d for d in candidates if partial[d] >= floor and d not in dropped]
        if __debug__:
            assert all(a < b for a, b in pairwise(kept)), "candidates out of docnum order"
        candidates, partial = kept, {docnum: partial[docnum] for docnum in kept}
    return partial


def _finish(
    searcher, scan: _Scan, survivors: dict[int, float], weak: str, seeding: int = 0
) -> Ranked:
    """The best of the ``survivors`` (docnum → score, exact or a lower bound), by their exact
    scores: added in the clauses' order, as reading every posting adds them.

    Invariant: at most ``limit`` documents, by score (ties: in docnum order)."""
    limit, plans = scan.limit, scan.plans
    kth = needed(survivors.values(), limit, None, 0.0)
    near = sorted(docnum for docnum, score in survivors.items() if score >= kth * (1 - SLACK))
    reads = [scan.reads[i] for i in range(len(plans))]
    exact = results.sums(reads, set(near))
    best = nlargest(limit, near, key=exact.__getitem__)  # ties: docnum order
    if __debug__:
        assert all(exact[a] >= exact[b] for a, b in pairwise(best)), "best out of order"
    total, remaining = len(scan.scores), bool(scan.remaining)
    return Ranked(
        best,
        {d: exact[d] for d in best},
        results.matched_terms(plans, reads, best),
        total,
        results.body_postings(plans, reads),
        searcher.schema["body"].format if "body" in searcher.schema else None,
        0 if remaining else results.weak_only(plans, reads, weak, total),
        exact_total=not remaining,
        matched=None if remaining else set(scan.scores),
        decoded=seeding + sum(read.decoded for read in reads),
        scored=sum(len(read.scores) for read in reads),
    )


def needed(scores: Iterable[float], limit: int, reach: Reach | None, threshold: float) -> float:
    """The score a document must be able to reach to be wanted: at least ``threshold`` and the
    ``limit``-th best of ``scores`` (lower bounds of the documents' scores); with ``reach``
    (k, lift), the k-th best less ``lift`` when that is more. Scores under ``threshold`` change
    nothing: they are filtered out first, the heap sees the others only."""
    best = nlargest(limit, [score for score in scores if score >= threshold])
    found = best[limit - 1] if len(best) >= limit else 0.0
    if reach is not None and len(best) >= reach[0]:
        found = max(found, best[reach[0] - 1] - reach[1])
    return max(threshold, found)


def _add(scores: dict[int, float], read: Read) -> None:
    """Adds a clause's scores to ``scores`` (a read's docnums are distinct)."""
    for docnum, score in zip(read.docnums, read.scores, strict=True):
        scores[docnum] = scores.get(docnum, 0.0) + score
