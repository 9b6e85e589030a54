"""A Whoosh segment writer whose postings are inverted in memory and written a term at a time.

Whoosh's own ``SegmentWriter`` analyzes a field token by token through its format's
``word_values``, puts every posting in a sorting pool (sized, spilled to disk, merged back),
then writes it with several Python calls and a length lookup a posting. This writer keeps the
same documents, stored fields, columns and file format (W3 codec: any Whoosh reader opens the
index and reads the same postings), but

- inverts a field analyzed by ``ArabicAnalyzer`` in one pass over its words
  (``ArabicAnalyzer.term_positions``), each posting value encoded by the field's own format;
- collects postings in a table (field → term → compact arrays), already in document order;
- writes a field's postings and term infos a chunk at a time (``w3.write_terms``): small blocks
  uncompressed, block data in pickle protocol 3.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field

from whoosh.formats import Frequency, Positions
from whoosh.system import pack_uint
from whoosh.writing import SegmentWriter

from searcharc import w3
from searcharc.analysis.components import ArabicAnalyzer


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


PACKED = [pack_uint(freq) for freq in range(256)]  # Frequency's values of small frequencies


class PostingTable:
    """In place of Whoosh's ``PostingPool``: postings by field and term, held in memory."""

    def __init__(self) -> None:
        self.fields: dict[str, dict[bytes, TermPostings]] = {}
        self.single: dict[str, dict[int, bytes]] = {}

    def _postings(self, fieldname: str, btext: bytes) -> TermPostings:
        terms = self.fields.get(fieldname)
        if terms is None:
            terms = self.fields[fieldname] = {}
        postings = terms.get(btext)
        if postings is None:
            postings = terms[btext] = TermPostings()
        return postings

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        """One posting: (fieldname, term bytes, docnum, weight, value), docnums ascending."""
        fieldname, btext, docnum, weight, value = item
        if docnum >= 0:  # -1 is Whoosh's marker for a spelling word: no posting
            self._postings(fieldname, btext).add(docnum, weight, value)

    def add_positions(
        self, fieldname: str, docnum: int, terms: dict[str, list[int]], format_: Positions
    ) -> int:
        """One document's terms with their word positions; returns the field's length.

        Weights and values are the ones ``Positions.word_values`` gives.
        """
        single = self.single.setdefault(fieldname, {})  # position → value of a one-word term
        boost = format_.field_boost
        self._add_doc(
            fieldname,
            docnum,
            [
                (t.encode(), len(found) * boost, self._encoded(format_, found, single))
                for t, found in terms.items()
            ],
        )
        return sum(map(len, terms.values()))

    @staticmethod
    def _encoded(format_: Positions, found: list[int], single: dict[int, bytes]) -> bytes:
        if len(found) > 1:
            return format_.encode(found)
        value = single.get(found[0])
        if value is None:
            value = single[found[0]] = format_.encode(found)
        return value

    def add_counts(
        self, fieldname: str, docnum: int, counts: dict[str, int], format_: Frequency
    ) -> int:
        """One document's terms with their frequencies; returns the field's length.

        Weights and values are the ones ``Frequency.word_values`` gives.
        """
        boost = format_.field_boost
        self._add_doc(
            fieldname,
            docnum,
            [
                (t.encode(), f * boost, PACKED[f] if f < len(PACKED) else pack_uint(f))
                for t, f in counts.items()
            ],
        )
        return sum(counts.values())

    def _add_doc(
        self, fieldname: str, docnum: int, items: list[tuple[bytes, float, bytes]]
    ) -> None:
        """One document's postings in a field: (term bytes, weight, non-empty value)."""
        terms = self.fields.get(fieldname)
        if terms is None:
            terms = self.fields[fieldname] = {}
        for btext, weight, value in items:
            postings = terms.get(btext)
            if postings is None:
                postings = terms[btext] = TermPostings()
            postings.docnums.append(docnum)
            postings.weights.append(weight)
            postings.values += value
            postings.ends.append(len(postings.values))

    def cleanup(self) -> None:
        self.fields.clear()


def _one_pass(fieldobj) -> bool:
    """Whether a field can be inverted by ``ArabicAnalyzer.term_positions``."""
    return type(fieldobj.analyzer) is ArabicAnalyzer and type(fieldobj.format) in (
        Positions,
        Frequency,
    )


class TableWriter(SegmentWriter):
    """``SegmentWriter`` with a ``PostingTable`` and term-at-a-time writing (one segment)."""

    def __init__(self, ix, **kwargs):
        super().__init__(ix, **kwargs)
        self.pool = PostingTable()
        self._plain = not any(f.vector or f.separate_spelling() for _, f in self.schema.items())

    def add_document(self, **fields) -> None:
        """As ``SegmentWriter.add_document`` (which still takes boosts, vectors, spelling)."""
        if not self._plain or any(name.startswith("_") for name in fields):
            super().add_document(**fields)
            return
        self._check_state()
        names = sorted(fields)
        self._check_fields(self.schema, names)
        perdoc = self.perdocwriter
        perdoc.start_doc(self.docnum)
        try:
            for name in names:
                value = fields[name]
                if value is not None:
                    self._add_field(name, self.schema[name], value)
        except Exception:
            perdoc.cancel_doc()
            raise
        perdoc.finish_doc()
        self._added = True
        self.docnum += 1

    def _add_field(self, name: str, fieldobj, value) -> None:
        length = 0
        format_ = fieldobj.format
        if fieldobj.indexed and _one_pass(fieldobj) and isinstance(value, str):
            if type(format_) is Positions:
                terms = fieldobj.analyzer.term_positions(value)
                length = self.pool.add_positions(name, self.docnum, terms, format_)
            else:
                counts = fieldobj.analyzer.term_counts(value)
                length = self.pool.add_counts(name, self.docnum, counts, format_)
        elif fieldobj.indexed:
            for btext, freq, weight, vbytes in fieldobj.index(value):
                length += freq if fieldobj.scorable else 0
                self.pool.add((name, btext, self.docnum, weight, vbytes))
        self.perdocwriter.add_field(name, fieldobj, value if fieldobj.stored else None, length)
        if fieldobj.column_type:
            cv = fieldobj.to_column_value(value)
            self.perdocwriter.add_column_value(name, fieldobj.column_type, cv)

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        perdoc = self.per_document_reader()
        try:
            for fieldname in sorted(self.pool.fields):
                self._write_field(fieldname, self.pool.fields[fieldname], perdoc)
        finally:
            perdoc.close()
        self.fieldwriter.close()

    def _write_field(self, fieldname: str, terms: dict[bytes, TermPostings], perdoc) -> None:
        fieldobj = self.schema[fieldname]
        fixed = bool(fieldobj.format.fixed_value_size())
        self.fieldwriter.start_field(fieldname, fieldobj)
        w3.write_terms(
            self.fieldwriter,
            _term_rows(terms, fixed),
            w3.length_bytes(perdoc, fieldname),
        )
        self.fieldwriter.finish_field()


def _term_rows(terms: dict[bytes, TermPostings], fixed: bool) -> Iterator[w3.TermRows]:
    """Each term's postings in term order, emptying ``terms`` as it goes."""
    for btext in sorted(terms):
        postings = terms.pop(btext)
        values = bytes(postings.values) if fixed else postings.value_list()
        yield btext, postings.docnums, postings.weights, values
