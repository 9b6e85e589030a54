"""Posting lists as arrays: document numbers, weights (term frequencies), encoded values."""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import accumulate, compress, pairwise

from searcharc.whooshx import postings as w3


@dataclass(slots=True)
class Postings:
    """A term's postings: document numbers (in order), weights, values (positions; or none)."""

    docnums: array = field(default_factory=lambda: array("I"))
    weights: array = field(default_factory=lambda: array("f"))
    values: Sequence[bytes] = field(default_factory=list)

    def _at(self, docnum: int) -> int | None:
        i = bisect_left(self.docnums, docnum)
        return i if i < len(self.docnums) and self.docnums[i] == docnum else None

    def has(self, docnum: int) -> bool:
        return self._at(docnum) is not None

    def value(self, docnum: int) -> bytes | None:
        """The posting value of one document (its positions), None when it has no posting."""
        i = self._at(docnum)
        return self.values[i] if i is not None and i < len(self.values) else None


def size(postings: Postings) -> int:
    """About how many bytes the postings take in memory."""
    values = sum(map(len, postings.values)) + 40 * len(postings.values)
    return 8 * len(postings.docnums) + values + 200


def decoded(matcher, values_too: bool) -> Postings:
    """Every posting of a term in one segment (segment docnums)."""
    blocks = w3.read_blocks(matcher, values_too)
    return Postings(*blocks) if blocks is not None else one_by_one(matcher)


def one_by_one(matcher) -> Postings:
    """The postings of a matcher that cannot be read a block at a time (an inlined term)."""
    found = Postings()
    while matcher.is_active():
        found.docnums.append(matcher.id())
        found.weights.append(matcher.weight())
        found.values.append(matcher.value())
        matcher.next()
    return found


def live(postings: Postings, deleted: frozenset | set) -> Postings:
    """The postings of documents not deleted."""
    if not deleted:
        return postings
    alive = [docnum not in deleted for docnum in postings.docnums]
    return postings if all(alive) else selected(postings, alive)


def selected(postings: Postings, kept: list[bool]) -> Postings:
    """The postings where ``kept`` is true."""
    return Postings(
        array("I", compress(postings.docnums, kept)),
        array("f", compress(postings.weights, kept)),
        list(compress(postings.values, kept)) if postings.values else [],
    )


def of_block(block: Postings, docnums: list[int]) -> Postings:
    """The postings of a block that are of ``docnums`` (in order, within the block's range):
    each looked up by bisection when they are few, else each posting looked up in a set. The
    values are not read (``Picked``): only those of a few hits ever are."""
    ids = block.docnums
    if len(docnums) * 16 >= len(ids):
        wanted = set(docnums)
        found = [j for j, docnum in enumerate(ids) if docnum in wanted]
    else:
        at = (bisect_left(ids, docnum) for docnum in docnums)
        pairs = zip(at, docnums, strict=True)
        found = [j for j, docnum in pairs if j < len(ids) and ids[j] == docnum]
    return Postings(
        array("I", [ids[j] for j in found]),
        array("f", [block.weights[j] for j in found]),
        Picked(block.values, found) if block.values else [],
    )


class Picked(Sequence):
    """Some of a sequence's items (by index), each read from it when asked for."""

    __slots__ = ("indexes", "items")

    def __init__(self, items: Sequence, indexes: list[int]) -> None:
        self.items, self.indexes = items, indexes

    def __len__(self) -> int:
        return len(self.indexes)

    def __getitem__(self, i: int):
        return self.items[self.indexes[i]]


class Chained(Sequence):
    """Sequences end to end, each item read from its own when asked for."""

    __slots__ = ("parts", "starts")

    def __init__(self, parts: list[Sequence]) -> None:
        self.parts = parts
        self.starts = list(accumulate(map(len, parts), initial=0))

    def __len__(self) -> int:
        return self.starts[-1]

    def __getitem__(self, i: int):
        if not 0 <= i < self.starts[-1]:
            raise IndexError(i)
        k = bisect_right(self.starts, i) - 1
        return self.parts[k][i - self.starts[k]]


def blended(postings: list[Postings]) -> Postings:
    """Terms of one blend as one posting list: frequencies added by document (no values)."""
    present = [p for p in postings if p.docnums]
    if len(present) <= 1:
        return present[0] if present else Postings()
    frequency: dict[int, float] = {}
    for one in present:  # added in the terms' order, only where two meet
        more = dict(zip(one.docnums, one.weights, strict=True))
        for docnum in frequency.keys() & more.keys():
            more[docnum] = frequency[docnum] + more[docnum]
        frequency.update(more)
    docnums = sorted(frequency)  # weights stored as W3 stores them: 32-bit floats
    return Postings(array("I", docnums), array("f", [frequency[d] for d in docnums]))


def shifted(postings: Postings, offset: int) -> Postings:
    """The same postings with ``offset`` added to the docnums."""
    if not offset:
        return postings
    docnums = array("I", [docnum + offset for docnum in postings.docnums])
    return Postings(docnums, postings.weights, postings.values)


def joined(parts: list[Postings]) -> Postings:
    """One term's postings from its parts (segments, blocks), in docnum order."""
    if len(parts) == 1:
        return parts[0]
    if __debug__:
        bounds = [(part.docnums[0], part.docnums[-1]) for part in parts if part.docnums]
        assert all(a[1] < b[0] for a, b in pairwise(bounds)), "parts out of order"
    merged = Postings()
    for part in parts:
        merged.docnums.extend(part.docnums)
        merged.weights.extend(part.weights)
    if any(part.values for part in parts):
        merged.values = Chained([part.values for part in parts])
    return merged
