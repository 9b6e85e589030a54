"""A Whoosh segment writer whose postings are inverted in memory and written a term at a time.

Whoosh's own ``SegmentWriter`` analyzes a field token by token through its format's
``word_values``, puts every posting in a sorting pool (sized, spilled to disk, merged back),
then writes it with several Python calls and a length lookup a posting. This writer keeps the
same documents, stored fields, columns and file format (W3 codec: any Whoosh reader opens the
index and reads the same postings), but

- inverts a field analyzed by ``ArabicAnalyzer`` in one pass over its words
  (``ArabicAnalyzer.term_positions``), each posting value encoded by the field's own format;
- collects postings in a table (field → term → compact arrays), already in document order;
- writes a field's postings and term infos a chunk at a time (``encode.write_terms``): small blocks
  uncompressed, block data in pickle protocol 3.
"""

from __future__ import annotations

import heapq
import sys
from array import array
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from itertools import groupby

from whoosh.formats import Frequency, Positions
from whoosh.reading import SegmentReader
from whoosh.system import pack_uint
from whoosh.writing import CLEAR, NO_MERGE, OPTIMIZE, SegmentWriter

from searcharc.analysis.components import ArabicAnalyzer
from searcharc.index.merging import log_merge, merge_group
from searcharc.whooshx import encode, postings


@dataclass(slots=True)
class TermPostings:
    """One term's postings in the segment being written, in docnum order."""

    docnums: array = field(default_factory=lambda: array("I"))
    weights: array = field(default_factory=lambda: array("f"))
    values: bytearray = field(default_factory=bytearray)  # the non-empty values, end to end
    ends: array = field(default_factory=lambda: array("I"))  # where each value ends

    def add(self, docnum: int, weight: float, value: bytes | None) -> None:
        self.docnums.append(docnum)
        self.weights.append(weight)
        if value:
            self.values += value
            self.ends.append(len(self.values))

    def value_list(self) -> list[bytes]:
        """The values as separate byte strings (what W3's block writer takes)."""
        data = bytes(self.values)
        ends = self.ends.tolist()
        return [data[start:end] for start, end in zip([0, *ends], ends, strict=False)]


ONE_POSITION: dict[int, bytes] = {}  # position → Positions value of a one-word term

Posting = tuple[str, int, bytes]  # a term, its frequency and its Positions value in a document
# field → (its postings: a list of Posting for Positions, term → frequency for Frequency; length)
Analyzed = dict[str, tuple["list[Posting] | dict[str, int]", int]]


def positions_postings(terms: dict[str, list[int]], format_: Positions) -> list[Posting]:
    """A document's terms with their word positions as the postings
    ``Positions.word_values`` gives (the weight is the frequency times the field boost)."""
    return [(t, len(found), _encoded(format_, found)) for t, found in terms.items()]


def _encoded(format_: Positions, found: list[int]) -> bytes:
    if len(found) > 1:
        return format_.encode(found)
    value = ONE_POSITION.get(found[0])
    if value is None:
        value = ONE_POSITION[found[0]] = format_.encode(found)
    return value


def one_pass_fields(schema) -> list[str]:
    """The fields ``analyze`` inverts."""
    return [name for name, fieldobj in schema.items() if fieldobj.indexed and _one_pass(fieldobj)]


def analyze(schema, names: list[str], fields: dict) -> Analyzed:
    """The postings and lengths of a document's text in the one-pass fields ``names`` (what
    a worker process may compute for ``TableWriter.add_analyzed``)."""
    analyzed = {}
    for name in names:
        value = fields.get(name)
        if isinstance(value, str):
            fieldobj = schema[name]
            if type(fieldobj.format) is Positions:
                terms = fieldobj.analyzer.term_positions(value)
                postings = positions_postings(terms, fieldobj.format)
                analyzed[name] = postings, sum(map(len, terms.values()))
            else:
                counts = fieldobj.analyzer.term_counts(value)
                analyzed[name] = counts, sum(counts.values())
    return analyzed


# What the table's memory grows by, about, for a new term (its str, dict slot, arrays) and for a
# posting (8 bytes packed, a value reference, the arrays' spare room): see ``PostingTable.size``
TERM_BYTES = 300
POSTING_BYTES = 24


class PostingTable:
    """In place of Whoosh's ``PostingPool``: postings by field and term, held in memory.

    A one-pass field (``one_pass``: its name → its format) keys its terms by str and packs its
    postings (``add_positions``, ``add_counts``); any other field keys them by bytes in a
    ``TermPostings``. A merge (``SegmentWriter.add_reader``) gives every field's postings by
    bytes, after the new documents': ``add`` packs those of a one-pass field like theirs, so
    that a term has one posting list, in docnum order.
    """

    def __init__(self, one_pass: dict | None = None) -> None:
        self.fields: dict[str, dict] = {}
        self.one_pass = one_pass or {}
        self.size = 0  # about the bytes the postings take (TERM_BYTES, POSTING_BYTES)

    def _postings(self, fieldname: str, btext: bytes) -> TermPostings:
        terms = self._terms(fieldname)
        postings = terms.get(btext)
        if postings is None:
            postings = terms[btext] = TermPostings()
            self.size += TERM_BYTES
        self.size += POSTING_BYTES
        return postings

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        """One posting: (fieldname, term bytes, docnum, weight, value), docnums ascending."""
        fieldname, btext, docnum, weight, value = item
        if docnum < 0:  # -1 is Whoosh's marker for a spelling word: no posting
            return
        format_ = self.one_pass.get(fieldname)
        if format_ is None:
            self._postings(fieldname, btext).add(docnum, weight, value)
            return
        term, freq = btext.decode(), round(weight / format_.field_boost)
        if type(format_) is Positions:
            self.add_positions(fieldname, docnum, [(term, freq, value)])
        else:
            self.add_counts(fieldname, docnum, {term: freq})

    def _terms(self, fieldname: str) -> dict:
        """The field's term → postings table (made on first use)."""
        return self.fields.setdefault(fieldname, {})

    def add_positions(self, fieldname: str, docnum: int, postings: list[Posting]) -> None:
        """One document's postings in a Positions field: a term's postings are an array of
        ``docnum << 32 | frequency`` (see ``unpacked``) and a list of values (most of them
        one-position values, shared: see ``_encoded``)."""
        terms = self._terms(fieldname)
        high = docnum << 32
        new = len(terms)
        for term, freq, value in postings:
            found = terms.get(term)
            if found is None:
                found = terms[term] = (array("Q"), [])
            found[0].append(high | freq)
            found[1].append(value)
        self.size += (len(terms) - new) * TERM_BYTES + len(postings) * POSTING_BYTES

    def add_counts(self, fieldname: str, docnum: int, counts: dict[str, int]) -> None:
        """One document's term frequencies in a Frequency field: a term's postings are one
        array of ``docnum << 32 | frequency`` (see ``unpacked``)."""
        terms = self._terms(fieldname)
        high = docnum << 32
        new = len(terms)
        for term, freq in counts.items():
            found = terms.get(term)
            if found is None:
                found = terms[term] = array("Q")
            found.append(high | freq)
        self.size += (len(terms) - new) * TERM_BYTES + len(counts) * POSTING_BYTES

    def cleanup(self) -> None:
        self.fields.clear()
        self.size = 0


def _one_pass(fieldobj) -> bool:
    """Whether a field can be inverted by ``ArabicAnalyzer.term_positions``."""
    return type(fieldobj.analyzer) is ArabicAnalyzer and type(fieldobj.format) in (
        Positions,
        Frequency,
    )


@dataclass(frozen=True, slots=True)
class Merged:
    """A segment merged into the one being written: its documents follow, from ``base`` on,
    or numbered by ``docmap`` when it has deleted documents (which it leaves out)."""

    segment: object
    base: int
    docmap: dict[int, int] | None


class TableWriter(SegmentWriter):
    """``SegmentWriter`` with a ``PostingTable`` and term-at-a-time writing.

    With a ``memory`` budget (bytes), the documents added so far are written as a segment of
    their own whenever the table reaches it (``flush``); the commit lists these segments with
    the last one, so a run is still one atomic commit. Merged segments (``add_reader``, called
    by a merge policy) are read a term at a time while the new segment is written, never
    held in memory.
    """

    def __init__(self, ix, memory: int | None = None, **kwargs):
        super().__init__(ix, **kwargs)
        self.ix = ix
        self.memory = memory
        self._plain = not any(f.vector or f.separate_spelling() for _, f in self.schema.items())
        self.one_pass = one_pass_fields(self.schema)
        self.pool = PostingTable({name: self.schema[name].format for name in self.one_pass})
        self.merged: list[Merged] = []
        self.flushed: list = []  # this run's segments written by ``flush``

    def add_document(self, **fields) -> None:
        """As ``SegmentWriter.add_document`` (which still takes boosts, vectors, spelling)."""
        if not self._plain or any(name.startswith("_") for name in fields):
            super().add_document(**fields)
            return
        self.add_analyzed(fields, analyze(self.schema, self.one_pass, fields))

    def add_analyzed(self, fields: dict, analyzed: Analyzed) -> None:
        """Add a document whose one-pass fields ``analyze`` has inverted (maybe elsewhere)."""
        self._check_state()
        names = sorted(fields)
        self._check_fields(self.schema, names)
        perdoc = self.perdocwriter
        perdoc.start_doc(self.docnum)
        try:
            for name in names:
                value = fields[name]
                if value is not None:
                    self._add_field(name, self.schema[name], value, analyzed.get(name))
        except Exception:
            perdoc.cancel_doc()
            raise
        perdoc.finish_doc()
        self._added = True
        self.docnum += 1
        if self.memory is not None and self.pool.size >= self.memory:
            self.flush()

    def _add_field(self, name: str, fieldobj, value, analyzed) -> None:
        length = 0
        if analyzed is not None:
            postings, length = analyzed
            if type(fieldobj.format) is Positions:
                self.pool.add_positions(name, self.docnum, postings)
            else:
                self.pool.add_counts(name, self.docnum, postings)
        elif fieldobj.indexed:
            for btext, freq, weight, vbytes in fieldobj.index(value):
                length += freq if fieldobj.scorable else 0
                self.pool.add((name, btext, self.docnum, weight, vbytes))
        self.perdocwriter.add_field(name, fieldobj, value if fieldobj.stored else None, length)
        if fieldobj.column_type:
            cv = fieldobj.to_column_value(value)
            self.perdocwriter.add_column_value(name, fieldobj.column_type, cv)

    def write_per_doc(self, fieldnames, reader) -> dict | None:
        """As Whoosh's, but the merged segment's exact length totals carry over: Whoosh adds
        up its documents' lengths, which W3 keeps a byte each, roughly, so every merge would
        move the average lengths, and the scores (by 0.1% on 160 articles)."""
        totals = encode.length_totals(self.perdocwriter)
        before = dict(totals)
        docmap = super().write_per_doc(fieldnames, reader)
        deleted = reader.segment().deleted_docs()
        for name in reader.indexed_field_names():
            if name in totals:
                gone = sum(reader.doc_field_length(n, name) for n in deleted)
                totals[name] = before.get(name, 0) + reader.field_length(name) - gone
        return docmap

    def add_postings_to_pool(self, reader, startdoc: int, docmap: dict | None) -> None:
        """For ``add_reader``: the segment's postings are read when the new one is written."""
        self.merged.append(Merged(reader.segment(), startdoc, docmap))

    def flush(self) -> None:
        """Write the documents added so far as a segment of this run, and start another."""
        if not self._added:
            return
        self.flushed.append(self._finalize_segment())
        self.newsegment = self.codec.new_segment(self.storage, self.indexname)
        self.perdocwriter = self.codec.per_document_writer(self.storage, self.newsegment)
        self.fieldwriter = self.codec.field_writer(self.storage, self.newsegment)
        self.pool = PostingTable(self.pool.one_pass)
        self.docnum = self.docbase
        self._added = False
        self._merge_flushed()

    def _merge_flushed(self) -> None:
        """Merge this run's flushed segments as ``log_merge`` would at a commit."""
        group = merge_group(self.flushed)
        if group:
            kept = [s for s in self.flushed if s not in group]
            self.flushed = [*kept, self._merged_segment(group)]
            self._delete_files(group)

    def _delete_files(self, segments: list) -> None:
        """Delete the files of this run's segments that a merge replaced: no commit lists them,
        and kept until the commit they held the run's data twice on disk (9.7 GB 38 minutes
        into a build of 1M articles)."""
        prefixes = tuple(f"{s.segment_id()}." for s in segments)
        for filename in [name for name in self.storage.list() if name.startswith(prefixes)]:
            self.storage.delete_file(filename)

    def _merged_segment(self, segments: list) -> object:
        """One new segment holding ``segments`` (none with deletions)."""
        writer = type(self)(self.ix, _lk=False, compound=False)
        for segment in segments:
            with SegmentReader(self.storage, self.schema, segment) as reader:
                writer.add_reader(reader)
        segment = writer._finalize_segment()
        writer.is_closed = True
        return segment

    def _merge_segments(self, mergetype, optimize, merge) -> list:
        """The merge policy (``log_merge`` unless told) over the index's segments and the
        ones this run flushed; ``CLEAR`` drops only the index's."""
        if mergetype is CLEAR:
            return list(self.flushed)
        policy = mergetype or (OPTIMIZE if optimize else NO_MERGE if merge is False else log_merge)
        return policy(self, [*self.segments, *self.flushed])

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        names = sorted(set(self.pool.fields) | self._merged_fields())
        perdoc = self.per_document_reader()
        try:
            lengths = {name: postings.length_bytes(perdoc, name) for name in names}
        finally:
            perdoc.close()
        self._write_fields(names, lengths)
        self.fieldwriter.close()

    def _merged_fields(self) -> set[str]:
        fields: set[str] = set()
        for merged in self.merged:
            with SegmentReader(self.storage, self.schema, merged.segment) as reader:
                fields.update(reader.indexed_field_names())
        return fields

    def _write_fields(self, names: list[str], lengths: dict[str, bytes | None]) -> None:
        """Each field's postings and term infos, fields in order."""
        for name in names:
            fieldobj = self.schema[name]
            self.fieldwriter.start_field(name, fieldobj)
            encode.write_terms(self.fieldwriter, self.term_rows(name), lengths[name])
            self.fieldwriter.finish_field()

    def term_rows(self, name: str) -> Iterator[encode.TermRows]:
        """A field's terms in order with their postings (the table's, emptying its field, and
        the merged segments')."""
        rows = _term_rows(self.pool.fields.get(name, {}), self.schema[name].format)
        if not self.merged:
            return rows
        return _with_merged(rows, name, self.merged, self.storage, self.schema)


def _with_merged(rows: Iterator[encode.TermRows], name: str, merged: list[Merged], storage, schema):
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


def _term_rows(terms: dict, format_) -> Iterator[encode.TermRows]:
    """Each term's postings in term order (a str term's UTF-8 bytes sort as it does), emptying
    ``terms`` as it goes."""
    boost = format_.field_boost
    fixed = bool(format_.fixed_value_size())
    for term in sorted(terms):
        postings = terms.pop(term)
        btext = term.encode() if isinstance(term, str) else term
        if isinstance(postings, array):  # add_counts: Frequency values from the frequencies
            docnums, weights, freqs = unpacked(postings, boost)
            yield btext, docnums, weights, _uints(freqs)
        elif isinstance(postings, tuple):  # add_positions
            docnums, weights, _ = unpacked(postings[0], boost)
            yield btext, docnums, weights, postings[1]
        else:
            weights = postings.weights
            if boost != 1:
                weights = array("f", [w * boost for w in weights])
            values = bytes(postings.values) if fixed else postings.value_list()
            yield btext, postings.docnums, weights, values


def unpacked(packed: array, boost: float) -> tuple[Sequence[int], Sequence[float], Sequence[int]]:
    """Docnums, weights and frequencies of postings packed as ``docnum << 32 | frequency``."""
    if len(packed) == 1 and boost == 1:  # most terms: no arrays
        docnum, freq = divmod(packed[0], 1 << 32)
        return (docnum,), (float(freq),), (freq,)
    halves = array("I", packed.tobytes())  # each posting's two halves, low first if little-endian
    low, high = (0, 1) if sys.byteorder == "little" else (1, 0)
    docnums, freqs = halves[high::2], halves[low::2]
    return docnums, array("f", freqs if boost == 1 else [f * boost for f in freqs]), freqs


def _uints(freqs: Sequence[int]) -> bytes:
    """Frequency's values end to end: big-endian uints."""
    if len(freqs) == 1:
        return pack_uint(freqs[0])
    data = array("I", freqs)
    if sys.byteorder == "little":
        data.byteswap()
    return data.tobytes()
