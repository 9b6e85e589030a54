"""A field's postings in searcharc's format (``blocks``) written from flat arrays, a chunk of
terms at a time: every block's docs and values data placed by numpy (``Chunk``), where
``blocks.encoded`` takes a term and its postings at a time in Python; the heads and
directories of terms of one block (most terms) as structured arrays, those of longer terms a
term at a time. The same bytes and statistics as ``blocks.Encoder.term`` term by term
(tests/test_flat.py compares them)."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from searcharc.whooshx.blocks import DERIVED, HEADER, MAGIC, SIZE, VALUES, stored

CHUNK = 1 << 16  # postings encoded together
# A term's head: its HEADER, then its directory of one block (``blocks.ONE`` / ``ONE_VALUES``)
HEAD = [("magic", "S4"), ("count", "<u4"), ("blocks", "<u4"), ("flags", "u1"), ("crc", "<u4")]
ONE = [("last", "<u4"), ("end", "<u4"), ("high", "<f4"), ("bcrc", "<u4")]
ONE_VALUES = [*ONE, ("vend", "<u4"), ("vcrc", "<u4")]
LENGTHS = [("shortest", "u1"), ("longest", "u1")]
# W3TermInfo's statistics (``encode.STATS``), flags 0
STATS = np.dtype(
    [("flags", "u1"), ("weight", ">f4"), ("df", ">u4"), ("low", "u1"), ("high", "u1")]
    + [("top", ">f4"), ("first", ">u4"), ("last", ">u4")]
)
EXACT = 1 << 24  # frequencies from here on are not whole float32 weights: not flat


@dataclass(slots=True)
class FlatPostings:
    """A field's postings, terms in order (``terms``, each UTF-8), the ``n``-th term's
    postings ``bounds[n]:bounds[n + 1]`` in docnum order; weights are the frequencies times
    ``boost``. A Positions field's values: the ``p``-th posting's ``sizes[p]`` bytes from
    ``begins[p]`` in ``blob``; a Frequency field's (``sizes`` None) are its frequencies
    (big-endian uint32s, fixed size 4). Iterated: ``encode.TermRows``, a term at a time."""

    terms: list[bytes]
    bounds: np.ndarray  # int64, len(terms) + 1
    docnums: np.ndarray  # uint32
    freqs: np.ndarray  # uint32
    sizes: np.ndarray | None = None  # uint32
    begins: np.ndarray | None = None  # uint32 or uint64
    blob: bytes = b""
    boost: float = 1.0  # the field's: weights are the frequencies times it

    def values(self, start: int, stop: int):
        """The values of postings ``start:stop`` as ``TermRows`` holds them."""
        if self.sizes is None:
            return self.freqs[start:stop].astype(">u4").tobytes()
        blob = self.blob
        found = zip(self.begins[start:stop].tolist(), self.sizes[start:stop].tolist(), strict=True)
        return [blob[a : a + n] for a, n in found]

    def is_flat(self) -> bool:
        """Whether ``field_postings`` can write them: weights that are whole float32s."""
        return self.boost == 1 and (not len(self.freqs) or int(self.freqs.max()) < EXACT)

    def __iter__(self) -> Iterator[tuple]:
        bounds = self.bounds.tolist()
        for term, start, stop in zip(self.terms, bounds, bounds[1:], strict=False):
            docs = self.docnums[start:stop].tolist()
            freqs = self.freqs[start:stop]
            weights = (freqs if self.boost == 1 else freqs * self.boost).astype(np.float32)
            yield term, docs, weights.tolist(), self.values(start, stop)


def field_postings(postings: FlatPostings, lengths: bytes | None, chunk: int = CHUNK):
    """Each term's bytes, postings bytes and statistics (``encode.STATS``), as
    ``encode.encode_terms`` gives them through ``blocks.Encoder``: terms of about ``chunk``
    postings at a time."""
    bounds = postings.bounds
    lens = np.frombuffer(lengths, np.uint8) if lengths else None
    start = 0
    while start < len(postings.terms):
        stop = int(np.searchsorted(bounds, bounds[start] + chunk, "right")) - 1
        stop = max(stop, start + 1)
        found = Chunk(postings, lens, start, stop)
        yield from zip(postings.terms[start:stop], found.datas(), found.stats(), strict=True)
        start = stop


def _width(high: np.ndarray) -> np.ndarray:
    """``blocks.width`` of each: 1, 2 or 4."""
    return np.where(high < 256, 1, np.where(high < 65536, 2, 4)).astype(np.int64)


def _put(out: np.ndarray, at: np.ndarray, numbers: np.ndarray, sizes: np.ndarray) -> None:
    """Each number little-endian in ``sizes`` bytes (1, 2 or 4) at ``at`` in ``out``."""
    numbers = numbers.astype(np.uint32)
    for k in range(4):
        wide = sizes > k
        out[at[wide] + k] = (numbers[wide] >> np.uint32(8 * k)) & np.uint32(255)


def _spread(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For every item of groups of ``counts`` items, end to end: its group, its place in it."""
    rows = np.repeat(np.arange(len(counts)), counts)
    return rows, np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)


def _cut(data: bytes, ends: np.ndarray) -> list[bytes]:
    """``data`` cut at ``ends``."""
    return [data[a:b] for a, b in zip([0, *ends[:-1].tolist()], ends.tolist(), strict=True)]


class Chunk:
    """Terms ``first:last`` of a field's flat postings cut into blocks of ``SIZE`` postings
    (the last of a term shorter), each block's docs data and values data encoded at once."""

    def __init__(self, postings: FlatPostings, lens, first: int, last: int) -> None:
        bounds = postings.bounds[first : last + 1]
        self.start, self.stop = int(bounds[0]), int(bounds[-1])
        self.counts = np.diff(bounds)
        self.firsts = bounds[:-1] - self.start  # each term's first posting
        self.docnums = postings.docnums[self.start : self.stop].astype(np.int64)
        self.freqs = postings.freqs[self.start : self.stop]
        self.nblocks = -(-self.counts // SIZE)
        self.block0 = np.cumsum(self.nblocks) - self.nblocks  # each term's first block
        self.sizes = np.full(int(self.nblocks.sum()), SIZE)
        self.sizes[self.block0 + self.nblocks - 1] = self.counts - SIZE * (self.nblocks - 1)
        self.bfirsts = np.cumsum(self.sizes) - self.sizes  # each block's first posting
        self.lasts = self.docnums[self.bfirsts + self.sizes - 1]
        self.highs = np.maximum.reduceat(self.freqs, self.bfirsts).astype(np.float32)
        if lens is not None:
            self.shortest = np.minimum.reduceat(lens[self.docnums], self.bfirsts)
            self.longest = np.maximum.reduceat(lens[self.docnums], self.bfirsts)
        else:
            self.shortest = self.longest = np.zeros(len(self.sizes), np.uint8)
        self.ends, self.docs = self._docs()
        self.vals = self._values(postings) if postings.sizes is not None else None

    def _docs(self) -> tuple[np.ndarray, list]:
        """Each block's docs data (``blocks.docs_block``) and where it ends."""
        gaps = self.docnums.copy()
        gaps[1:] -= self.docnums[:-1]
        gaps[self.firsts] = self.docnums[self.firsts]  # a term's first: from 0
        n, firsts = self.sizes, self.bfirsts
        size = _width(np.maximum.reduceat(gaps, firsts))
        fsize = _width(np.maximum.reduceat(self.freqs, firsts))
        ends = np.cumsum(1 + n * (size + fsize))
        begins = ends - (1 + n * (size + fsize))
        out = np.zeros(int(ends[-1]), np.uint8)
        out[begins] = size | fsize << 4
        rows, within = _spread(n)
        _put(out, begins[rows] + 1 + within * size[rows], gaps, size[rows])
        at = begins[rows] + 1 + n[rows] * size[rows] + within * fsize[rows]
        _put(out, at, self.freqs, fsize[rows])
        return ends, _cut(out.tobytes(), ends)

    def _values(self, postings: FlatPostings) -> list[bytes]:
        """Each block's values data (``blocks.values_block``: variable values)."""
        sizes = postings.sizes[self.start : self.stop].astype(np.int64)
        n, firsts = self.sizes, self.bfirsts
        vsize = _width(np.maximum.reduceat(sizes, firsts))
        total = np.add.reduceat(sizes, firsts)
        ends = np.cumsum(1 + n * vsize + total)
        begins = ends - (1 + n * vsize + total)
        out = np.zeros(int(ends[-1]), np.uint8)
        out[begins] = vsize
        rows, within = _spread(n)
        _put(out, begins[rows] + 1 + within * vsize[rows], sizes, vsize[rows])
        before = np.cumsum(sizes) - sizes - np.repeat(np.cumsum(total) - total, n)
        dest = begins[rows] + 1 + n[rows] * vsize[rows] + before  # each value's
        source = postings.begins[self.start : self.stop].astype(np.int64)
        value, offsets = _spread(sizes)
        blob = np.frombuffer(postings.blob, np.uint8)
        out[dest[value] + offsets] = blob[source[value] + offsets]
        return list(map(stored, _cut(out.tobytes(), ends)))

    def datas(self) -> list[bytes]:
        """Each term's postings bytes."""
        found = [b""] * len(self.counts)
        ones = np.flatnonzero(self.nblocks == 1)
        for term, data in zip(ones.tolist(), self._ones(self.block0[ones]), strict=True):
            found[term] = data
        for term in np.flatnonzero(self.nblocks > 1).tolist():
            found[term] = self._many(term)
        return found

    def _ones(self, blocks: np.ndarray) -> list[bytes]:
        """The postings bytes of terms of one block each (``blocks``)."""
        vals = self.vals
        directory = np.zeros(len(blocks), ONE + LENGTHS if vals is None else ONE_VALUES + LENGTHS)
        directory["last"], directory["high"] = self.lasts[blocks], self.highs[blocks]
        directory["end"] = np.diff(self.ends, prepend=0)[blocks]
        directory["bcrc"] = [zlib.crc32(self.docs[b]) for b in blocks.tolist()]
        if vals is not None:
            directory["vend"] = [len(vals[b]) for b in blocks.tolist()]
            directory["vcrc"] = [zlib.crc32(vals[b]) for b in blocks.tolist()]
        directory["shortest"], directory["longest"] = self.shortest[blocks], self.longest[blocks]
        head = np.zeros(len(blocks), HEAD)
        head["magic"], head["count"], head["blocks"] = MAGIC, self.sizes[blocks], 1
        head["flags"] = DERIVED if vals is None else VALUES
        head["crc"] = list(map(zlib.crc32, _rows(directory)))
        heads = _rows(np.concatenate([_matrix(head), _matrix(directory)], axis=1))
        docs = [self.docs[b] for b in blocks.tolist()]
        if vals is None:
            return list(map(bytes.__add__, heads, docs))
        values = [vals[b] for b in blocks.tolist()]
        return [b"".join(part) for part in zip(heads, docs, values, strict=True)]

    def _many(self, term: int) -> bytes:
        """The postings bytes of a term of several blocks."""
        first = int(self.block0[term])
        last = first + int(self.nblocks[term])
        docs = self.docs[first:last]
        vals = self.vals[first:last] if self.vals is not None else []
        arrays = [self.lasts[first:last], np.cumsum(list(map(len, docs)))]
        arrays += [self.highs[first:last], np.array(list(map(zlib.crc32, docs)))]
        if vals:
            arrays += [np.cumsum(list(map(len, vals))), np.array(list(map(zlib.crc32, vals)))]
        directory = b"".join(
            [
                *(
                    one.astype("<u4" if one.dtype != np.float32 else "<f4").tobytes()
                    for one in arrays
                ),
                self.shortest[first:last].tobytes(),
                self.longest[first:last].tobytes(),
            ]
        )
        flags = VALUES if vals else DERIVED
        head = HEADER.pack(
            MAGIC, int(self.counts[term]), last - first, flags, zlib.crc32(directory)
        )
        return b"".join([head, directory, *docs, *vals])

    def stats(self) -> list[bytes]:
        """Each term's ``STATS``."""
        found = np.zeros(len(self.counts), STATS)
        weights = np.add.reduceat(self.freqs.astype(np.int64), self.firsts)
        found["weight"], found["df"] = weights.astype(np.float64), self.counts
        found["low"] = np.minimum.reduceat(self.shortest, self.block0)
        found["high"] = np.maximum.reduceat(self.longest, self.block0)
        found["top"] = np.maximum.reduceat(self.highs, self.block0)
        found["first"] = self.docnums[self.firsts]
        found["last"] = self.docnums[self.firsts + self.counts - 1]
        return _rows(found)


def _matrix(records: np.ndarray) -> np.ndarray:
    """Structured records as the rows of a byte matrix."""
    return records.view(np.uint8).reshape(len(records), records.itemsize)


def _rows(records: np.ndarray) -> list[bytes]:
    """Each record (or each row of a byte matrix) as bytes."""
    data = records.tobytes()
    width = records.shape[1] if records.ndim == 2 else records.itemsize
    return [data[i : i + width] for i in range(0, len(data), width)]
