"""Writing postings and W3 term infos (Whoosh 2.7's codec, as whoosh-reloaded 2.7.x reads
them) from whole arrays: what the field writer writes, a chunk at a time; the postings in
searcharc's format (``blocks``) for a segment of its codec (``codec.SkipCodec``), else W3's."""

from __future__ import annotations

import zlib
from array import array
from collections.abc import Iterable, Iterator, Sequence
from hashlib import md5
from operator import sub
from pickle import dumps
from struct import Struct

from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC
from whoosh.filedb.filetables import _lengths as _LENGTHS
from whoosh.system import pack_int, pack_ushort

from searcharc.whooshx.blocks import Encoder
from searcharc.whooshx.codec import SkipCodec
from searcharc.whooshx.flat import FlatPostings, field_postings


def length_totals(perdocwriter) -> dict[str, int]:
    """The running total of each field's lengths in the segment a W3 per-document writer is
    writing (the dict itself: what the segment stores for BM25's average length)."""
    return perdocwriter._fieldlengths


STATS = Struct("!BfIBBfII")  # W3TermInfo's statistics (flags 0: postings not inlined)
EXTENT = Struct("!qi")  # then its postings' offset and length (pack_long, pack_int)
# Block data pickles shorter than this are written uncompressed (the block info says so): on
# a day of SaudiNewsNet, zlib makes the 120k pickles under 40 bytes longer (and costs ~12 us a
# call); from 40 bytes on it saves. Postings: 21.56 MB all compressed, 20.75 MB from 40 bytes,
# 20.83 MB from 60, 39.90 MB never. Whoosh means to skip compression under 20 bytes (a bug in
# _write_block compresses them anyway).
COMPRESS_MIN = 40
# Whoosh pickles block data with protocol 2, which spells each bytes value as a call to
# _codecs.encode: 61 bytes for a one-posting block that protocol 3 (Python 3's bytes opcodes,
# no framing) writes in 21, 6x faster. Readers unpickle any protocol. Block infos hold only
# numbers and stay in protocol 2 (as small as 3, smaller than 4).
DATA_PICKLE = 3
CHUNK = 1 << 20  # bytes gathered before a write to the postings and terms files

# One term's postings: its bytes, docnums, weights and values (the non-empty ones, end to end
# for a fixed-size format, else one bytes a posting)
TermRows = tuple[bytes, array, array, "Sequence[bytes] | bytes"]


class Gathered:
    """Bytes bound for a file, written a chunk at a time; ``add`` tells where they start."""

    def __init__(self, dbfile) -> None:
        self.dbfile = dbfile
        self.parts: list[bytes] = []
        self.start = self.end = dbfile.tell()

    def add(self, data: bytes) -> int:
        pos = self.end
        self.parts.append(data)
        self.end += len(data)
        if self.end - self.start >= CHUNK:
            self.flush()
        return pos

    def flush(self) -> None:
        self.dbfile.write(b"".join(self.parts))
        self.parts.clear()
        self.start = self.end


class TermIndex:
    """Rows of a field in W3's term index as ``OrderedHashWriter.add`` writes them, keys in
    order (between the field writer's ``start_field`` and ``finish_field``)."""

    def __init__(self, fieldwriter) -> None:
        tindex = fieldwriter._tindex
        assert tindex.hashtype == 0, "W3 term indexes hash keys with md5"
        self.tindex = tindex
        self.out = Gathered(tindex.dbfile)
        self.prefix = pack_ushort(fieldwriter._fieldid)
        self.buckets = tindex.buckets
        self.positions = tindex.index

    def add(self, btext: bytes, stats: bytes, start: int, length: int) -> None:
        """A term's row: its statistics (``STATS``) and where its postings are."""
        key = self.prefix + btext
        value = stats + EXTENT.pack(start, length)
        pos = self.out.add(_LENGTHS.pack(len(key), len(value)) + key + value)
        self.positions.append(pos)
        h = int.from_bytes(md5(key, usedforsecurity=False).digest()[-4:], "big")
        self.buckets[h & 255].append((h, pos))
        self.tindex.lastkey = key

    def flush(self) -> None:
        self.out.flush()


class Blocks:
    """Postings cut into W3 blocks, as ``W3PostingsWriter._write_block`` writes them."""

    def __init__(self, codec, format_, lengths: bytes | None) -> None:
        assert codec._inlinelimit <= 1, "inlined postings are not written by searcharc"
        self.size = codec._blocklimit
        self.compression = codec._compression
        self.fixedsize = format_.fixed_value_size()
        self.lengths = lengths

    def term(self, docnums: array, weights: array, values: Sequence[bytes] | bytes) -> tuple:
        """The term's postings bytes and its W3TermInfo statistics (without the extent)."""
        if len(docnums) <= self.size:
            block, weight, maxweight, minlen, maxlen = self.block(docnums, weights, values, True)
            return WHOOSH3_HEADER_MAGIC + block, (weight, len(docnums), minlen, maxlen, maxweight)
        out, weight, maxweight, minlen, maxlen = [WHOOSH3_HEADER_MAGIC], 0.0, 0, 255, 0
        step = self.size
        width = self.fixedsize if self.fixedsize and self.fixedsize > 0 else 1
        for first in range(0, len(docnums), step):
            last = first + step
            block, w, mw, low, high = self.block(
                docnums[first:last],
                weights[first:last],
                values[first * width : last * width],
                last >= len(docnums),
            )
            out.append(block)
            weight += w
            maxweight, minlen, maxlen = max(maxweight, mw), min(minlen, low), max(maxlen, high)
        return b"".join(out), (weight, len(docnums), minlen, maxlen, maxweight)

    def block(self, ids: array, weights: array, values, last: bool) -> tuple:
        """One block's bytes, weight, max weight and min and max length bytes."""
        high = max(weights)
        if self.lengths is None:
            minlen = maxlen = 0
        elif len(ids) == 1:
            minlen = maxlen = self.lengths[ids[0]]
        else:
            found = bytes(map(self.lengths.__getitem__, ids))
            minlen, maxlen = min(found), max(found)
        mini = (_mini_ids(ids), _mini_weights(weights, high), self._mini_values(values))
        data = dumps(mini, DATA_PICKLE)
        compression = self.compression if len(data) >= COMPRESS_MIN else 0
        if compression:
            data = zlib.compress(data, compression)
        maxweight = max(0, high)
        info = dumps((len(ids), ids[-1], maxweight, compression, minlen, maxlen), 2)
        size = len(info) + len(data)
        block = pack_int(-size if last else size) + info + data
        return block, sum(weights), maxweight, minlen, maxlen

    def _mini_values(self, values: Sequence[bytes] | bytes) -> object:
        """W3's ``_mini_values``: a tuple, None (no values) or fixed-size values end to end."""
        if self.fixedsize is None or self.fixedsize < 0:
            return tuple(values)
        return None if self.fixedsize == 0 else bytes(values)


def _mini_ids(ids: array) -> tuple[int, ...]:
    """W3's ``_mini_ids``: the docnums delta-encoded."""
    return (ids[0],) if len(ids) == 1 else (ids[0], *map(sub, ids[1:], ids[:-1]))


def _mini_weights(weights: array, high: float) -> float | tuple[float, ...] | None:
    """W3's ``_mini_weights``: None when all are 1, one number when all are equal."""
    if min(weights) != high:
        return tuple(weights)
    return None if high == 1.0 else weights[0]


def encode_terms(blocks: Blocks, terms: Iterable[TermRows]) -> Iterator[tuple[bytes, bytes, bytes]]:
    """Each term's bytes, postings bytes and statistics (``STATS``); flat postings in
    searcharc's format encoded a chunk of terms at a time (``flat.field_postings``)."""
    if isinstance(terms, FlatPostings) and isinstance(blocks, Encoder) and terms.is_flat():
        return field_postings(terms, blocks.lengths)
    return _one_by_one(blocks, terms)


def _one_by_one(blocks: Blocks, terms: Iterable[TermRows]) -> Iterator[tuple[bytes, bytes, bytes]]:
    for btext, docnums, weights, values in terms:
        data, stats = blocks.term(docnums, weights, values)
        yield btext, data, STATS.pack(0, *stats, docnums[0], docnums[-1])


def postings_file(fieldwriter):
    """The postings file a W3 field writer writes to."""
    return fieldwriter._postfile


def field_blocks(fieldwriter, format_, lengths: bytes | None) -> Blocks | Encoder:
    """What encodes a field's postings for a field writer: searcharc's postings
    (``blocks.Encoder``) for its codec's, else ``Blocks`` with the block size and compression
    of the W3 codec."""
    if isinstance(fieldwriter._codec, SkipCodec):
        return Encoder(format_, lengths)
    return Blocks(fieldwriter._codec, format_, lengths)


def write_terms(fieldwriter, terms: Iterable[TermRows], lengths: bytes | None) -> None:
    """A field's terms (in order), their postings and term infos: the postings W3's field
    writer writes for them, from whole arrays, between its ``start_field`` and
    ``finish_field``. ``lengths`` is ``length_bytes`` of the field, or None when it has none."""
    blocks = field_blocks(fieldwriter, fieldwriter._format, lengths)
    posts = Gathered(fieldwriter._postfile)
    index = TermIndex(fieldwriter)
    for btext, data, stats in encode_terms(blocks, terms):
        index.add(btext, stats, posts.add(data), len(data))
    posts.flush()
    index.flush()
