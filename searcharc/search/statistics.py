"""The statistics of a whole index of shards: each shard answers with its own for a query's
terms, and their sum is what every shard scores with (``whooshx.statistics``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from searcharc.search.request import Plan
from searcharc.whooshx.statistics import Bm25Statistics

Term = tuple[str, str]  # a field and a term's text


@dataclass(slots=True)
class Statistics:
    """What BM25F reads of the whole index: documents (deleted ones too, as Whoosh counts),
    each scored field's total length, and some terms' document frequencies."""

    documents: int = 0
    lengths: dict[str, int] = field(default_factory=dict)
    frequencies: dict[Term, int] = field(default_factory=dict)

    @classmethod
    def of(cls, reader, terms: Iterable[Term]) -> Statistics:
        """One shard's (or segment's) statistics for ``terms``."""
        scored = [name for name, kind in reader.schema.items() if kind.scorable]
        return cls(
            reader.doc_count_all(),
            {name: reader.field_length(name) for name in scored},
            {term: reader.doc_frequency(*term) for term in terms},
        )

    def __add__(self, other: Statistics) -> Statistics:
        lengths = Counter(self.lengths) + Counter(other.lengths)
        frequencies = Counter(self.frequencies)
        frequencies.update(other.frequencies)
        names = self.lengths.keys() | other.lengths.keys()
        return Statistics(
            self.documents + other.documents,
            {name: lengths[name] for name in names},
            dict(frequencies),
        )

    def over(self, reader) -> WholeIndex:
        """These statistics as a shard's scorers read them (``reader``: the shard's)."""
        return WholeIndex(self, reader)


class WholeIndex(Bm25Statistics):
    """The statistics of the whole index, for the scorers of one shard. A term not given
    (the words a prefix or fuzzy term expands to in this shard, which score a constant)
    keeps the shard's own frequency."""

    def __init__(self, whole: Statistics, reader) -> None:
        self.whole = whole
        self.reader = reader

    def documents(self) -> int:
        return self.whole.documents

    def doc_frequency(self, fieldname: str, text: str | bytes) -> int:
        key = (fieldname, text.decode("utf-8") if isinstance(text, bytes) else text)
        found = self.whole.frequencies.get(key)
        return self.reader.doc_frequency(fieldname, text) if found is None else found

    def field_length(self, fieldname: str) -> int | None:
        return self.whole.lengths.get(fieldname)


def query_terms(plan: Plan) -> set[Term]:
    """The terms whose statistics a plan's scoring reads."""
    queries = [plan.compiled.query] + ([plan.direct.query] if plan.direct else [])
    found = {
        (name, text.decode("utf-8") if isinstance(text, bytes) else text)
        for query in queries
        if query is not None
        for name, text in query.iter_all_terms()
    }
    return found | {("body", word.stem) for word in plan.compiled.words}
