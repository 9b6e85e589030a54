"""The few internals of Whoosh's W3 codec (Whoosh 2.7) that searcharc reads and writes a block
at a time instead of a posting at a time. Everything that touches them is here."""

from __future__ import annotations

import zlib
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from hashlib import md5
from io import BytesIO
from itertools import accumulate
from operator import sub
from pickle import dumps, load, loads
from struct import Struct, calcsize
from weakref import WeakKeyDictionary

from whoosh.codec.whoosh3 import (
    LENGTHS_COLUMN,
    WHOOSH3_HEADER_MAGIC,
    W3LeafMatcher,
    W3PerDocReader,
    _lenfield,
)
from whoosh.filedb.filetables import _lengths as _LENGTHS
from whoosh.reading import TermNotFound
from whoosh.system import pack_int, pack_ushort
from whoosh.util.numeric import byte_to_length


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


class StoredColumn:
    """A segment's stored fields as W3 writes them (``STORED_COLUMN``: each document's fields
    pickled and zlib-compressed, end to end; then each one's length; then, above 32,768
    documents, each one's offset; then the arrays' type codes), read a document at a time.

    Whoosh's own reader of a column without offsets adds up every document's length in a
    Python loop before it reads one (about 2 ms for 30,000 documents, in each segment that
    holds a hit of a cold query); here the first document's offset is the sum of the lengths
    before it, added by C, and from the second on every offset is known (one C loop), as a
    sort by date reads thousands.
    """

    def __init__(self, perdoc) -> None:
        if "_stored" not in perdoc._colfiles:  # kept there: the reader closes it
            perdoc._colfiles["_stored"] = perdoc._get_column_file("_stored")
        self.file, self.base, length = perdoc._colfiles["_stored"]
        count = perdoc.doc_count_all()
        last = self.base + length - 1
        code = chr(self.file.get_byte(last))
        self.offsets: Sequence[int] | None = None
        self.summed = False  # an offset was added up from the lengths
        if code == "X":  # offsets stored
            code, offsets_code = (
                chr(self.file.get_byte(last - 2)),
                chr(self.file.get_byte(last - 1)),
            )
            last -= 2 + count * calcsize(offsets_code)
            self.offsets = self.file.get_array(last, offsets_code, count)
        self.lengths = self.file.get_array(last - count * calcsize(code), code, count)

    def __getitem__(self, docnum: int) -> dict:
        """The document's stored fields ({} for none), as ``W3PerDocReader.stored_fields``."""
        length = self.lengths[docnum]
        if not length:
            return {}
        data = zlib.decompress(self.file.get(self.base + self._offset(docnum), length))
        return loads(data) if data else {}

    def _offset(self, docnum: int) -> int:
        """Where the document's fields start in the column."""
        if self.offsets is None and not self.summed:
            self.summed = True
            return sum(memoryview(self.lengths)[:docnum])
        if self.offsets is None:
            self.offsets = list(accumulate(self.lengths, initial=0))
        return self.offsets[docnum]


_STORED: WeakKeyDictionary = WeakKeyDictionary()  # per-document reader → its StoredColumn


def stored_fields(reader, docnum: int) -> dict:
    """A document's stored fields in one segment's reader (``StoredColumn``; Whoosh's own
    ``stored_fields`` for a reader of another codec)."""
    perdoc = getattr(reader, "_perdoc", None)
    if type(perdoc) is not W3PerDocReader:
        return reader.stored_fields(docnum)
    if perdoc not in _STORED:
        _STORED[perdoc] = StoredColumn(perdoc)
    return _STORED[perdoc][docnum]


def leaf_matcher(reader, fieldname: str, btext: bytes, terminfo):
    """A term's postings in one segment from its term info (not looked up again), deleted
    documents not filtered out."""
    terms = reader._terms
    format_ = reader.schema[fieldname].format
    return terms._codec.postings_reader(terms._postfile, terminfo, format_, term=(fieldname, btext))


def is_blocked(matcher) -> bool:
    """Whether ``blocks`` and ``block_postings`` can read this matcher (a W3 leaf matcher of
    document numbers)."""
    return isinstance(matcher, W3LeafMatcher) and not matcher._byteids


def blocks(matcher) -> Iterator[tuple[int, float, float]]:
    """Each block of a W3 leaf matcher, from its block info alone (nothing decoded): its last
    docnum, its highest weight and its shortest field length (as ``byte_to_length`` gives it).
    While a block is yielded the matcher stands on it, for ``block_postings``."""
    while matcher.is_active():
        yield matcher._maxid, matcher._maxweight, matcher._minlength
        matcher._next_block()


@dataclass(frozen=True, slots=True)
class Directory:
    """A term's blocks in one segment, from their block infos (``blocks``) and where each
    one's data lies: kept, it finds the blocks that hold given documents, and decodes them
    (``block_of``), without reading a block info again."""

    lasts: array  # each block's last docnum
    weights: array  # its highest weight
    lengths: array  # its shortest field length
    starts: array  # where its data starts in the postings file
    ends: array  # and ends
    counts: array  # its number of postings
    compressions: array  # its zlib level (0: not compressed)
    fixedsize: int | None  # the format's value size (``fixed_value_size``)

    def size(self) -> int:
        """About how many bytes it takes in memory."""
        return 41 * len(self.lasts) + 400


def directory(matcher) -> Directory:
    """The ``Directory`` of a W3 leaf matcher (``is_blocked``), its block infos read once:
    from the postings file's memory map when it has one (``MappedFile``), in one pass over
    the term's bytes, else by the matcher, a seek and an unpickle from the file a block."""
    found = Directory(
        array("I"),
        array("d"),
        array("d"),
        array("q"),
        array("q"),
        array("I"),
        array("B"),
        matcher._fixedsize,
    )
    mapped = getattr(matcher._postfile, "_map", None)
    if mapped is not None:
        with memoryview(mapped) as view:
            _mapped_blocks(view, matcher._baseoffset, found)
        return found
    for last, weight, length in blocks(matcher):
        found.lasts.append(last)
        found.weights.append(weight)
        found.lengths.append(length)
        found.starts.append(matcher._dataoffset)
        found.ends.append(matcher._nextoffset)
        found.counts.append(matcher._blocklength)
        found.compressions.append(matcher._compression)
    return found


def _mapped_blocks(view: memoryview, pos: int, found: Directory) -> None:
    """Each block's info from the mapped postings (``_goto``'s reading, without the file): an
    int size (negative for the last), the info pickled by ``dumps(info, 2)`` (the same bytes
    again from the same tuple: its length says where the data starts), then the data."""
    while True:
        (size,) = BLOCK_SIZE.unpack_from(view, pos)
        end = pos + 4 + abs(size)
        info = loads(view[pos + 4 : end])  # bytes after a pickle are ignored
        count, last, weight, compression, minlength, _ = info
        found.lasts.append(last)
        found.weights.append(weight)
        found.lengths.append(byte_to_length(minlength))
        found.starts.append(pos + 4 + len(dumps(info, 2)))
        found.ends.append(end)
        found.counts.append(count)
        found.compressions.append(compression)
        if size < 0:
            return
        pos = end


def block_of(
    reader, directory: Directory, k: int, values_too: bool
) -> tuple[array, array, list[bytes]]:
    """The postings of a ``directory``'s ``k``-th block in one segment (see ``block_postings``)."""
    start = directory.starts[k]
    data = reader._terms._postfile.get(start, directory.ends[k] - start)
    return _decoded(
        data, directory.compressions[k], directory.counts[k], directory.fixedsize, values_too
    )


def block_postings(matcher, values_too: bool) -> tuple[array, array, list[bytes]]:
    """The postings of the block the matcher stands on: docnums, weights, values (left empty
    unless ``values_too``: a frequency field's values only repeat its weights).

    The docnums and weights are decoded by C loops (``accumulate``, array repetition) where
    W3's own ``_read_ids`` and ``_read_weights`` run a generator a posting.
    """
    start = matcher._dataoffset
    data = matcher._postfile.get(start, matcher._nextoffset - start)
    return _decoded(
        data, matcher._compression, matcher._blocklength, matcher._fixedsize, values_too
    )


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


def read_blocks(matcher, values_too: bool = True) -> tuple[array, array, list[bytes]] | None:
    """All postings of a W3 leaf matcher, a block at a time (see ``block_postings``); None for
    another kind of matcher (the caller reads it a posting at a time)."""
    if not is_blocked(matcher):
        return None
    docnums, weights, values = array("I"), array("f"), []
    for _ in blocks(matcher):
        ids, block_weights, block_values = block_postings(matcher, values_too)
        docnums.extend(ids)
        weights.extend(block_weights)
        values.extend(block_values)
    return docnums, weights, values


CACHED_TERMS = 1 << 14  # term infos a segment keeps (about 6 MB), all dropped when full


class CachedTerms:
    """A segment's term dictionary (W3's terms reader) that keeps the term infos it has looked
    up, and the terms it did not find. A query looks each of its terms up several times in
    each segment (document frequencies for idf, blends and roots, then the postings), each a
    hash probe, a key compare and a decode; a long-running process looks up the same words
    query after query. Everything else goes to the reader itself."""

    def __init__(self, terms) -> None:
        self._terms = terms
        self._infos: dict[tuple[str, bytes], object] = {}

    def __getattr__(self, name: str):
        return getattr(self._terms, name)

    def _info(self, fieldname: str, tbytes: bytes):
        """The term's info, None when the segment does not hold it."""
        key = (fieldname, tbytes)
        try:
            return self._infos[key]
        except KeyError:
            pass
        try:
            info = self._terms.term_info(fieldname, tbytes)
        except TermNotFound:
            info = None
        if len(self._infos) >= CACHED_TERMS:
            self._infos.clear()
        self._infos[key] = info
        return info

    def term_info(self, fieldname: str, tbytes: bytes):
        info = self._info(fieldname, tbytes)
        if info is None:
            raise TermNotFound(f"No term {fieldname}:{tbytes!r}")
        return info

    def __contains__(self, term: tuple[str, bytes]) -> bool:
        return self._info(*term) is not None

    def _held(self, fieldname: str, tbytes: bytes):
        """The term's info; KeyError when the segment does not hold it (as the terms reader
        raises, which the segment reader answers with 0)."""
        info = self._info(fieldname, tbytes)
        if info is None:
            raise KeyError((fieldname, tbytes))
        return info

    def doc_frequency(self, fieldname: str, tbytes: bytes) -> int:
        return self._held(fieldname, tbytes).doc_frequency()

    def frequency(self, fieldname: str, tbytes: bytes) -> float:
        return self._held(fieldname, tbytes).weight()

    def matcher(self, fieldname: str, tbytes: bytes, format_, scorer=None):
        info = self.term_info(fieldname, tbytes)
        term = (fieldname, tbytes)
        return self._codec.postings_reader(self._postfile, info, format_, term=term, scorer=scorer)


def cache_terms(reader) -> None:
    """Give each segment of ``reader`` (a segment reader or a multi-reader) ``CachedTerms``."""
    for leaf, _ in reader.leaf_readers():
        if hasattr(leaf, "_terms") and not isinstance(leaf._terms, CachedTerms):
            leaf._terms = CachedTerms(leaf._terms)


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
    offset, length = info.extent()
    if isinstance(length, tuple):  # W3TermInfo.from_bytes keeps unpack_int's tuple
        (length,) = length
    data = reader._terms._postfile.get(offset, length)
    return decoded_postings(data, fixedsize)


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


def length_totals(perdocwriter) -> dict[str, int]:
    """The running total of each field's lengths in the segment a W3 per-document writer is
    writing (the dict itself: what the segment stores for BM25's average length)."""
    return perdocwriter._fieldlengths


STATS = Struct("!BfIBBfII")  # W3TermInfo's statistics (flags 0: postings not inlined)
EXTENT = Struct("!qi")  # then its postings' offset and length (pack_long, pack_int)
BLOCK_SIZE = Struct("!i")  # a postings block's size in bytes (pack_int), negative for the last
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
    """Each term's bytes, postings bytes and statistics (``STATS``)."""
    for btext, docnums, weights, values in terms:
        data, stats = blocks.term(docnums, weights, values)
        yield btext, data, STATS.pack(0, *stats, docnums[0], docnums[-1])


def write_terms(fieldwriter, terms: Iterable[TermRows], lengths: bytes | None) -> None:
    """A field's terms (in order), their postings and term infos: the postings W3's field
    writer writes for them, from whole arrays, between its ``start_field`` and
    ``finish_field``. ``lengths`` is ``length_bytes`` of the field, or None when it has none."""
    blocks = Blocks(fieldwriter._codec, fieldwriter._format, lengths)
    posts = Gathered(fieldwriter._postfile)
    index = TermIndex(fieldwriter)
    for btext, data, stats in encode_terms(blocks, terms):
        index.add(btext, stats, posts.add(data), len(data))
    posts.flush()
    index.flush()
