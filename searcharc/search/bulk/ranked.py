"""What a ranking gives back: the best documents, their scores, matched terms and positions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from searcharc.search.bulk import postings as pl
from searcharc.search.bulk.plan import Plan
from searcharc.search.bulk.postings import Postings
from searcharc.search.bulk.reading import Read


@dataclass(slots=True)
class Ranked:
    """The best documents (global docnums, best first), their scores and matched terms."""

    docnums: list[int]
    scores: dict[int, float]
    terms: dict[int, set[tuple[str, bytes]]]
    total: int
    body: dict[str, Postings]  # the body terms' postings, by term
    body_format: object
    weak_only: int = 0  # of ``total``, the documents that only clauses of the weak field matched
    exact_total: bool = True  # False: ``total`` is a lower bound (and ``weak_only`` 0)
    decoded: int = 0  # postings decoded
    scored: int = 0  # postings scored
    matched: set[int] | None = None  # every matching document, when the total is exact

    def body_positions(self, docnum: int, stems: set[str]) -> dict[int, str] | None:
        """Word index → stem for the document's body words indexed as ``stems`` (in order).

        None when a stem's body postings were not read: the caller must analyze the body.
        """
        if not stems <= self.body.keys():
            return None
        found = {
            pos: stem
            for stem, positions in self.stem_positions(docnum, stems).items()
            for pos in positions
        }
        return dict(sorted(found.items()))

    def stem_positions(self, docnum: int, stems: Iterable[str]) -> dict[str, list[int]]:
        """Each of ``stems`` that the document's body has → its word positions there."""
        found = {}
        for stem in stems:
            value = self.body[stem].value(docnum) if stem in self.body else None
            if value is not None:
                found[stem] = self.body_format.decode_positions(value)
        return found


def body_postings(plans: list[Plan], reads: list[Read]) -> dict[str, Postings]:
    """The body terms' postings that the clauses read, by term."""
    return {
        text: pl.joined(read.postings[text])
        for plan, read in zip(plans, reads, strict=True)
        if plan.clause.field == "body"
        for text, _ in plan.terms
        if text in read.postings
    }


def sums(reads: list[Read], docnums: set[int]) -> dict[int, float]:
    """The documents' scores, added in the clauses' own order (as exhaustive scoring adds)."""
    found = dict.fromkeys(docnums, 0.0)
    for read in reads:
        for docnum, score in zip(read.docnums, read.scores, strict=True):
            if docnum in docnums:
                found[docnum] += score
    return found


def matched_terms(
    plans: list[Plan], reads: list[Read], docnums: list[int]
) -> dict[int, set[tuple[str, bytes]]]:
    """Each document → the (field, term bytes) it matched."""
    found: dict[int, set[tuple[str, bytes]]] = {d: set() for d in docnums}
    ordered = sorted(docnums)
    for plan, read in zip(plans, reads, strict=True):
        for text, btext in plan.terms:
            if text in read.postings:
                for docnum in read.holding(text, ordered):
                    found[docnum].add((plan.clause.field, btext))
    return found


def weak_only(plans: list[Plan], reads: list[Read], weak: str, total: int) -> int:
    """Of ``total`` documents, how many only clauses of the field ``weak`` matched."""
    strong = set().union(
        *(
            postings.docnums
            for plan, read in zip(plans, reads, strict=True)
            if plan.clause.field != weak
            for parts in read.postings.values()
            for postings in parts
        )
    )
    return total - len(strong)
