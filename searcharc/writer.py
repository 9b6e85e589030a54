"""A Whoosh segment writer whose postings are inverted in memory and written a term at a time.

Whoosh's own ``SegmentWriter`` puts every posting in a sorting pool (sized, spilled to disk,
merged back), then writes it with several Python calls and a length lookup a posting. This
writer keeps the same documents, stored fields, columns and file format (W3 codec: any Whoosh
reader opens the index), but collects postings in a table (field → term → arrays) that is
already in document order, and writes each term's postings in blocks (``w3.write_term``).
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field

from whoosh.writing import SegmentWriter

from searcharc import w3


@dataclass(slots=True)
class TermPostings:
    """One term's postings in the segment being written, in docnum order."""

    docnums: array = field(default_factory=lambda: array("I"))
    weights: array = field(default_factory=lambda: array("f"))
    values: list[bytes] = field(default_factory=list)  # the non-empty values only, as W3 keeps


class PostingTable:
    """In place of Whoosh's ``PostingPool``: postings by field and term, held in memory."""

    def __init__(self) -> None:
        self.fields: dict[str, dict[bytes, TermPostings]] = {}

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        """One posting: (fieldname, term bytes, docnum, weight, value), docnums ascending."""
        fieldname, btext, docnum, weight, value = item
        if docnum < 0:
            return  # Whoosh's marker for spelling words: no posting
        terms = self.fields.get(fieldname)
        if terms is None:
            terms = self.fields[fieldname] = {}
        postings = terms.get(btext)
        if postings is None:
            postings = terms[btext] = TermPostings()
        postings.docnums.append(docnum)
        postings.weights.append(weight)
        if value:
            postings.values.append(value)

    def cleanup(self) -> None:
        self.fields.clear()


class TableWriter(SegmentWriter):
    """``SegmentWriter`` with a ``PostingTable`` and term-at-a-time writing (one segment)."""

    def __init__(self, ix, **kwargs):
        super().__init__(ix, **kwargs)
        self.pool = PostingTable()

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
        lengths = w3.length_bytes(perdoc, fieldname)
        self.fieldwriter.start_field(fieldname, self.schema[fieldname])
        for btext in sorted(terms):
            postings = terms[btext]
            w3.write_term(
                self.fieldwriter,
                btext,
                postings.docnums,
                postings.weights,
                postings.values,
                lengths,
            )
        self.fieldwriter.finish_field()
