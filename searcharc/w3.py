"""The few internals of Whoosh's W3 codec (Whoosh 2.7) that searcharc reads and writes a block
at a time instead of a posting at a time. Everything that touches them is here."""

from __future__ import annotations

import zlib
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate
from operator import sub
from pickle import dumps

from whoosh.codec.whoosh3 import (
    LENGTHS_COLUMN,
    WHOOSH3_HEADER_MAGIC,
    W3LeafMatcher,
    W3TermInfo,
    _lenfield,
)
from whoosh.system import pack_int, pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte


def length_bytes(perdoc, fieldname: str) -> bytes | None:
    """Each document's length in ``fieldname``, one byte a document as W3 stores it (see
    ``whoosh.util.numeric.byte_to_length``); None for a field without lengths (not scorable)."""
    column = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    if column is None:
        return None
    data = bytes(column._dbfile.get(column._basepos, column._count))
    return data + bytes(perdoc.doc_count_all() - len(data))


def read_blocks(matcher) -> tuple[array, array, list[bytes]] | None:
    """All postings of a W3 leaf matcher, a block at a time: docnums, weights, values.

    The docnums and weights are decoded by C loops (``accumulate``, array repetition) where
    W3's own ``_read_ids`` and ``_read_weights`` run a generator a posting. None for another
    kind of matcher (the caller reads it a posting at a time).
    """
    if not isinstance(matcher, W3LeafMatcher) or matcher._byteids:
        return None
    docnums, weights, values = array("I"), array("f"), []
    while matcher.is_active():
        matcher._read_data()
        ids, block_weights, _ = matcher._data
        docnums.extend(accumulate(ids))
        if block_weights is None or isinstance(block_weights, float):
            weights.extend(array("f", [block_weights or 1.0]) * len(ids))
        else:
            weights.extend(block_weights)
        matcher._read_values()
        values.extend(matcher._values)
        matcher._next_block()
    return docnums, weights, values


def _mini_ids(ids: array) -> tuple[int, ...]:
    """W3's ``_mini_ids``: the docnums delta-encoded."""
    return (ids[0], *map(sub, ids[1:], ids[:-1]))


def _mini_weights(weights: array) -> float | tuple[float, ...] | None:
    """W3's ``_mini_weights``: None when all are 1, one number when all are equal."""
    if weights.count(1.0) == len(weights):
        return None
    return weights[0] if weights.count(weights[0]) == len(weights) else tuple(weights)


def _mini_values(values: Sequence[bytes], fixedsize: int | None) -> object:
    """W3's ``_mini_values``: a tuple, None (no values) or fixed-size values end to end."""
    if fixedsize is None or fixedsize < 0:
        return tuple(values)
    return None if fixedsize == 0 else b"".join(values)


@dataclass(slots=True)
class _TermStats:
    """What W3's ``W3TermInfo.add_block`` accumulates over a term's blocks."""

    weight: float = 0.0
    df: int = 0
    minlength: int | None = None
    maxlength: int = 0
    maxweight: float = 0
    minid: int | None = None
    maxid: int = 0


def write_term(
    fieldwriter,
    btext: bytes,
    docnums: array,
    weights: array,
    values: Sequence[bytes],
    lengths: bytes | None,
) -> None:
    """One term's postings and term info, the bytes W3's field writer writes for them.

    Blocks of BLOCK postings as ``W3PostingsWriter._write_block`` makes them, but from whole
    arrays: no per-posting calls. ``values`` holds the non-empty posting values (W3 keeps no
    empty ones); ``lengths`` is ``length_bytes`` of the field, or None when it has none.
    """
    codec = fieldwriter._codec
    assert codec._inlinelimit <= 1, "inlined postings are not written by searcharc"
    fixedsize = fieldwriter._format.fixed_value_size()
    postfile = fieldwriter._postfile
    start = postfile.tell()
    out = [WHOOSH3_HEADER_MAGIC]
    stats = _TermStats()
    count = len(docnums)
    for first in range(0, count, codec._blocklimit):
        last = first + codec._blocklimit
        ids, block_weights = docnums[first:last], weights[first:last]
        maxweight = max(0, max(block_weights))
        minlength, maxlength = None, 0
        if lengths is not None:
            found = bytes(map(lengths.__getitem__, ids))
            minlength, maxlength = byte_to_length(min(found)), byte_to_length(max(found))
        stats.weight += sum(block_weights)
        stats.df += len(ids)
        stats.minlength = minlength if stats.minlength is None else min(stats.minlength, minlength)
        stats.maxlength = max(stats.maxlength, maxlength)
        stats.maxweight = max(stats.maxweight, maxweight)
        stats.minid = ids[0] if stats.minid is None else stats.minid
        stats.maxid = ids[-1]
        data = dumps(
            (
                _mini_ids(ids),
                _mini_weights(block_weights),
                _mini_values(values[first:last], fixedsize),
            ),
            2,
        )
        if codec._compression:
            data = zlib.compress(data, codec._compression)
        info = (len(ids), ids[-1], maxweight, codec._compression)
        info = dumps((*info, length_to_byte(minlength), length_to_byte(maxlength)), 2)
        size = len(info) + len(data)
        out += [pack_int(-size if last >= count else size), info, data]
    block = b"".join(out)
    postfile.write(block)
    terminfo = W3TermInfo(*(getattr(stats, name) for name in _TermStats.__slots__))
    terminfo.set_extent(start, len(block))
    fieldwriter._tindex.add(pack_ushort(fieldwriter._fieldid) + btext, terminfo.to_bytes())
