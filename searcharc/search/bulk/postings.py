"""Posting lists as numpy arrays: document numbers (uint32) and weights (float32)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

NO_DOCNUMS = np.zeros(0, np.uint32)
NO_WEIGHTS = np.zeros(0, np.float32)


@dataclass(slots=True)
class Postings:
    """A term's postings: document numbers (in order, uint32) and weights (float32)."""

    docnums: np.ndarray = field(default_factory=lambda: NO_DOCNUMS)
    weights: np.ndarray = field(default_factory=lambda: NO_WEIGHTS)


def size(postings: Postings) -> int:
    """About how many bytes the postings take in memory."""
    return postings.docnums.nbytes + postings.weights.nbytes + 200


def one_by_one(matcher, values: list | None = None) -> Postings:
    """The postings of a matcher that cannot be read a block at a time (an inlined term);
    their values appended to ``values`` when given."""
    docnums, weights = [], []
    while matcher.is_active():
        docnums.append(matcher.id())
        weights.append(matcher.weight())
        if values is not None:
            values.append(matcher.value())
        matcher.next()
    return Postings(np.array(docnums, np.uint32), np.array(weights, np.float32))


def live(postings: Postings, deleted: np.ndarray | None) -> Postings:
    """The postings of documents not ``deleted`` (a mask by segment docnum, or None)."""
    if deleted is None or not len(postings.docnums):
        return postings
    alive = ~deleted[postings.docnums]
    return postings if alive.all() else selected(postings, alive)


def selected(postings: Postings, kept: np.ndarray) -> Postings:
    """The postings where ``kept`` (a mask or indexes) says."""
    return Postings(postings.docnums[kept], postings.weights[kept])


def found_in(docnums: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each of ``wanted`` is in ``docnums`` (both in order), and whether it is there."""
    at = np.searchsorted(docnums, wanted)
    if not len(docnums):
        return at, np.zeros(len(wanted), bool)
    there = docnums[np.minimum(at, len(docnums) - 1)] == wanted
    return at, there


def distinct(docnums: np.ndarray) -> np.ndarray:
    """The distinct values, in order: ``np.unique`` without the import of ``numpy.ma`` it
    makes on first use (9 ms of a cold query)."""
    ordered = np.sort(docnums)
    keep = np.ones(len(ordered), bool)
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def blended(postings: list[Postings]) -> Postings:
    """Terms of one blend as one posting list: frequencies added by document, in the terms'
    order, stored as W3 stores weights (32-bit floats)."""
    present = [p for p in postings if len(p.docnums)]
    if len(present) <= 1:
        return present[0] if present else Postings()
    docnums = np.concatenate([p.docnums for p in present])
    weights = np.concatenate([p.weights for p in present]).astype(np.float64)
    union, where = np.unique(docnums, return_inverse=True)
    added = np.bincount(where, weights=weights, minlength=len(union))  # in the input's order
    return Postings(union.astype(np.uint32), added.astype(np.float32))


def joined(parts: list[Postings]) -> Postings:
    """One term's postings from its parts (segments, blocks), in docnum order."""
    if len(parts) == 1:
        return parts[0]
    merged = Postings(
        np.concatenate([p.docnums for p in parts]) if parts else NO_DOCNUMS,
        np.concatenate([p.weights for p in parts]) if parts else NO_WEIGHTS,
    )
    if __debug__:
        assert np.all(np.diff(merged.docnums.astype(np.int64)) > 0), "parts out of order"
    return merged
