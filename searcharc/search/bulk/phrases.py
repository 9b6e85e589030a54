"""A clause read, phrases included: a phrase's documents are those where its words stand at
its distances, each scored as Whoosh scores a ``SpanNear2``, the sum of its words' scores."""

from __future__ import annotations

import numpy as np

from searcharc.search.bulk import plan as planning
from searcharc.search.bulk import postings as pl
from searcharc.search.bulk import reading
from searcharc.search.bulk.plan import Clause, Plan
from searcharc.search.bulk.ranked import TermPositions
from searcharc.search.bulk.reading import Read, Wanted


def read(plan: Plan, wanted: Wanted | None = None) -> Read:
    """``reading.read`` of a term clause. A phrase is read as its words are, whole or for the
    wanted candidates, then kept to the documents where its words stand at its distances;
    read whole, it is kept for the query."""
    if not plan.parts:
        return reading.read(plan, wanted)
    if wanted is None:
        if "phrase" not in plan.directories:
            plan.directories["phrase"] = _matches(plan, [reading.read(p) for p in plan.parts])
        return plan.directories["phrase"]
    if "phrase" in plan.directories:  # read whole already: kept to the candidates
        found: Read = plan.directories["phrase"]
        at, there = pl.found_in(found.docnums, wanted.candidates)
        docnums = wanted.candidates[there]
        return Read(docnums, found.scores[at[there]], {text: docnums for text in found.terms})
    every = Wanted(wanted.candidates, np.zeros(len(wanted.candidates)), float("-inf"))
    return _matches(plan, [reading.read(part, every) for part in plan.parts])


def _matches(plan: Plan, words: list[Read]) -> Read:
    """The documents of the phrase among those its words were read for, and their scores:
    the words' scores added in order, as Whoosh's intersection adds them ((1st + 2nd) + 3rd)."""
    if not plan.present:
        return Read(terms={text: pl.NO_DOCNUMS for text, _ in plan.terms})
    docnums = words[0].docnums
    for word in words[1:]:
        docnums = np.intersect1d(docnums, word.docnums, assume_unique=True)
    docnums = docnums[in_place(plan, docnums)]
    scores = np.zeros(len(docnums))
    for word in words:
        at, _ = pl.found_in(word.docnums, docnums)
        scores += word.scores[at]
    decoded = sum(word.decoded for word in words)
    return Read(docnums, scores, {text: docnums for text, _ in plan.terms}, decoded)


def in_place(plan: Plan, docnums: np.ndarray) -> np.ndarray:
    """Whether each document (searcher docnums, in order, each holding every word) has the
    phrase's words at its distances: a position of the first word from which each next word
    stands its distance after the one before.

    Invariant: every document holds every word (a value of each)."""
    offsets = np.cumsum([0, *(gap for gap, _ in plan.clause.after)]).tolist()
    words = [
        TermPositions(
            plan, i, [(s, info) for s, held in plan.present for j, info in held if j == i]
        )
        for i in range(len(plan.terms))
    ]
    decode = plan.positions
    found = np.zeros(len(docnums), bool)
    values = [word.values(docnums) for word in words]
    for n, (first, *rest) in enumerate(zip(*values, strict=True)):
        if __debug__:
            assert first is not None and None not in rest, "a document without a word"
        starts = set(decode(first))
        for value, offset in zip(rest, offsets[1:], strict=True):
            starts &= {at - offset for at in decode(value)}
            if not starts:
                break
        found[n] = bool(starts)
    return found


def phrase_matches(searcher, clause: Clause) -> np.ndarray:
    """Every live document of a phrase clause (searcher docnums, in order), unscored."""
    every = planning.segments(searcher)
    return read(planning.plan(searcher, clause, every, b=0.75, k1=1.2)).docnums  # any BM25
