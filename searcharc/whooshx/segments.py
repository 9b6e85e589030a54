"""What searcharc keeps of a W3 segment between queries (whoosh-reloaded 2.7.x), on one view of
the segment (``SegmentView``): its stored fields read a document at a time, its term dictionary
with the term infos looked up, its field lengths, and what callers keep."""

from __future__ import annotations

import sys
import zlib
from array import array
from itertools import accumulate
from pickle import loads
from struct import calcsize
from weakref import WeakKeyDictionary, proxy

from whoosh.codec.whoosh3 import W3PerDocReader
from whoosh.reading import TermNotFound

from searcharc.whooshx.postings import field_lengths


class FileArray:
    """An array as Whoosh writes it (big-endian items of an ``array`` type code) at
    ``position`` in a segment file, an item read from the file when it is asked for."""

    def __init__(self, file, position: int, code: str, count: int) -> None:
        self.file, self.position, self.code, self.count = file, position, code, count
        self.size = calcsize(code)

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, index: int) -> int:
        if not 0 <= index < self.count:
            raise IndexError(index)
        item = array(self.code, self.file.get(self.position + index * self.size, self.size))
        if sys.byteorder == "little":
            item.byteswap()
        return item[0]


class StoredColumn:
    """A segment's stored fields as W3 writes them (``STORED_COLUMN``: each document's fields
    pickled and zlib-compressed, end to end; then each one's length; then, above 32,768
    documents, each one's offset; then the arrays' type codes), read a document at a time.

    Where the offsets are stored, a document's length and offset are read from the file as it
    is asked for (``FileArray``), not every document's (0.8 ms for 122,000 documents: a
    cold query's hits sit in the largest segments). Below, Whoosh's own reader adds up every
    document's length in a Python loop before it reads one (about 2 ms for 30,000 documents);
    here the first document's offset is the sum of the lengths before it, added by C, and from
    the second on every offset is known (one C loop), as a sort by date reads thousands.
    """

    def __init__(self, perdoc) -> None:
        if "_stored" not in perdoc._colfiles:  # kept there: the reader closes it
            perdoc._colfiles["_stored"] = perdoc._get_column_file("_stored")
        self.file, self.base, length = perdoc._colfiles["_stored"]
        count = perdoc.doc_count_all()
        last = self.base + length - 1
        code = chr(self.file.get_byte(last))
        self.offsets: FileArray | list[int] | None = None
        self.summed = False  # an offset was added up from the lengths
        if code == "X":  # offsets stored
            code, offsets_code = (
                chr(self.file.get_byte(last - 2)),
                chr(self.file.get_byte(last - 1)),
            )
            last -= 2 + count * calcsize(offsets_code)
            self.offsets = FileArray(self.file, last, offsets_code, count)
            at = last - count * calcsize(code)
            self.lengths: FileArray | array = FileArray(self.file, at, code, count)
        else:
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


class SegmentView:
    """One segment of an open index as searcharc reads it between queries: the one object its
    caches hang on (the term infos it looked up, its stored fields a document at a time, each
    field's length bytes, and what callers keep of it in ``kept``), alive as long as the
    segment's reader (``view``)."""

    def __init__(self, reader) -> None:
        # not the reader itself: the view (the value of a weak table keyed by the reader) would
        # keep it, and its open files, for ever
        self.reader = proxy(reader)
        self.kept: dict[str, object] = {}  # a caller's name → what it keeps of the segment
        self.lengths: dict[str, bytes] = {}
        self.stored: StoredColumn | None = None
        terms = getattr(reader, "_terms", None)
        if terms is not None and not isinstance(terms, CachedTerms):  # SegmentReader's (2.7.x)
            reader._terms = CachedTerms(terms)

    def stored_fields(self, docnum: int) -> dict:
        """A document's stored fields (``StoredColumn``; Whoosh's own ``stored_fields`` for a
        reader of another codec)."""
        perdoc = getattr(self.reader, "_perdoc", None)
        if type(perdoc) is not W3PerDocReader:
            return self.reader.stored_fields(docnum)
        if self.stored is None:
            self.stored = StoredColumn(perdoc)
        return self.stored[docnum]

    def field_lengths(self, fieldname: str) -> bytes:
        """Each document's length byte in ``fieldname`` (``postings.field_lengths``)."""
        if fieldname not in self.lengths:
            self.lengths[fieldname] = field_lengths(self.reader, fieldname)
        return self.lengths[fieldname]


_VIEWS: WeakKeyDictionary = WeakKeyDictionary()  # a segment's reader → its SegmentView


def view(reader) -> SegmentView:
    """The ``SegmentView`` of one segment's reader (made at its first use)."""
    found = _VIEWS.get(reader)
    if found is None:
        found = _VIEWS[reader] = SegmentView(reader)
    return found


def stored_fields(reader, docnum: int) -> dict:
    """A document's stored fields in one segment's reader (``SegmentView.stored_fields``)."""
    return view(reader).stored_fields(docnum)


def cache_terms(reader) -> None:
    """Give each segment of ``reader`` (a segment reader or a multi-reader) its view, which
    keeps its term infos (``CachedTerms``)."""
    for leaf, _ in reader.leaf_readers():
        view(leaf)
