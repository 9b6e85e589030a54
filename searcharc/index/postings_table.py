"""Postings inverted in memory: a batch of documents' text analyzed in one pass
(``analyze_batch``, which a worker process may run) into flat arrays, and the table the
segment writer collects postings in, by field and term (in place of Whoosh's sorting pool)."""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import repeat

import numpy as np
from whoosh.formats import Frequency, Positions

from searcharc.analysis.components import ArabicAnalyzer, written_counts


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


class OnePosition(dict[int, bytes]):
    """Position → the Positions value of a term found once there (made once each)."""

    def __missing__(self, position: int) -> bytes:
        found = self[position] = Positions().encode([position])
        return found


ONE_POSITION = OnePosition()


def positions_values(format_: Positions, found: Iterable[list[int]]) -> list[bytes]:
    """``format_.encode`` of each positions list (one-position values, most of them, made
    once: ``ONE_POSITION``)."""
    one, encode = ONE_POSITION, format_.encode
    return [one[pos[0]] if len(pos) == 1 else encode(pos) for pos in found]


@dataclass(slots=True)
class Inverted:
    """One field's postings in a batch of documents, as flat arrays: for each posting
    (documents in order) its term (its number in the field's ``Numbering``, whose terms new
    in this batch are ``terms``, numbered from ``base``; ``fresh``: the numbering started
    again at this batch), its document (in the batch) and frequency; a Positions field's
    values end to end in ``values``, the ``n``-th ``sizes[n]`` bytes long."""

    terms: list[str]
    ids: np.ndarray  # uint32
    docs: np.ndarray  # uint32
    freqs: np.ndarray  # uint32
    values: bytes = b""
    sizes: np.ndarray | None = None  # uint32
    base: int = 0
    fresh: bool = False


NUMBERED = 1 << 20  # a field's terms numbered before its numbering starts again (memory)


class Numbering(dict[str, int]):
    """A field's terms numbered as ``analyze_batch`` first meets them, batch after batch: a
    batch sends only its new terms, and the table maps each number to its term once (not
    every batch's terms by their text); numbered again from 0 past ``NUMBERED`` terms."""

    def __init__(self) -> None:
        super().__init__()
        self.new: list[str] = []

    def __missing__(self, term: str) -> int:
        found = self[term] = len(self)
        self.new.append(term)
        return found

    def start_batch(self) -> bool:
        """Forget which terms the last batch met first; whether numbering starts again."""
        self.new = []
        if len(self) < NUMBERED:
            return False
        self.clear()
        return True


@dataclass(slots=True)
class Batch:
    """``analyze_batch``'s answer: each one-pass field's ``Inverted``, and each document's
    lengths in the fields it analyzed (a field a document has no text in is not there)."""

    fields: dict[str, Inverted]
    lengths: list[dict[str, int]]


class Collector:
    """One field's postings, a document at a time, for ``Inverted``."""

    def __init__(self, format_) -> None:
        self.format = format_
        self.terms: list[str] = []  # each posting's
        self.docs, self.freqs = array("I"), array("I")
        self.values: list[bytes] = []

    def add(self, doc: int, found: dict) -> None:
        """A document's terms: term → its positions (a Positions field), or its frequency."""
        self.terms.extend(found)
        self.docs.extend(repeat(doc, len(found)))
        if type(self.format) is Positions:
            self.freqs.extend(map(len, found.values()))
            self.values.extend(positions_values(self.format, found.values()))
        else:
            self.freqs.extend(found.values())

    def inverted(self, numbering: Numbering) -> Inverted:
        """The postings' arrays, terms numbered by the field's ``numbering``."""
        fresh = numbering.start_batch()
        base, count = len(numbering), len(self.terms)
        ids = np.fromiter(map(numbering.__getitem__, self.terms), np.uint32, count)
        docs, freqs = np.frombuffer(self.docs, np.uint32), np.frombuffer(self.freqs, np.uint32)
        if not self.values:
            return Inverted(numbering.new, ids, docs, freqs, base=base, fresh=fresh)
        sizes = np.fromiter(map(len, self.values), np.uint32, count)
        values = b"".join(self.values)
        return Inverted(numbering.new, ids, docs, freqs, values, sizes, base, fresh)


def one_pass_fields(schema) -> list[str]:
    """The fields ``analyze_batch`` inverts."""
    return [name for name, fieldobj in schema.items() if fieldobj.indexed and _one_pass(fieldobj)]


def analyze_batch(
    schema, names: list[str], docs: list[dict], numberings: dict[str, Numbering]
) -> Batch:
    """The postings and lengths of documents' text in the one-pass fields ``names`` (what a
    worker process may compute for ``TableWriter.add_batch``), terms numbered by each
    field's numbering in ``numberings`` (the caller's, batch after batch: ``Numbering``)."""
    lengths: list[dict[str, int]] = [{} for _ in docs]
    fields = {}
    counted: dict[str, Counter[str]] = {}  # a text's written words, for each view of it
    for name in names:
        fieldobj = schema[name]
        collector = Collector(fieldobj.format)
        for doc, values in enumerate(docs):
            value = values.get(name)
            if isinstance(value, str):
                if type(fieldobj.format) is Positions:
                    found = fieldobj.analyzer.term_positions(value)
                    lengths[doc][name] = sum(map(len, found.values()))
                else:
                    written = counted.get(value)
                    if written is None:
                        written = counted[value] = written_counts(value)
                    found = fieldobj.analyzer.counts_of(written)
                    lengths[doc][name] = sum(found.values())
                collector.add(doc, found)
        if collector.terms:
            numbering = numberings.get(name)
            if numbering is None:
                numbering = numberings[name] = Numbering()
            fields[name] = collector.inverted(numbering)
    return Batch(fields, lengths)


class Vocabulary(dict[str, int]):
    """A field's term → its number in the segment being written, a new term numbered as it
    comes; ``terms`` the terms by number."""

    def __init__(self) -> None:
        super().__init__()
        self.terms: list[str] = []

    def __missing__(self, term: str) -> int:
        found = self[term] = len(self.terms)
        self.terms.append(term)
        return found


class InvertedField:
    """A one-pass field's postings in the segment being written: batches' ``Inverted``
    arrays under the field's term numbers (``vocabulary``) and docnums, in the order added
    (each list holds an array a batch). ``sent``: the terms of the sender's ``Numbering`` by
    number (kept from segment to segment), ``known`` each one's number here (-1: none)."""

    def __init__(self, format_, sent: list[str]) -> None:
        self.format = format_
        self.vocabulary = Vocabulary()
        self.sent = sent
        self.known = np.zeros(0, np.int64)
        self.numbers: list[np.ndarray] = []  # uint32 each
        self.docnums: list[np.ndarray] = []  # uint32
        self.freqs: list[np.ndarray] = []  # uint32
        self.values: list[bytes] = []  # a Positions field's
        self.sizes: list[np.ndarray] = []  # uint32

    def __len__(self) -> int:
        """The field's terms."""
        return len(self.vocabulary.terms)

    def add(self, docbase: int, inverted: Inverted) -> int:
        """A batch's postings, its documents numbered from ``docbase``: the new terms."""
        before = len(self.vocabulary.terms)
        numbers = self._numbers(inverted)
        docnums = inverted.docs + np.uint32(docbase)
        self._append(numbers, docnums, inverted.freqs, inverted.values, inverted.sizes)
        return len(self.vocabulary.terms) - before

    def _numbers(self, inverted: Inverted) -> np.ndarray:
        """The batch's term numbers here: the text of a term looked up once a segment."""
        if inverted.fresh:
            self.sent.clear()
            self.known = np.zeros(0, np.int64)
        if inverted.base != len(self.sent):
            raise ValueError(f"a batch's terms numbered from {inverted.base}, not {len(self.sent)}")
        self.sent.extend(inverted.terms)
        if len(self.known) < len(self.sent):  # room for twice as many: a batch adds few
            grown = np.full(2 * len(self.sent), -1, np.int64)
            grown[: len(self.known)] = self.known
            self.known = grown
        numbers = self.known[inverted.ids]
        missing = numbers < 0
        if missing.any():
            ids = np.unique(inverted.ids[missing])
            terms = map(self.sent.__getitem__, ids.tolist())
            self.known[ids] = np.fromiter(map(self.vocabulary.__getitem__, terms), np.int64)
            numbers = self.known[inverted.ids]
        return numbers.astype(np.uint32)

    def add_one(self, docnum: int, term: str, freq: int, value: bytes | None) -> int:
        """One posting (Whoosh's writer adds them so): the new terms."""
        before = len(self.vocabulary.terms)
        number = np.array([self.vocabulary[term]], np.uint32)
        docnums, freqs = np.array([docnum], np.uint32), np.array([freq], np.uint32)
        if type(self.format) is Positions:
            value = value or b""
            self._append(number, docnums, freqs, value, np.array([len(value)], np.uint32))
        else:
            self._append(number, docnums, freqs, b"", None)
        return len(self.vocabulary.terms) - before

    def _append(self, numbers, docnums, freqs, values: bytes, sizes) -> None:
        self.numbers.append(numbers)
        self.docnums.append(docnums)
        self.freqs.append(freqs)
        if sizes is not None:
            self.values.append(values)
            self.sizes.append(sizes)

    def take(self) -> tuple[np.ndarray, ...]:
        """Its postings' term numbers, docnums, frequencies, value sizes (none: empty) and
        values, each end to end in the order added; the field is emptied."""
        found = [
            np.concatenate(part) if part else np.zeros(0, np.uint32)
            for part in (self.numbers, self.docnums, self.freqs, self.sizes)
        ]
        values = b"".join(self.values)
        self.numbers, self.docnums, self.freqs, self.values, self.sizes = [], [], [], [], []
        return (*found, values)


# What the table's memory grows by, about, for a new term (its str, dict slot, arrays) and for a
# posting (its arrays, a value): see ``PostingTable.size``
TERM_BYTES = 300
POSTING_BYTES = 24


class PostingTable:
    """In place of Whoosh's ``PostingPool``: postings by field and term, held in memory.

    A one-pass field (``one_pass``: its name → its format) keeps its postings as batches of
    arrays (``InvertedField``, added by ``add_inverted``); any other field keys its terms by
    bytes in a ``TermPostings``. Whoosh's own writer adds one posting at a time (``add``).
    ``sent``: each one-pass field's terms as the batches numbered them (the table of the
    segment before passes them on).
    """

    def __init__(self, one_pass: dict | None = None, sent: dict | None = None) -> None:
        self.fields: dict[str, dict | InvertedField] = {}
        self.one_pass = one_pass or {}
        self.sent: dict[str, list[str]] = {} if sent is None else sent
        self.size = 0  # about the bytes the postings take (TERM_BYTES, POSTING_BYTES)

    def _postings(self, fieldname: str, btext: bytes) -> TermPostings:
        terms = self.fields.setdefault(fieldname, {})
        postings = terms.get(btext)
        if postings is None:
            postings = terms[btext] = TermPostings()
            self.size += TERM_BYTES
        self.size += POSTING_BYTES
        return postings

    def _inverted(self, fieldname: str) -> InvertedField:
        found = self.fields.get(fieldname)
        if found is None:
            sent = self.sent.setdefault(fieldname, [])
            found = self.fields[fieldname] = InvertedField(self.one_pass[fieldname], sent)
        return found

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        """One posting: (fieldname, term bytes, docnum, weight, value), docnums ascending."""
        fieldname, btext, docnum, weight, value = item
        if docnum < 0:  # -1 is Whoosh's marker for a spelling word: no posting
            return
        format_ = self.one_pass.get(fieldname)
        if format_ is None:
            self._postings(fieldname, btext).add(docnum, weight, value)
            return
        freq = round(weight / format_.field_boost)
        new = self._inverted(fieldname).add_one(docnum, btext.decode(), freq, value)
        self.size += new * TERM_BYTES + POSTING_BYTES

    def add_inverted(self, fieldname: str, docbase: int, inverted: Inverted) -> None:
        """A batch's postings in a one-pass field, its documents numbered from ``docbase``."""
        new = self._inverted(fieldname).add(docbase, inverted)
        self.size += new * TERM_BYTES + len(inverted.ids) * POSTING_BYTES

    def cleanup(self) -> None:
        self.fields.clear()
        self.size = 0


def _one_pass(fieldobj) -> bool:
    """Whether a field can be inverted by ``ArabicAnalyzer.term_positions``."""
    return type(fieldobj.analyzer) is ArabicAnalyzer and type(fieldobj.format) in (
        Positions,
        Frequency,
    )
