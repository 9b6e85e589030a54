"""What counting reads of one segment without scoring: the documents of a term (deleted ones
left out) and each document's date, from the ``date`` column as W3 stores it."""

from __future__ import annotations

import sys
from array import array

import numpy as np
from whoosh.reading import TermNotFound

from searcharc.whooshx.postings import term_docnums
from searcharc.whooshx.segments import view

UNDATED = (1 << 64) - 1  # the date column's value for a document without a date
DAY = 86_400_000_000  # microseconds: the column holds them since 0001-01-01 (datetime.min)


def doc_frequency(reader, fieldname: str, btext: bytes) -> int:
    """How many documents of one segment hold the term, deleted ones included."""
    try:
        return reader.term_info(fieldname, btext).doc_frequency()
    except TermNotFound:
        return 0


def segment_key(reader) -> tuple:
    """What names one segment among every index a process opens: its folder (a store
    without one: the store itself) and its id (random, never reused in a folder)."""
    storage = reader._storage
    return (getattr(storage, "folder", None) or id(storage), reader.segment().segment_id())


def deleted(reader) -> frozenset | set:
    """The deleted documents of one segment (segment docnums)."""
    return getattr(reader, "deleted_docs_set", frozenset())


def live_docnums(reader, fieldname: str, btext: bytes) -> np.ndarray:
    """The documents of one segment that hold a term (segment docnums, uint32, in order),
    deleted documents left out."""
    try:
        info = reader.term_info(fieldname, btext)
    except TermNotFound:
        return np.zeros(0, np.uint32)
    docnums = term_docnums(reader, fieldname, info)
    gone = deleted(reader)
    if not gone:
        return docnums
    return docnums[~np.isin(docnums, np.fromiter(gone, np.uint32, len(gone)))]


def date_values(reader) -> array:
    """Each document's ``date`` column value in one segment (microseconds since 0001-01-01;
    UNDATED for none), read once and kept with the segment's view."""
    kept = view(reader).kept
    if "date_values" not in kept:
        kept["date_values"] = _column(reader, "date")
    return kept["date_values"]


def day_number(value: int) -> int:
    """A ``date`` column value's day as a proleptic ordinal (``date.toordinal``)."""
    return value // DAY + 1


def _column(reader, fieldname: str) -> array:
    """A numeric ``Q`` column's values (W3 writes them big-endian, the last documents'
    defaults left out), every document's."""
    count = reader.doc_count_all()
    if not count or not reader.has_column(fieldname):
        return array("Q", [UNDATED]) * count
    column = reader.column_reader(fieldname, translate=False)
    found = array("Q")
    found.frombytes(bytes(column._dbfile.get(column._basepos, column._count * 8)))
    if sys.byteorder == "little":
        found.byteswap()
    return found + array("Q", [column._default]) * (count - len(found))
