"""A field's term rows (``encode.TermRows``: a term's bytes and whole postings, terms in order)
as the segment writer writes them: from the posting table, joined a term at a time with the
terms of the segments merged into the new one."""

from __future__ import annotations

import heapq
from array import array
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from itertools import groupby

import numpy as np
from whoosh.reading import SegmentReader

from searcharc.index.postings_table import InvertedField
from searcharc.whooshx import encode, postings
from searcharc.whooshx.flat import FlatPostings


@dataclass(frozen=True, slots=True)
class Merged:
    """A segment merged into the one being written: its documents follow, from ``base`` on,
    or numbered by ``docmap`` when it has deleted documents (which it leaves out)."""

    segment: object
    base: int
    docmap: dict[int, int] | None


def with_merged(rows: Iterator[encode.TermRows], name: str, merged: list[Merged], storage, schema):
    """``rows`` joined with the terms of field ``name`` in the merged segments, a term at a
    time, postings in docnum order (the table's documents come first)."""
    fixed = schema[name].format.fixed_value_size()
    with ExitStack() as stack:
        readers = [stack.enter_context(SegmentReader(storage, schema, m.segment)) for m in merged]
        sources = [((row[0], 0, row[1:]) for row in rows)]
        sources += [
            _keyed(postings.field_terms(reader, name), n) for n, reader in enumerate(readers, 1)
        ]
        for btext, group in groupby(heapq.merge(*sources), key=lambda item: item[0]):
            parts = [
                row
                if n == 0
                else _renumbered(postings.term_postings(readers[n - 1], name, row), merged[n - 1])
                for _, n, row in group
            ]
            joined = _joined(btext, parts, fixed)
            if len(joined[1]):  # a term only deleted documents had is left out
                yield joined


def _keyed(terms: Iterator[tuple[bytes, object]], n: int) -> Iterator[tuple[bytes, int, object]]:
    """A segment's terms for the merge: each with the segment's number and its term info."""
    return ((btext, n, info) for btext, info in terms)


def _renumbered(found: tuple, merged: Merged) -> tuple:
    """A merged segment's postings under their new docnums, without deleted documents
    (values as ``TermRows`` holds them: end to end for a fixed-size format)."""
    docnums, weights, values = found
    if merged.docmap is None:
        return array("I", map(merged.base.__add__, docnums)), weights, values
    docmap = merged.docmap
    keep = [i for i, d in enumerate(docnums) if d in docmap]
    if isinstance(values, bytes):
        width = len(values) // len(docnums)
        kept = b"".join(values[i * width : (i + 1) * width] for i in keep)
    else:
        kept = [values[i] for i in keep]
    return (
        array("I", [docmap[docnums[i]] for i in keep]),
        array("f", [weights[i] for i in keep]),
        kept,
    )


def _joined(btext: bytes, parts: list, fixed: int | None) -> encode.TermRows:
    """One term's postings from its parts (each docnums, weights, values), in order."""
    docnums, weights = array("I"), array("f")
    for part_docnums, part_weights, _ in parts:
        docnums.extend(part_docnums)
        weights.extend(part_weights)
    if fixed == 0:  # no values
        return btext, docnums, weights, []
    if fixed:  # fixed-size values end to end
        return btext, docnums, weights, b"".join(_as_bytes(part[2]) for part in parts)
    return btext, docnums, weights, [value for part in parts for value in part[2]]


def _as_bytes(values: Sequence[bytes] | bytes) -> bytes:
    return values if isinstance(values, bytes) else b"".join(values)


def table_rows(terms: dict | InvertedField, format_) -> Iterable[encode.TermRows]:
    """Each term's postings in term order (a str term's UTF-8 bytes sort as it does), emptying
    ``terms`` (a one-pass field's: its postings as flat arrays, ``inverted_rows``)."""
    if isinstance(terms, InvertedField):
        return inverted_rows(terms, format_)
    return _term_rows(terms, format_)


def _term_rows(terms: dict, format_) -> Iterator[encode.TermRows]:
    boost = format_.field_boost
    fixed = bool(format_.fixed_value_size())
    for term in sorted(terms):
        postings = terms.pop(term)
        weights = postings.weights
        if boost != 1:
            weights = array("f", [w * boost for w in weights])
        values = bytes(postings.values) if fixed else postings.value_list()
        yield term, postings.docnums, weights, values


def inverted_rows(field: InvertedField, format_) -> FlatPostings:
    """A one-pass field's terms in order with their postings in docnum order (its batches'
    arrays sorted by term and docnum at once), emptying ``field``."""
    numbers, docnums, freqs, sizes, blob = field.take()
    terms = field.vocabulary.terms
    by_text = np.array(sorted(range(len(terms)), key=terms.__getitem__), np.int64)
    ranks = np.empty(len(terms), np.uint64)
    ranks[by_text] = np.arange(len(terms), dtype=np.uint64)
    key = ranks[numbers] << np.uint64(32)
    key |= docnums
    order = np.argsort(key)
    del key
    bounds = np.zeros(len(terms) + 1, np.int64)
    np.cumsum(np.bincount(numbers, minlength=len(terms))[by_text], out=bounds[1:])
    del numbers
    found = FlatPostings(
        [terms[n].encode() for n in by_text.tolist()],
        bounds,
        docnums[order],
        freqs[order],
        boost=format_.field_boost,
    )
    if not format_.fixed_value_size():
        begins = np.cumsum(sizes, dtype=np.uint32 if len(blob) < 1 << 32 else np.uint64)
        begins -= sizes
        found.begins, found.sizes, found.blob = begins[order], sizes[order], blob
    return found
