"""searcharc's postings format (``searcharc.whooshx.codec``), a term at a time: blocks of 128
postings whose document gaps and frequencies are fixed-width little-endian arrays, each
block's values (positions) apart, and before them a skip directory of flat arrays read in
place from the memory map, every block with its CRC-32.

A term's postings, where its term info's extent says (all integers little-endian)::

    HEADER   magic, postings, blocks, flags, CRC-32 of the directory
    lasts    uint32[blocks]   each block's last docnum
    ends     uint32[blocks]   where its docs data ends (from the first block's start)
    highs    float32[blocks]  its highest weight
    crcs     uint32[blocks]   CRC-32 of its docs data
    vends    uint32[blocks]   where its values data ends (if the term has values)
    vcrcs    uint32[blocks]   CRC-32 of its values data (idem)
    shortest uint8[blocks]    its shortest field length (a W3 length byte)
    longest  uint8[blocks]    its longest
    docs     each block: a byte (gap width | frequency width << 4; frequency width 0:
             float32 weights), the gaps from the last docnum before (0 before the first),
             the frequencies
    values   each block: a byte (1: zlib), then variable values (a width byte, each
             value's length, the values end to end) or fixed-size ones end to end

A Frequency field's values (each frequency, a big-endian uint32) are not stored: they are
the weights (flag ``DERIVED``).
"""

from __future__ import annotations

import sys
import zlib
from array import array
from collections.abc import Sequence
from itertools import accumulate, chain, pairwise
from operator import sub
from struct import Struct

import numpy as np

MAGIC = b"SAK1"
HEADER = Struct("<4sIIBI")
ONE = Struct("<IIfIBB")  # the directory of a term of one block: its arrays of one
ONE_VALUES = Struct("<IIfIIIBB")  # the same with values
SIZE = 128  # postings a block
VALUES, FIXED, DERIVED = 1, 2, 4  # flags: values apart, variable or fixed-size; derived
LITTLE = sys.byteorder == "little"
CODES = {1: "B", 2: "H", 4: "I"}
NUMPY = {1: "<u1", 2: "<u2", 4: "<u4", 0: "<f4"}  # gap or frequency widths; 0: float32
COMPRESS_MIN = 40  # values data shorter than this is not compressed (see encode.COMPRESS_MIN)
LEVEL = 3  # W3's zlib level
MANY = 8  # blocks: fewer are decoded one by one (``Term.many``: its setup costs about 8 blocks)


class DamagedBlock(ValueError):
    """A block that does not decode or whose CRC-32 is not the one written (in ``file``)."""

    def __init__(self, message: str, file: str | None = None) -> None:
        super().__init__(f"{file or 'postings'}: {message}")
        self.file = file


def width(high: int) -> int:
    """The bytes an unsigned int up to ``high`` takes: 1, 2 or 4."""
    return 1 if high < 256 else 2 if high < 65536 else 4


def packed(numbers: Sequence[int], size: int) -> bytes:
    """``numbers`` as little-endian unsigned ints of ``size`` bytes, end to end."""
    found = array(CODES[size], numbers)
    if not LITTLE:
        found.byteswap()
    return found.tobytes()


def typed(data, code: str) -> Sequence:
    """Little-endian numbers of type ``code`` (an ``array`` code) in a buffer, in place."""
    view = memoryview(data).cast("B").cast(code)
    if LITTLE:
        return view
    found = array(code, view.tobytes())
    found.byteswap()
    return found


def frequencies(weights: Sequence[float]) -> array | None:
    """The weights as unsigned ints when they all are whole numbers that fit, else None."""
    if not all(map(float.is_integer, weights)) or min(weights) < 0 or max(weights) >= 1 << 32:
        return None
    return array("I", map(int, weights))


def uints(freqs: Sequence[int]) -> bytes:
    """Frequency's values end to end: big-endian uint32s."""
    found = array("I", freqs)
    if LITTLE:
        found.byteswap()
    return found.tobytes()


class Encoder:
    """A field's postings in this format, a term at a time (``term``, as ``encode.Blocks``):
    ``lengths`` is each document's length byte in the field (None: no lengths)."""

    def __init__(self, format_, lengths: bytes | None) -> None:
        self.fixedsize = format_.fixed_value_size()
        self.lengths = lengths

    def term(self, docnums: Sequence[int], weights: Sequence[float], values) -> tuple:
        """The term's postings bytes and its W3TermInfo statistics (without the extent)."""
        lengths = bytes(map(self.lengths.__getitem__, docnums)) if self.lengths else None
        return encoded(docnums, weights, values, self.fixedsize, lengths)


def encoded(docnums, weights, values, fixedsize: int | None, lengths: bytes | None) -> tuple:
    """A term's postings bytes and statistics (total weight, postings, shortest and longest
    length bytes, highest weight), ``lengths`` a length byte a posting."""
    freqs = frequencies(weights)
    flags = value_flags(fixedsize, freqs, values)
    if len(docnums) <= SIZE:
        return one_block(docnums, weights, values, fixedsize, lengths, freqs, flags)
    gaps = array("I", map(sub, docnums, chain((0,), docnums)))
    lasts, ends, highs, crcs, vends, vcrcs = (array(c) for c in "IIfIII")
    shortest, longest = bytearray(), bytearray()
    docs, vals = [], []
    for first in range(0, len(docnums), SIZE):
        last = min(first + SIZE, len(docnums))
        block = docs_block(gaps[first:last], freqs, weights, first, last)
        docs.append(block)
        lasts.append(docnums[last - 1])
        ends.append(ends[-1] + len(block) if ends else len(block))
        highs.append(max(weights[first:last]))
        crcs.append(zlib.crc32(block))
        shortest.append(min(lengths[first:last]) if lengths else 0)
        longest.append(max(lengths[first:last]) if lengths else 0)
        if flags & (VALUES | FIXED):
            data = values_block(values, fixedsize, first, last, flags)
            vals.append(data)
            vends.append(vends[-1] + len(data) if vends else len(data))
            vcrcs.append(zlib.crc32(data))
    arrays = [lasts, ends, highs, crcs, *([vends, vcrcs] if vals else [])]
    if not LITTLE:
        for one in arrays:
            one.byteswap()
    directory = b"".join(one.tobytes() for one in arrays) + shortest + longest
    head = HEADER.pack(MAGIC, len(docnums), len(lasts), flags, zlib.crc32(directory))
    data = b"".join([head, directory, *docs, *vals])
    low, high = (min(lengths), max(lengths)) if lengths else (0, 0)
    return data, (float(sum(weights)), len(docnums), low, high, max(0.0, max(weights)))


def one_block(docnums, weights, values, fixedsize, lengths, freqs, flags: int) -> tuple:
    """``encoded`` of a term of one block, its directory packed at once (arrays of one)."""
    if len(docnums) == 1 and freqs is not None:  # half the terms: no arrays at all
        gap, freq = docnums[0], freqs[0]
        size, fsize = width(gap), width(freq)
        block = bytes([size | fsize << 4]) + gap.to_bytes(size, "little")
        block += freq.to_bytes(fsize, "little")
    else:
        gaps = [docnums[0], *map(sub, docnums[1:], docnums[:-1])]
        block = docs_block(gaps, freqs, weights, 0, len(docnums))
    low, high = (min(lengths), max(lengths)) if lengths else (0, 0)
    top = max(weights)
    if flags & (VALUES | FIXED):
        vals = values_block(values, fixedsize, 0, len(docnums), flags)
        crcs = (zlib.crc32(block), len(vals), zlib.crc32(vals))
        directory = ONE_VALUES.pack(docnums[-1], len(block), top, *crcs, low, high)
    else:
        vals = b""
        directory = ONE.pack(docnums[-1], len(block), top, zlib.crc32(block), low, high)
    head = HEADER.pack(MAGIC, len(docnums), 1, flags, zlib.crc32(directory))
    stats = (float(sum(weights)), len(docnums), low, high, max(0.0, top))
    return b"".join((head, directory, block, vals)), stats


def value_flags(fixedsize: int | None, freqs: array | None, values) -> int:
    """How a term's values are kept: none (fixed size 0), derived, fixed-size or variable."""
    if fixedsize == 0 or not values:
        return 0
    if fixedsize is None or fixedsize < 0:
        return VALUES
    if fixedsize == 4 and freqs is not None and bytes(values) == uints(freqs):
        return DERIVED
    return FIXED


def docs_block(gaps: array, freqs: array | None, weights, first: int, last: int) -> bytes:
    """One block's docs data: its widths, gaps and frequencies (or float32 weights)."""
    size = width(max(gaps))
    if freqs is None:
        floats = array("f", weights[first:last])
        if not LITTLE:
            floats.byteswap()
        return bytes([size]) + packed(gaps, size) + floats.tobytes()
    block = freqs[first:last]
    fsize = width(max(block))
    return bytes([size | fsize << 4]) + packed(gaps, size) + packed(block, fsize)


def values_block(values, fixedsize: int | None, first: int, last: int, flags: int) -> bytes:
    """One block's values data, compressed when that makes it shorter."""
    if flags & FIXED:
        payload = bytes(values[first * fixedsize : last * fixedsize])
    elif last - first == 1 and len(values[first]) < 256:  # one value: no arrays
        payload = b"\x01" + bytes([len(values[first])]) + values[first]
    else:
        block = values[first:last]
        sizes = list(map(len, block))
        size = width(max(sizes))
        payload = b"".join([bytes([size]), packed(sizes, size), *block])
    return stored(payload)


def stored(payload: bytes) -> bytes:
    """A values block's bytes: its payload, compressed when that makes it shorter."""
    if len(payload) >= COMPRESS_MIN:
        compressed = zlib.compress(payload, LEVEL)
        if len(compressed) < len(payload):
            return b"\x01" + compressed
    return b"\x00" + payload


def is_ours(data) -> bool:
    """Whether postings bytes (at least their first 4) are in this format."""
    return bytes(data[:4]) == MAGIC


class Term:
    """A term's postings in this format at ``offset`` in a postings file (anything with
    ``get(position, length)``: a ``MappedFile`` slices its memory map): its skip directory
    as flat arrays (``lasts``, ``highs``, ``shortest``, ...) cast on the directory's bytes,
    read at once, no block walked; each block read from the file given (the one of the reader
    at hand) when decoded, and checked against its CRC-32. ``DamagedBlock`` (naming
    ``file``) for anything that does not decode."""

    __slots__ = ("count", "docs", "file", "flags", "highs", "lasts", "longest", "shortest")
    __slots__ += ("crcs", "ends", "vcrcs", "vends", "vals")

    def __init__(self, postfile, offset: int, file: str | None = None) -> None:
        self.file = file
        try:
            head = postfile.get(offset, HEADER.size)
            magic, self.count, blocks, self.flags, crc = HEADER.unpack(head)
        except Exception as exc:
            raise DamagedBlock(f"no postings header at {offset}", file) from exc
        if magic != MAGIC:
            raise DamagedBlock(f"no postings header at {offset}", file)
        start = offset + HEADER.size
        fours = 6 if self.flags & (VALUES | FIXED) else 4
        directory = postfile.get(start, blocks * (4 * fours + 2))
        if zlib.crc32(directory) != crc or not 0 < blocks == -(-self.count // SIZE):
            raise DamagedBlock(f"the skip directory at {offset} does not match its CRC-32", file)
        arrays = [
            typed(directory[4 * blocks * i : 4 * blocks * (i + 1)], "I") for i in range(fours)
        ]
        self.lasts, self.ends, _, self.crcs = arrays[:4]
        self.vends, self.vcrcs = arrays[4:] or ((), ())
        self.highs = typed(directory[8 * blocks : 12 * blocks], "f")
        self.shortest = directory[4 * blocks * fours : (4 * fours + 1) * blocks]
        self.longest = directory[(4 * fours + 1) * blocks :]
        self.docs = start + len(directory)
        self.vals = self.docs + self.ends[-1]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Term) and all(
            getattr(self, name) == getattr(other, name) for name in self.__slots__
        )

    __hash__ = None  # type: ignore[assignment]

    def size(self, k: int) -> int:
        """The number of postings in block ``k``."""
        return SIZE if k < len(self.lasts) - 1 else self.count - SIZE * k

    def _data(self, postfile, k: int, base: int, ends, crcs) -> bytes:
        start = base + (ends[k - 1] if k else 0)
        data = postfile.get(start, base + ends[k] - start)
        if zlib.crc32(data) != crcs[k]:
            raise DamagedBlock(f"block {k} at {start} does not match its CRC-32", self.file)
        return data

    def block(self, postfile, k: int) -> tuple[array, array]:
        """Block ``k``'s docnums and weights, as ``array``s (Whoosh's matcher reads them)."""
        docnums, weights = self.arrays(postfile, k)
        return array("I", docnums.tobytes()), array("f", weights.tobytes())

    def arrays(self, postfile, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Block ``k``'s docnums (uint32) and weights (float32), decoded by numpy."""
        data, n = self._data(postfile, k, self.docs, self.ends, self.crcs), self.size(k)
        try:
            return self._decoded(data, n, self.lasts[k - 1] if k else 0, self.lasts[k])
        except DamagedBlock:
            raise
        except Exception as exc:
            raise DamagedBlock(f"block {k} does not decode: {exc}", self.file) from exc

    def _decoded(self, data, n: int, base: int, last: int) -> tuple[np.ndarray, np.ndarray]:
        size, fsize = data[0] & 15, data[0] >> 4
        if len(data) != 1 + n * size + n * (fsize or 4):
            raise ValueError(f"{len(data)} bytes")
        gaps = np.frombuffer(data, NUMPY[size], n, 1)
        ids = np.cumsum(gaps, dtype=np.uint32)
        ids += base
        if ids[-1] != last:
            raise ValueError(f"last docnum {ids[-1]}, {last} in the directory")
        weights = np.frombuffer(data, NUMPY[fsize or 0], n, 1 + n * size)
        return ids, weights.astype(np.float32)

    def many(self, postfile, ks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The docnums (uint32) and weights (float32) of blocks ``ks`` (in order), end to end:
        read at once, each block checked against its CRC-32, all decoded together by numpy
        (a loop a block for the CRC-32s only)."""
        if len(ks) < MANY:
            parts = [self.arrays(postfile, k) for k in ks.tolist()]
            if len(parts) <= 1:
                return parts[0] if parts else (np.zeros(0, np.uint32), np.zeros(0, np.float32))
            return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
        ends = np.frombuffer(self.ends, np.uint32).astype(np.int64)
        starts = np.concatenate(([0], ends[:-1]))[ks]
        stops = ends[ks]
        first = int(starts[0])
        data = postfile.get(self.docs + first, int(stops[-1]) - first)
        starts, stops = starts - first, stops - first
        with memoryview(data) as view:
            for k, a, b in zip(ks.tolist(), starts.tolist(), stops.tolist(), strict=True):
                if zlib.crc32(view[a:b]) != self.crcs[k]:
                    at = self.docs + first + a
                    raise DamagedBlock(f"block {k} at {at} does not match its CRC-32", self.file)
        try:
            return self._many(data, ks, starts, stops)
        except Exception as exc:
            raise DamagedBlock(f"blocks {ks[0]}-{ks[-1]} do not decode: {exc}", self.file) from exc

    def _many(self, data: bytes, ks: np.ndarray, starts: np.ndarray, stops: np.ndarray):
        """Decoded together: the full blocks that share a width byte as the rows of one array
        (their bytes gathered, viewed as gaps and frequencies); a last, shorter one alone."""
        buf = np.frombuffer(data, np.uint8)
        heads = buf[starts]
        lasts = np.frombuffer(self.lasts, np.uint32)
        counts = np.full(len(ks), SIZE)
        counts[ks == len(lasts) - 1] = self.count - SIZE * (len(lasts) - 1)
        firsts = np.cumsum(counts) - counts  # where each block's postings go
        docnums, weights = (
            np.empty(int(counts.sum()), np.uint32),
            np.empty(int(counts.sum()), np.float32),
        )
        bases = np.where(ks > 0, lasts[ks - 1], 0).astype(np.uint32)
        for head in np.flatnonzero(np.bincount(heads, minlength=256)).tolist():
            size, fsize = head & 15, head >> 4
            width = size + (fsize or 4)
            rows = np.flatnonzero((heads == head) & (counts == SIZE))
            if (stops[rows] - starts[rows] != 1 + SIZE * width).any():
                raise ValueError("a block's length")
            picked = buf[starts[rows][:, None] + np.arange(1, 1 + SIZE * width)]
            ids = np.cumsum(picked[:, : SIZE * size].view(NUMPY[size]), axis=1, dtype=np.uint32)
            ids += bases[rows][:, None]
            at = firsts[rows][:, None] + np.arange(SIZE)
            docnums[at] = ids
            weights[at] = picked[:, SIZE * size :].view(NUMPY[fsize or 0])
        short = np.flatnonzero(counts < SIZE)
        for row in short.tolist():  # the term's last block, when shorter
            a, b, k = int(starts[row]), int(stops[row]), int(ks[row])
            part = self._decoded(data[a:b], int(counts[row]), int(bases[row]), lasts[k])
            docnums[firsts[row] :], weights[firsts[row] :] = part
        if (docnums[firsts + counts - 1] != lasts[ks]).any():
            raise ValueError("a last docnum is not the directory's")
        return docnums, weights

    def values(self, postfile, k: int, fixedsize: int | None, weights=None) -> list:
        """Block ``k``'s values (each posting's bytes; None each for a format without);
        ``weights`` its weights, when already decoded (derived values)."""
        if not self.flags:
            return [None] * self.size(k) if fixedsize == 0 else [b""] * self.size(k)
        if self.flags & DERIVED:
            found = uints(array("I", map(int, weights or self.block(postfile, k)[1])))
            return [found[i : i + 4] for i in range(0, len(found), 4)]
        data = self._data(postfile, k, self.vals, self.vends, self.vcrcs)
        try:
            return self._values(data, self.size(k), fixedsize)
        except Exception as exc:
            raise DamagedBlock(f"values of block {k} do not decode: {exc}", self.file) from exc

    def _values(self, data, n: int, fixedsize: int | None) -> list[bytes]:
        payload = zlib.decompress(data[1:]) if data[0] else bytes(data[1:])
        if self.flags & FIXED:
            if len(payload) != n * fixedsize:
                raise ValueError(f"{len(payload)} bytes")
            return [payload[i : i + fixedsize] for i in range(0, len(payload), fixedsize)]
        size = payload[0]
        sizes = typed(payload[1 : 1 + n * size], CODES[size])
        starts = list(accumulate(sizes, initial=1 + n * size))
        if starts[-1] != len(payload):
            raise ValueError(f"{len(payload)} bytes, values to {starts[-1]}")
        return [payload[a:b] for a, b in pairwise(starts)]

    def verify(self, postfile) -> None:
        """Every block's docs and values data against its CRC-32 (``DamagedBlock`` at the
        first that differs)."""
        for k in range(len(self.lasts)):
            self._data(postfile, k, self.docs, self.ends, self.crcs)
            if self.flags & (VALUES | FIXED):
                self._data(postfile, k, self.vals, self.vends, self.vcrcs)
