"""What a ranking gives back: the best documents, their scores, matched terms and positions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from searcharc.search.bulk import cache
from searcharc.search.bulk import postings as pl
from searcharc.search.bulk.plan import Clause, Plan, Segment
from searcharc.search.bulk.reading import Read, term_directory
from searcharc.whooshx import postings as w3


@dataclass(frozen=True, slots=True)
class Unread:
    """What a ranking that skipped postings leaves its count to read: the clauses it did not
    read whole; the documents the others matched (masks by searcher docnum: ``every`` one,
    and the ``strong``: those a clause outside the weak field matched)."""

    clauses: list[Clause]
    every: np.ndarray
    strong: np.ndarray


@dataclass(slots=True)
class Ranked:
    """The best documents (global docnums, best first), their scores and matched terms."""

    docnums: list[int]
    scores: dict[int, float]
    terms: dict[int, set[tuple[str, bytes]]]
    total: int
    body: dict[str, TermPositions]  # the body terms' positions, by term
    body_format: object
    weak_only: int = 0  # of ``total``, the documents that only clauses of the weak field matched
    exact_total: bool = True  # False: ``total`` is a lower bound (and ``weak_only`` 0)
    decoded: int = 0  # postings decoded
    scored: int = 0  # postings scored
    matched: np.ndarray | None = None  # every matching document (in order), when exact
    unread: Unread | None = None  # when not exact: what counting the rest needs
    known: dict[tuple[int, str], list[int] | None] = field(default_factory=dict)  # positions
    # read so far, by document and stem (None: not in the body): the re-rank's, for the hits

    def body_positions(self, docnum: int, stems: set[str]) -> dict[int, str] | None:
        """Word index → stem for the document's body words indexed as ``stems`` (in order).

        None when a stem is not among the body terms: the caller must analyze the body.
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
        return self.positions([docnum], stems)[docnum]

    def positions(
        self, docnums: Iterable[int], stems: Iterable[str]
    ) -> dict[int, dict[str, list[int]]]:
        """``stem_positions`` of many documents: each stem's blocks fetched once for all (and
        each document's positions read once: ``known``)."""
        found: dict[int, dict[str, list[int]]] = {d: {} for d in sorted(set(docnums))}
        known, decode = self.known, self.body_format.decode_positions
        for stem in stems:
            if stem not in self.body:
                continue
            unknown = [d for d in found if (d, stem) not in known]
            if unknown:
                values = self.body[stem].values(np.array(unknown, np.uint32))
                for docnum, value in zip(unknown, values, strict=True):
                    known[docnum, stem] = None if value is None else decode(value)
            for docnum, stems_found in found.items():
                if (positions := known[docnum, stem]) is not None:
                    stems_found[stem] = positions
        return found


@dataclass(slots=True)
class TermPositions:
    """A term's postings values (positions), each block decoded when a document of it is
    asked for: only those of a few hits (or a phrase's candidates) ever are."""

    plan: Plan  # a clause of the term, of a field with positions
    i: int  # the term's place in the clause
    present: list[tuple[Segment, object]]  # the segments that hold it, its term info there

    def values(self, docnums: np.ndarray) -> list[bytes | None]:
        """The posting values of documents (searcher docnums, in order; None where the term
        has no posting), each block's fetched once."""
        found: list[bytes | None] = [None] * len(docnums)
        bounds = [edge for segment, _ in self.present for edge in (segment.offset, segment.end())]
        cuts = np.searchsorted(docnums, bounds).tolist()
        for n, (segment, info) in enumerate(self.present):
            lo, hi = cuts[2 * n], cuts[2 * n + 1]
            if lo == hi:
                continue
            local = (docnums[lo:hi] - np.uint32(segment.offset)).tolist()
            directory = term_directory(self.plan, segment, self.i, info)
            ks = directory.lasts.searchsorted(local).tolist() if directory else [0] * len(local)
            block, at = {}, -1
            for j, (one, k) in enumerate(zip(local, ks, strict=True)):
                if k != at:
                    block, at = self._block(segment, info, directory, k), k
                found[lo + j] = block.get(one)
        return found

    def _block(self, segment: Segment, info, directory, k: int) -> dict[int, bytes]:
        """The values of the term's postings in block ``k`` of a segment (all of them for an
        inlined posting), by segment docnum: kept in ``cache.CACHE`` between queries."""
        btext = self.plan.terms[self.i][1]
        if directory is None:  # an inlined posting
            values: list = []
            matcher = w3.leaf_matcher(segment.reader, self.plan.clause.field, btext, info)
            return dict(zip(pl.one_by_one(matcher, values).docnums.tolist(), values, strict=True))
        if k == len(directory.lasts):
            return {}

        def decode() -> dict[int, bytes]:
            postfile = w3.postings_file(segment.reader)
            docnums, _ = w3.block_of(postfile, directory, k)
            return dict(zip(docnums.tolist(), w3.values_of(postfile, directory, k), strict=True))

        key = (segment.key(), self.plan.clause.field, btext, k)
        return cache.CACHE.get(key, decode, _values_size)


def _values_size(found: dict[int, bytes]) -> int:
    return 100 * len(found) + sum(map(len, found.values()))


def body_positions(plans: list[Plan]) -> dict[str, TermPositions]:
    """The body terms' positions, by term (of a term's clauses, the first's; a phrase's
    words are terms of clauses of their own when the query has them)."""
    found: dict[str, TermPositions] = {}
    for plan in plans:
        if plan.clause.field != "body" or plan.parts:
            continue
        for i, (text, _) in enumerate(plan.terms):
            present = [(s, info) for s, held in plan.present for j, info in held if j == i]
            if present and text not in found:
                found[text] = TermPositions(plan, i, present)
    return found


def sums(reads: list[Read], docnums: np.ndarray) -> np.ndarray:
    """The documents' scores, added in the clauses' own order (as exhaustive scoring adds)."""
    found = np.zeros(len(docnums))
    for read in reads:
        at, there = pl.found_in(read.docnums, docnums)
        found[there] += read.scores[at[there]]
    return found


def matched_terms(
    plans: list[Plan], reads: list[Read], docnums: np.ndarray
) -> dict[int, set[tuple[str, bytes]]]:
    """Each document → the (field, term bytes) it matched."""
    found: dict[int, set[tuple[str, bytes]]] = {d: set() for d in docnums.tolist()}
    ordered = np.sort(docnums)
    for plan, read in zip(plans, reads, strict=True):
        for text, btext in plan.terms:
            if text in read.terms:
                _, there = pl.found_in(read.terms[text], ordered)
                for docnum in ordered[there].tolist():
                    found[docnum].add((plan.clause.field, btext))
    return found


def weak_only(plans: list[Plan], reads: list[Read], weak: str, seen: np.ndarray) -> int:
    """Of the documents ``seen`` (every match), how many only clauses of the field ``weak``
    matched."""
    strong = [
        read.docnums for plan, read in zip(plans, reads, strict=True) if plan.clause.field != weak
    ]
    held = pl.distinct(np.concatenate(strong)) if strong else pl.NO_DOCNUMS
    return len(seen) - len(held)
