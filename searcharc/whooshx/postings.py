"""Reading postings a block at a time instead of a posting at a time, in both formats a segment
may hold: searcharc's (``codec.SkipCodec``, ``blocks``) and W3's (Whoosh 2.7's codec, as
whoosh-reloaded 2.7.x writes it): block directories, block data, a term's whole postings,
each document's field length byte."""

from __future__ import annotations

import zlib
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO
from itertools import accumulate
from pickle import dumps, load, loads
from struct import Struct

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, WHOOSH3_HEADER_MAGIC, W3LeafMatcher, _lenfield
from whoosh.util.numeric import length_to_byte

from searcharc.whooshx.blocks import Term, is_ours
from searcharc.whooshx.codec import SkipMatcher, term_at

BLOCK_SIZE = Struct("!i")  # a postings block's size in bytes (pack_int), negative for the last


def length_bytes(perdoc, fieldname: str) -> bytes | None:
    """Each document's length in ``fieldname``, one byte a document as W3 stores it (see
    ``whoosh.util.numeric.byte_to_length``); None for a field without lengths (not scorable)."""
    column = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    if column is None:
        return None
    data = bytes(column._dbfile.get(column._basepos, column._count))
    return data + bytes(perdoc.doc_count_all() - len(data))


def field_lengths(reader, fieldname: str) -> bytes:
    """``length_bytes`` of one segment's reader, zeros for a field without lengths."""
    return length_bytes(reader._perdoc, fieldname) or bytes(reader.doc_count_all())


def leaf_matcher(reader, fieldname: str, btext: bytes, terminfo):
    """A term's postings in one segment from its term info (not looked up again), deleted
    documents not filtered out."""
    terms = reader._terms
    format_ = reader.schema[fieldname].format
    return terms._codec.postings_reader(terms._postfile, terminfo, format_, term=(fieldname, btext))


def is_blocked(matcher) -> bool:
    """Whether ``blocks`` and ``directory`` can read this matcher: one of
    searcharc's postings, or a W3 leaf matcher of document numbers."""
    return isinstance(matcher, SkipMatcher) or (
        isinstance(matcher, W3LeafMatcher) and not matcher._byteids
    )


def blocks(matcher) -> Iterator[tuple[int, float, int]]:
    """Each block of a leaf matcher (``is_blocked``), from its skip data alone (nothing
    decoded): its last docnum, its highest weight and its shortest field length byte. While
    a block is yielded the matcher stands on it."""
    if isinstance(matcher, SkipMatcher):
        while matcher.is_active():
            k = matcher._k
            yield matcher.postings.lasts[k], matcher.postings.highs[k], matcher.postings.shortest[k]
            matcher._go(k + 1)
        return
    while matcher.is_active():
        yield matcher._maxid, matcher._maxweight, length_to_byte(matcher._minlength)
        matcher._next_block()


@dataclass(frozen=True, slots=True)
class W3Blocks:
    """Where each W3 block's data lies in the postings file, and how to decode it."""

    starts: array  # where its data starts in the postings file
    ends: array  # and ends
    counts: array  # its number of postings
    compressions: array  # its zlib level (0: not compressed)


@dataclass(frozen=True, slots=True)
class Directory:
    """A term's blocks in one segment, the same flat arrays for both formats: each block's
    last docnum, highest weight, shortest field length byte (what bounds its score, for the
    statistics of the query at hand), and where its data lies (``source``: searcharc's
    ``blocks.Term``, read in place, or ``W3Blocks``, walked once). Kept, it finds the blocks
    that hold given documents and decodes them (``block_of``)."""

    lasts: np.ndarray  # uint32
    weights: np.ndarray  # float32
    lengths: np.ndarray  # uint8 length bytes (``byte_to_length``)
    source: Term | W3Blocks
    fixedsize: int | None  # the format's value size (``fixed_value_size``)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Directory)
            and all(
                np.array_equal(getattr(self, name), getattr(other, name))
                for name in ("lasts", "weights", "lengths")
            )
            and (self.source, self.fixedsize) == (other.source, other.fixedsize)
        )

    __hash__ = None  # type: ignore[assignment]

    def size(self) -> int:
        """About how many bytes it takes in memory."""
        return 41 * len(self.lasts) + 400


def term_directory(reader, fieldname: str, btext: bytes, info) -> Directory | None:
    """The ``Directory`` of a term in one segment from its term info, None for postings not in
    blocks (inlined): searcharc's read from the postings at once, W3's through a matcher."""
    if info.is_inlined():
        return None
    postfile, (offset, _) = reader._terms._postfile, info.extent()
    if not is_ours(postfile.get(offset, 4)):
        matcher = leaf_matcher(reader, fieldname, btext, info)
        return directory(matcher) if is_blocked(matcher) else None
    fixedsize = reader.schema[fieldname].format.fixed_value_size()
    return _ours(term_at(postfile, offset), fixedsize)


def _ours(term: Term, fixedsize: int | None) -> Directory:
    arrays = (term.lasts, term.highs, term.shortest)
    lasts, highs, shortest = (np.frombuffer(a, t) for a, t in zip(arrays, "IfB", strict=True))
    return Directory(lasts, highs, shortest, term, fixedsize)


def directory(matcher) -> Directory:
    """The ``Directory`` of a leaf matcher (``is_blocked``): searcharc's read in place; W3's
    block infos read once: from the postings file's memory map when it has one
    (``MappedFile``), in one pass over the term's bytes, else by the matcher, a seek and an
    unpickle from the file a block."""
    fixedsize = matcher.format.fixed_value_size()
    if isinstance(matcher, SkipMatcher):
        return _ours(matcher.postings, fixedsize)
    found = ([], [], [], W3Blocks(*map(array, "qqIB")))
    mapped = getattr(matcher._postfile, "_map", None)
    if mapped is not None:
        with memoryview(mapped) as view:
            _mapped_blocks(view, matcher._baseoffset, found)
    else:
        for last, weight, length in blocks(matcher):
            _add(found, last, weight, length, matcher._dataoffset, matcher._nextoffset)
            found[3].counts.append(matcher._blocklength)
            found[3].compressions.append(matcher._compression)
    lasts, weights, lengths, source = found
    typed = (np.array(lasts, np.uint32), np.array(weights, np.float32), np.array(lengths, np.uint8))
    return Directory(*typed, source, fixedsize)


def _add(found: tuple, last: int, weight: float, length: int, start: int, end: int) -> None:
    for column, value in zip(found[:3], (last, weight, length), strict=True):
        column.append(value)
    found[3].starts.append(start)
    found[3].ends.append(end)


def _mapped_blocks(view: memoryview, pos: int, found: tuple) -> None:
    """Each block's info from the mapped postings (``_goto``'s reading, without the file): an
    int size (negative for the last), the info pickled by ``dumps(info, 2)`` (the same bytes
    again from the same tuple: its length says where the data starts), then the data."""
    while True:
        (size,) = BLOCK_SIZE.unpack_from(view, pos)
        end = pos + 4 + abs(size)
        info = loads(view[pos + 4 : end])  # bytes after a pickle are ignored
        count, last, weight, compression, minlength, _ = info
        _add(found, last, weight, minlength, pos + 4 + len(dumps(info, 2)), end)
        found[3].counts.append(count)
        found[3].compressions.append(compression)
        if size < 0:
            return
        pos = end


def postings_file(reader):
    """A segment reader's postings file (what ``block_of`` and ``values_of`` read)."""
    return reader._terms._postfile


def block_of(postfile, directory: Directory, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The docnums (uint32) and weights (float32) of a ``directory``'s ``k``-th block in one
    segment, read from its postings file (``postings_file``)."""
    source = directory.source
    if isinstance(source, Term):
        return source.arrays(postfile, k)
    start = source.starts[k]
    data = postfile.get(start, source.ends[k] - start)
    docnums, weights, _ = _block_data(data, source.compressions[k], source.counts[k])
    return np.frombuffer(docnums, np.uint32), np.frombuffer(weights, np.float32)


def blocks_of(postfile, directory: Directory, ks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The docnums and weights of a ``directory``'s blocks ``ks`` (in order), end to end."""
    if isinstance(directory.source, Term):
        return directory.source.many(postfile, ks)
    parts = [block_of(postfile, directory, k) for k in ks.tolist()]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def values_of(postfile, directory: Directory, k: int) -> list:
    """The values (positions) of a ``directory``'s ``k``-th block in one segment."""
    source, fixedsize = directory.source, directory.fixedsize
    if isinstance(source, Term):
        return source.values(postfile, k, fixedsize)
    start = source.starts[k]
    data = postfile.get(start, source.ends[k] - start)
    return _decoded(data, source.compressions[k], source.counts[k], fixedsize, True)[2]


def _block_data(data: bytes, compression: int, count: int) -> tuple[array, array, object]:
    """A block's docnums and weights from its data bytes, decoded by C loops (``accumulate``,
    array repetition) where W3's ``_read_ids`` and ``_read_weights`` run a generator a
    posting; its values as W3 pickles them (a tuple, fixed-size values end to end, or None)."""
    ids, weights, values = loads(zlib.decompress(data) if compression else data)
    if weights is None or isinstance(weights, float):
        weights = array("f", [weights or 1.0]) * count
    return array("I", accumulate(ids)), array("f", weights), values


def _decoded(
    data: bytes, compression: int, count: int, fixedsize: int | None, values_too: bool
) -> tuple[array, array, list]:
    """A block's postings from its data bytes, as ``W3LeafMatcher`` reads them."""
    docnums, weights, values = _block_data(data, compression, count)
    if not values_too:
        values = []
    elif fixedsize is None or fixedsize < 0:
        values = list(values)
    elif fixedsize == 0:
        values = [None] * count
    else:
        values = [values[i : i + fixedsize] for i in range(0, len(values), fixedsize)]
    return docnums, weights, values


def field_terms(reader, fieldname: str) -> Iterator[tuple[bytes, object]]:
    """A field's terms in one segment (``SegmentReader``), in order, each with its term info:
    the term index read front to back, no term looked up by hash."""
    for (field, btext), info in reader._terms.items_from(fieldname, b""):
        if field != fieldname:
            return
        yield btext, info


def term_postings(reader, fieldname: str, info) -> tuple[array, array, list]:
    """All postings of a term in one segment from its term info (``field_terms``), deleted
    documents included (a merge maps them away): docnums, weights and values as ``TermRows``
    holds them, decoded from the term's bytes without a matcher."""
    fixedsize = reader.schema[fieldname].format.fixed_value_size()
    if info.is_inlined():  # kept in the term info by a codec that inlines (not W3's default)
        ids, weights, values = info.inlined_postings()
        values = [value or b"" for value in values]
        fixed = fixedsize is not None and fixedsize >= 0
        return array("I", ids), array("f", weights), b"".join(values) if fixed else values
    postfile, offset, length = _extent(reader, info)
    if is_ours(postfile.get(offset, 4)):
        return skip_postings(postfile, offset, fixedsize)
    return decoded_postings(postfile.get(offset, length), fixedsize)


def term_docnums(reader, fieldname: str, info) -> np.ndarray:
    """The documents of a term in one segment (uint32, in order, deleted ones included), its
    weights and values left unread where the format allows (searcharc's: every block checked
    and decoded at once)."""
    if not info.is_inlined():
        postfile, offset, _ = _extent(reader, info)
        if is_ours(postfile.get(offset, 4)):
            term = term_at(postfile, offset)
            return term.many(postfile, np.arange(len(term.lasts)))[0]
    return np.frombuffer(term_postings(reader, fieldname, info)[0], np.uint32)


def _extent(reader, info) -> tuple[object, int, int]:
    """Where a term's postings are: the segment's postings file, their offset and length."""
    offset, length = info.extent()
    if isinstance(length, tuple):  # W3TermInfo.from_bytes keeps unpack_int's tuple
        (length,) = length
    return reader._terms._postfile, offset, length


def skip_postings(postfile, offset: int, fixedsize: int | None) -> tuple[array, array, list]:
    """A term's postings in searcharc's format (``blocks``), every block checked, values as
    ``TermRows`` holds them."""
    term = term_at(postfile, offset)
    docnums, weights, values = array("I"), array("f"), []
    for k in range(len(term.lasts)):
        block_docnums, block_weights = term.block(postfile, k)
        docnums.extend(block_docnums)
        weights.extend(block_weights)
        if fixedsize != 0:
            values.extend(term.values(postfile, k, fixedsize, block_weights))
    fixed = fixedsize is not None and fixedsize >= 0
    return docnums, weights, b"".join(values) if fixed else values


def decoded_postings(data: bytes, fixedsize: int | None) -> tuple[array, array, list | bytes]:
    """A term's postings from its W3 postings bytes, blocks as ``W3LeafMatcher`` reads them
    (each an int size, negative for the last, a pickled info tuple, then the compressed or
    plain pickled ids, weights and values); values as ``TermRows`` holds them."""
    if data[:4] != WHOOSH3_HEADER_MAGIC:
        raise ValueError(f"not W3 postings: {bytes(data[:4])!r}")
    fixed = fixedsize is not None and fixedsize >= 0
    docnums, weights, values = array("I"), array("f"), bytearray() if fixed else []
    pos, last = 4, False
    while not last:
        (size,) = BLOCK_SIZE.unpack_from(data, pos)
        last, end = size < 0, pos + 4 + abs(size)
        stream = BytesIO(data[pos + 4 : end])
        count, _, _, compression, _, _ = load(stream)
        block_docnums, block_weights, block_values = _block_data(stream.read(), compression, count)
        docnums.extend(block_docnums)
        weights.extend(block_weights)
        values.extend(block_values or b"")
        pos = end
    return docnums, weights, bytes(values) if fixed else values
