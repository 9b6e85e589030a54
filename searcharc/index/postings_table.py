"""Postings inverted in memory: a document's text analyzed in one pass (``analyze``, which a
worker process may run) and the table the segment writer collects postings in, by field and
term, in document order (in place of Whoosh's sorting pool)."""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field

from whoosh.formats import Frequency, Positions

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
