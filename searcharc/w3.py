"""The few internals of Whoosh's W3 codec (Whoosh 2.7) that searcharc reads and writes a block
at a time instead of a posting at a time. Everything that touches them is here."""

from __future__ import annotations

from array import array
from collections.abc import Sequence

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.util.numeric import byte_to_length

BLOCK = 128  # postings a block (W3Codec's default blocklimit)


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

    None for another kind of matcher (the caller reads it a posting at a time).
    """
    if not isinstance(matcher, W3LeafMatcher):
        return None
    docnums, weights, values = array("I"), array("f"), []
    while matcher.is_active():
        matcher._read_ids()
        matcher._read_weights()
        matcher._read_values()
        docnums.extend(matcher._ids)
        weights.extend(matcher._weights)
        values.extend(matcher._values)
        matcher._next_block()
    return docnums, weights, values


def write_term(
    fieldwriter,
    btext: bytes,
    docnums: array,
    weights: array,
    values: Sequence[bytes],
    lengths: bytes | None,
) -> None:
    """One term's postings, in blocks of BLOCK, exactly as ``add`` would write them one by one.

    ``values`` holds the non-empty posting values (W3 keeps no empty ones); ``lengths`` is
    ``length_bytes`` of the field, or None when it has none.
    """
    fieldwriter.start_term(btext)
    postings = fieldwriter._postwriter
    count = len(docnums)
    for start in range(0, count, BLOCK):
        chunk = docnums[start : start + BLOCK]
        postings._ids = chunk
        postings._weights = weights[start : start + BLOCK]
        postings._values = list(values[start : start + BLOCK])
        postings._maxweight = max(0, max(postings._weights))
        if lengths is not None:
            found = bytes(map(lengths.__getitem__, chunk))
            postings._minlength = byte_to_length(min(found))
            postings._maxlength = byte_to_length(max(found))
        if start + BLOCK < count:
            postings._write_block()  # the last block is written by finish_term
    fieldwriter.finish_term()
