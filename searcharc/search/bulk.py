"""BM25F for a disjunction of terms, scored a posting list at a time, skipping what cannot
enter the top k.

Free words compile to a tree of ``Or`` over ``Term`` queries. Whoosh scores such a tree by
walking a matcher tree document by document, several Python calls per document and per
clause; on 31,000 articles that is 20-200 ms a query. Here each term's postings are read a
block at a time and scored into one array, with the same formula, statistics and boosts as
Whoosh's BM25F (sums may differ in the last bit: Whoosh's own order of addition depends on
the index size). Clauses that cannot lift an unseen document into the top k are read only for
the documents that still can (MaxScore, see ``rank``). Any other query shape is left to Whoosh.
"""

from __future__ import annotations

import os
from array import array
from bisect import bisect_left, bisect_right
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from heapq import nlargest
from itertools import compress, repeat
from operator import not_

from whoosh.query import Query, Term
from whoosh.reading import TermNotFound
from whoosh.util.numeric import byte_to_length

from searcharc.search.blend import Blend, Or, blend_idf
from searcharc.whooshx import postings as w3
from searcharc.whooshx.segments import view as segment_view


@dataclass(frozen=True, slots=True)
class Clause:
    """One term of the disjunction and the boost its score is multiplied by."""

    field: str
    text: str
    boost: float
    blend: tuple[str, ...] = ()  # more terms of the field scored as this one (``Blend``)


@dataclass(slots=True)
class _Postings:
    """A term's postings: document numbers, weights (term frequencies), encoded values."""

    docnums: array = field(default_factory=lambda: array("I"))
    weights: array = field(default_factory=lambda: array("f"))
    values: list[bytes] = field(default_factory=list)

    def _at(self, docnum: int) -> int | None:
        i = bisect_left(self.docnums, docnum)
        return i if i < len(self.docnums) and self.docnums[i] == docnum else None

    def has(self, docnum: int) -> bool:
        return self._at(docnum) is not None

    def value(self, docnum: int) -> bytes | None:
        """The posting value of one document (its positions), None when it has no posting."""
        i = self._at(docnum)
        return self.values[i] if i is not None and i < len(self.values) else None


def _size(postings: _Postings) -> int:
    """About how many bytes the postings take in memory."""
    values = sum(map(len, postings.values)) + 40 * len(postings.values)
    return 8 * len(postings.docnums) + values + 200


@dataclass(slots=True)
class PostingsCache:
    """Decoded postings (and their scores), the least recently used dropped first past
    ``budget`` bytes: a long-running process (``--batch``, the Python API) decodes and scores
    a frequent term once."""

    budget: int
    entries: OrderedDict = field(default_factory=OrderedDict)  # key → (value, size)
    size: int = 0
    hits: int = 0
    misses: int = 0

    def get(self, key: tuple, make: Callable[[], object], size: Callable[[object], int]):
        """The value under ``key``; on a miss, ``make()``'s, kept if the budget allows."""
        found = self.entries.get(key)
        if found is not None:
            self.hits += 1
            self.entries.move_to_end(key)
            return found[0]
        self.misses += 1
        value = make()
        cost = size(value) if self.budget else 1
        if cost <= self.budget:
            self.entries[key] = (value, cost)
            self.size += cost
            while self.size > self.budget:
                self.size -= self.entries.popitem(last=False)[1][1]
        return value

    def clear(self) -> None:
        self.entries.clear()
        self.size = self.hits = self.misses = 0


CACHED_FROM = 512  # documents: a term in fewer is decoded each time (it is cheap to)
CACHE_MB = 64  # the default budget; $SEARCHARC_CACHE_MB sets another (0: no cache)


def _budget(setting: str) -> int:
    """The cache budget in bytes for a $SEARCHARC_CACHE_MB value (the default if not a count)."""
    return (int(setting) if setting.isdigit() else CACHE_MB) << 20


CACHE = PostingsCache(_budget(os.environ.get("SEARCHARC_CACHE_MB", "")))
# Block directories (``w3.Directory``, 41 bytes a block) of the frequent terms, apart: the
# postings in ``CACHE`` would push them out, and they are what a query's skimming reads most.
DIRECTORIES = PostingsCache(CACHE.budget // 8)


@dataclass(slots=True)
class Ranked:
    """The best documents (global docnums, best first), their scores and matched terms."""

    docnums: list[int]
    scores: dict[int, float]
    terms: dict[int, set[tuple[str, bytes]]]
    total: int
    body: dict[str, _Postings]  # the body terms' postings, by term
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


def clauses(query: Query) -> list[Clause] | None:
    """The terms of a tree of plain ``Or`` queries over ``Term`` leaves; None for other shapes."""
    if type(query) is Term:
        return [Clause(query.fieldname, query.text, query.boost)]
    if type(query) is Blend and all(type(sub) is Term for sub in query.subqueries):
        first, *rest = query.subqueries
        return [Clause(first.fieldname, first.text, query.boost, tuple(t.text for t in rest))]
    if type(query) is not Or or query.boost != 1.0 or query.minmatch or query.scale:
        return None
    found: list[Clause] = []
    for sub in query.subqueries:
        leaves = clauses(sub)
        if leaves is None:
            return None
        found += leaves
    return found


def bm25(idf: float, tf: float, length: float, avgfl: float, b: float, k1: float) -> float:
    """Whoosh's ``scoring.bm25``, term for term (so that the floats come out the same)."""
    return idf * ((tf * (k1 + 1)) / (tf + k1 * ((1 - b) + b * length / avgfl)))


# Relative margin on every bound and threshold: skipping adds scores in another order than the
# final sum, and float addition is not associative (40 terms differ by under 1e-14).
SLACK = 1e-9


@dataclass(slots=True)
class _Segment:
    """One segment of the index: its reader, where its docnums start, its deleted documents."""

    reader: object
    offset: int
    deleted: frozenset | set

    def lengths(self, fieldname: str) -> bytes:
        """Each document's field length byte (``SegmentView.field_lengths``)."""
        return segment_view(self.reader).field_lengths(fieldname)

    def key(self) -> str:
        """What names the segment in ``CACHE`` (its postings never change)."""
        return self.reader.segment().segment_id()

    def term_info(self, fieldname: str, btext: bytes):
        """The term's W3 term info here, None when the segment does not hold it."""
        try:
            return self.reader.term_info(fieldname, btext)
        except TermNotFound:
            return None


@dataclass(slots=True)
class _Plan:
    """A clause ready to read: its BM25F statistics, its terms by segment, a score bound."""

    clause: Clause
    stats: tuple  # idf, average field length, b, k1, boost
    terms: list[tuple[str, bytes]]  # the clause's texts and their bytes
    present: list[tuple[_Segment, list[tuple[int, object]]]]  # segments, the ``terms`` they
    # hold and their term infos
    bound: float  # no document scores more by this clause
    table: dict = field(default_factory=dict)  # ``_scored``'s scores by key, for every segment


@dataclass(slots=True)
class _Read:
    """What reading one clause gave: a score for each document it was read for, each of its
    terms' postings (as far as they were decoded)."""

    docnums: array = field(default_factory=lambda: array("I"))
    scores: list[float] = field(default_factory=list)
    postings: dict[str, list[_Postings]] = field(default_factory=dict)  # term → parts, in order
    decoded: int = 0
    dropped: set[int] = field(default_factory=set)  # candidates a block's bound ruled out

    def add(self, text: str, postings: _Postings) -> None:
        """More postings of one term (searcher docnums, after those before)."""
        self.postings.setdefault(text, []).append(postings)

    def holding(self, text: str, docnums: list[int]) -> Iterator[int]:
        """Those of ``docnums`` (in order) with a posting of the term ``text``: looked up in
        each part (parts follow each other in docnum order), not by walking every posting."""
        for part in self.postings[text]:
            if part.docnums:
                first = bisect_left(docnums, part.docnums[0])
                last = bisect_right(docnums, part.docnums[-1], first)
                yield from filter(part.has, docnums[first:last])

    def add_scores(self, docnums: array, scores: Iterable[float], offset: int) -> None:
        """Scores of the clause (segment docnums, in order)."""
        self.scores += scores
        self.docnums.extend(map(offset.__add__, docnums) if offset else docnums)


def segments(searcher) -> list[_Segment]:
    """The searcher's segments."""
    return [
        _Segment(leaf.reader(), offset, getattr(leaf.reader(), "deleted_docs_set", frozenset()))
        for leaf, offset in searcher.leaf_searchers()
    ]


def _plan(searcher, clause: Clause, segments: list[_Segment], b: float, k1: float) -> _Plan:
    """The clause's statistics and bound: the BM25F score of its terms' highest frequencies
    (added) at their shortest field length, from W3's term infos, the highest of the segments."""
    texts = (clause.text, *clause.blend)
    to_bytes = searcher.schema[clause.field].to_bytes
    terms = [(text, to_bytes(text)) for text in texts]
    found = [
        (
            segment,
            [(i, segment.term_info(clause.field, btext)) for i, (_, btext) in enumerate(terms)],
        )
        for segment in segments
    ]
    frequencies = [
        sum(infos[i][1].doc_frequency() for _, infos in found if infos[i][1] is not None)
        for i in range(len(terms))
    ]
    avgfl = searcher.avg_field_length(clause.field) or 1
    # a blend's idf is that of its most frequent term in the whole index: in a shard (whose
    # searcher gives the index's frequencies) the shard's own term infos may pick another
    known = () if clause.blend else frequencies
    stats = (blend_idf(searcher, clause.field, texts, known), avgfl, b, k1, clause.boost)
    present, bound = [], 0.0
    for segment, infos in found:
        held = [(i, info) for i, info in infos if info is not None]
        if held:
            tf = sum(info.max_weight() for _, info in held)
            bound = max(bound, _bound(stats, tf, min(info.min_length() for _, info in held)))
            present.append((segment, held))
    return _Plan(clause, stats, terms, present, bound)


def _bound(stats: tuple, tf: float, length: float) -> float:
    """The BM25F score of a frequency at a length, raised by ``SLACK``."""
    idf, avgfl, b, k1, boost = stats
    return bm25(idf, tf, length, avgfl, b, k1) * boost * (1 + SLACK)


def _scored(postings: _Postings, lengths: bytes, stats: tuple, table: dict) -> list[float]:
    """Each posting's BM25F score; ``lengths`` is indexed by the postings' docnums.

    A score depends only on the term frequency and the length byte: it is computed once for
    each pair that occurs, kept in ``table`` (the clause's, for all its segments), and the rest
    is lookups done by C loops (map, set). Whole frequencies (all of them, in practice) and the
    length byte make one int key a posting.
    """
    idf, avgfl, b, k1, boost = stats
    lengths_of = map(lengths.__getitem__, postings.docnums)
    if all(map(float.is_integer, postings.weights)):
        keys = list(map(int.__add__, map((256).__mul__, map(int, postings.weights)), lengths_of))
        for key in set(keys).difference(table):
            table[key] = bm25(idf, float(key >> 8), byte_to_length(key & 255), avgfl, b, k1) * boost
    else:
        keys = list(zip(postings.weights, lengths_of, strict=True))
        for key in set(keys).difference(table):
            table[key] = bm25(idf, key[0], byte_to_length(key[1]), avgfl, b, k1) * boost
    return list(map(table.__getitem__, keys))


def _postings(matcher, values_too: bool) -> _Postings:
    """Every posting of a term in one segment (segment docnums)."""
    blocks = w3.read_blocks(matcher, values_too)
    return _Postings(*blocks) if blocks is not None else _one_by_one(matcher)


def _live(postings: _Postings, deleted: frozenset | set) -> _Postings:
    """The postings of documents not deleted."""
    if not deleted:
        return postings
    # selections by C loops (map, compress): a segment with deletions is read on every query
    alive = list(map(not_, map(deleted.__contains__, postings.docnums)))
    return postings if all(alive) else _selected(postings, alive)


def _selected(postings: _Postings, kept: list[bool]) -> _Postings:
    """The postings where ``kept`` is true (C loops)."""
    return _Postings(
        array("I", compress(postings.docnums, kept)),
        array("f", compress(postings.weights, kept)),
        list(compress(postings.values, kept)) if postings.values else [],
    )


def _one_by_one(matcher) -> _Postings:
    """The postings of a matcher that cannot be read a block at a time (an inlined term)."""
    found = _Postings()
    while matcher.is_active():
        found.docnums.append(matcher.id())
        found.weights.append(matcher.weight())
        found.values.append(matcher.value())
        matcher.next()
    return found


def _blended(postings: list[_Postings]) -> _Postings:
    """Terms of one blend as one posting list: frequencies added by document (no values)."""
    present = [p for p in postings if p.docnums]
    if len(present) <= 1:
        return present[0] if present else _Postings()
    frequency: dict[int, float] = {}
    for one in present:  # added in the terms' order, only where two meet
        more = dict(zip(one.docnums, one.weights, strict=True))
        for docnum in frequency.keys() & more.keys():
            more[docnum] = frequency[docnum] + more[docnum]
        frequency.update(more)
    return _frequencies(frequency)


def _frequencies(frequency: dict[int, float]) -> _Postings:
    """Postings of summed frequencies by docnum (stored as W3 weights are: 32-bit floats)."""
    docnums = sorted(frequency)
    return _Postings(array("I", docnums), array("f", map(frequency.__getitem__, docnums)))


def _shifted(postings: _Postings, offset: int) -> _Postings:
    """The same postings with ``offset`` added to the docnums."""
    docnums = array("I", map(offset.__add__, postings.docnums)) if offset else postings.docnums
    return _Postings(docnums, postings.weights, postings.values)


def _joined(parts: list[_Postings]) -> _Postings:
    """One term's postings from its parts (segments, blocks), in docnum order."""
    if len(parts) == 1:
        return parts[0]
    merged = _Postings()
    for part in parts:
        merged.docnums.extend(part.docnums)
        merged.weights.extend(part.weights)
        merged.values.extend(part.values)
    return merged


def _read_all(plan: _Plan) -> _Read:
    """Every posting of the clause's terms, scored."""
    read = _Read()
    for segment, held in plan.present:
        found = [
            _live(_term_postings(plan, segment, i, info, read), segment.deleted) for i, info in held
        ]
        docnums, scores = _clause_scores(plan, segment, held, found)
        parts = [_shifted(postings, segment.offset) for postings in found]
        for (i, _), postings in zip(held, parts, strict=True):
            read.add(plan.terms[i][0], postings)
        if len(found) == 1 and docnums is found[0].docnums:  # shifted already
            read.add_scores(parts[0].docnums, scores, 0)
        else:
            read.add_scores(docnums, scores, segment.offset)
    return read


def _clause_scores(
    plan: _Plan, segment: _Segment, held: list, found: list[_Postings]
) -> tuple[array, list[float]]:
    """The clause's documents in a segment (segment docnums) and their scores, from ``CACHE``
    when its terms are frequent (the scores change with the statistics, which the key holds)."""

    def score() -> tuple[array, list[float]]:
        blended = _blended(found)
        lengths = segment.lengths(plan.clause.field)
        return blended.docnums, _scored(blended, lengths, plan.stats, plan.table)

    if not _frequent(held):
        return score()
    return CACHE.get(_scores_key(plan, segment, held), score, lambda found: 36 * len(found[0]))


def _scores_key(plan: _Plan, segment: _Segment, held: list) -> tuple:
    """What names a clause's scores in a segment in ``CACHE``."""
    btexts = tuple(plan.terms[i][1] for i, _ in held)
    return (segment.key(), plan.clause.field, btexts, plan.stats, len(segment.deleted))


def _term_postings(plan: _Plan, segment: _Segment, i: int, info, read: _Read) -> _Postings:
    """All postings of the clause's ``i``-th term in a segment (segment docnums, deleted ones
    too), from ``CACHE`` if the term is frequent enough to be kept there."""
    field_, btext = plan.clause.field, plan.terms[i][1]
    values_too = field_ == "body"  # positions: proximity and snippets

    def decode() -> _Postings:
        matcher = w3.leaf_matcher(segment.reader, field_, btext, info)
        found = _postings(matcher, values_too)
        read.decoded += len(found.docnums)
        return found

    if info.doc_frequency() < CACHED_FROM:
        return decode()
    return CACHE.get((segment.key(), field_, btext, values_too), decode, _size)


def _read_for(
    plan: _Plan, candidates: list[int], partial: dict[int, float], floor: float, memo: dict
) -> _Read:
    """The clause's scores of ``candidates`` (in order; ``partial`` their scores so far) only.

    Blocks without a candidate are not decoded; nor, in a one-term clause, blocks whose bound
    cannot lift any of their candidates to ``floor``: those candidates are ``dropped``.
    Frequent terms are read whole (from ``CACHE``).
    """
    field_ = plan.clause.field
    read = _Read()
    for segment, held in plan.present:
        start = bisect_left(candidates, segment.offset)
        end = bisect_left(candidates, segment.offset + segment.reader.doc_count_all(), start)
        if start == end:
            continue  # no candidate in this segment
        if _frequent(held) and _scores_key(plan, segment, held) in CACHE.entries:  # kept for
            # the candidates, from the whole clause's scores
            found = [_term_postings(plan, segment, i, info, read) for i, info in held]
            found = [_live(postings, segment.deleted) for postings in found]
            docnums, scores = _clause_scores(plan, segment, held, found)
            kept = list(map(partial.__contains__, map(segment.offset.__add__, docnums)))
            read.add_scores(compress(docnums, kept), compress(scores, kept), segment.offset)
            for (i, _), postings in zip(held, found, strict=True):
                read.add(plan.terms[i][0], _shifted(postings, segment.offset))
            continue
        parts = []  # each term's postings of the candidates (segment docnums)
        for i, info in held:
            found = _candidate_blocks(
                plan, segment, i, info, candidates[start:end], partial, floor, read, memo
            )
            parts.append(_joined(found) if found else _Postings())
            if found:
                read.add(plan.terms[i][0], _shifted(parts[-1], segment.offset))
        postings = _blended(parts)
        scores = _scored(postings, segment.lengths(field_), plan.stats, plan.table)
        read.add_scores(postings.docnums, scores, segment.offset)
    return read


def _postings_count(plan: _Plan) -> int:
    """How many postings the clause's terms have in all (what reading it whole decodes)."""
    return sum(info.doc_frequency() for _, held in plan.present for _, info in held)


def _frequent(held: list) -> bool:
    """Whether a clause's terms in a segment are in enough documents to be cached."""
    return sum(info.doc_frequency() for _, info in held) >= CACHED_FROM


def _candidate_blocks(
    plan: _Plan,
    segment: _Segment,
    i: int,
    info,
    candidates: list[int],
    partial: dict[int, float],
    floor: float,
    read: _Read,
    memo: dict,
) -> list[_Postings]:
    """The candidates' postings (segment docnums) in the blocks of the clause's ``i``-th term
    in a segment that hold candidates who can still reach ``floor`` (block-max: Ding & Suel
    2011); the candidates of the others are ``read.dropped``. The blocks are found in the
    term's ``w3.Directory``, by bisection; those decoded are kept in ``memo`` (for the query).
    """
    values_too = plan.clause.field == "body"
    offset = segment.offset
    directory = _directory(plan, segment, i, info)
    if directory is None:  # an inlined posting
        matcher = w3.leaf_matcher(segment.reader, plan.clause.field, plan.terms[i][1], info)
        found = _postings(matcher, values_too)
        read.decoded += len(found.docnums)
        kept = map(partial.__contains__, map(offset.__add__, found.docnums))
        return [_selected(found, list(kept))]
    lasts = directory.lasts
    first = bisect_left(candidates, offset)
    stop = bisect_right(candidates, offset + lasts[-1], first)
    if stop - first > len(lasts):  # candidates in most blocks: each block looked at
        looked = range(len(lasts))
    else:  # each candidate's block looked up
        looked = sorted(
            set(map(bisect_left, repeat(lasts), map(offset.__rsub__, candidates[first:stop])))
        )
    one_term = len(plan.terms) == 1
    found = []
    for k in looked:
        end = bisect_right(candidates, offset + lasts[k], first, stop)
        if end == first:
            continue
        held, first = candidates[first:end], end
        if one_term:
            best = max(map(partial.__getitem__, held))
            if best + _bound(plan.stats, directory.weights[k], directory.lengths[k]) < floor:
                read.dropped.update(held)
                continue
        key = (offset, plan.clause.field, plan.terms[i][1], k)
        if key not in memo:
            memo[key] = _Postings(*w3.block_of(segment.reader, directory, k, values_too))
            read.decoded += len(memo[key].docnums)
        found.append(_of(memo[key], list(map(offset.__rsub__, held))))
    return found


def _of(block: _Postings, docnums: list[int]) -> _Postings:
    """The postings of a block that are of ``docnums`` (in order, within the block's range):
    each looked up by bisection when they are few, else each posting looked up in a set."""
    ids = block.docnums
    if len(docnums) * 16 >= len(ids):
        return _selected(block, list(map(set(docnums).__contains__, ids)))
    at = map(bisect_left, repeat(ids), docnums)
    found = [j for j, docnum in zip(at, docnums, strict=True) if j < len(ids) and ids[j] == docnum]
    return _Postings(
        array("I", map(ids.__getitem__, found)),
        array("f", map(block.weights.__getitem__, found)),
        list(map(block.values.__getitem__, found)) if block.values else [],
    )


def _directory(plan: _Plan, segment: _Segment, i: int, info) -> w3.Directory | None:
    """The block directory of the clause's ``i``-th term in a segment, from ``DIRECTORIES``
    when the term is frequent enough to be kept there; None for postings not in blocks."""
    field_, btext = plan.clause.field, plan.terms[i][1]

    def read() -> w3.Directory | None:
        matcher = w3.leaf_matcher(segment.reader, field_, btext, info)
        return w3.directory(matcher) if w3.is_blocked(matcher) else None

    if info.doc_frequency() < CACHED_FROM or info.is_inlined():
        return read()
    return DIRECTORIES.get((segment.key(), field_, btext), read, w3.Directory.size)


def _needed(scores: Iterable[float], limit: int, reach, threshold: float) -> float:
    """The score a document must be able to reach to be wanted: at least ``threshold`` and the
    ``limit``-th best of ``scores`` (lower bounds of the documents' scores); with ``reach``
    (k, lift), the k-th best less ``lift`` when that is more. Scores under ``threshold`` change
    nothing: they are filtered out first (a C loop), the heap sees the others only."""
    best = nlargest(limit, filter(threshold.__le__, scores))
    found = best[limit - 1] if len(best) >= limit else 0.0
    if reach is not None and len(best) >= reach[0]:
        found = max(found, best[reach[0] - 1] - reach[1])
    return max(threshold, found)


def _at_least(docnums: Iterable[int], score, floor: float) -> list[int]:
    """The docnums (distinct, in order) whose ``score`` is ``floor`` or more (C loops)."""
    docnums = list(docnums)
    return sorted(set(compress(docnums, map(floor.__le__, map(score, docnums)))))


def rank(
    searcher,
    found: Sequence[Clause],
    b: float,
    k1: float,
    limit: int,
    weak: str = "",
    exhaustive: bool = False,
    reach: tuple[int, float] | None = None,
) -> Ranked:
    """The ``limit`` best documents for the disjunction of ``found``, as Whoosh ranks them;
    those that only clauses of the field ``weak`` matched are counted apart.

    MaxScore (Turtle & Flood 1995), a clause at a time: clauses are read whole, highest bound
    first, until the bounds of the clauses left add up to less than the ``limit``-th best score
    so far. No document unseen by then can enter the best: the clauses left are read only for
    the documents that still can (``_read_for``), which fall away as the bounds left shrink.
    The total is then a lower bound (``Ranked.exact_total``). ``exhaustive`` reads every
    posting. Either way the same documents come out, in the same order, with the same scores.

    ``reach`` (k, lift): only the documents that a re-ranking which adds at most ``lift`` to a
    score could put among the best k are wanted. Clauses are then read whole only until no
    unseen document can score the k-th best less ``lift`` (when that is more than the
    ``limit``-th best), and the clauses left only for the documents that still can: the best k
    once re-ranked are the same, in the same order; the documents under that score may be
    missing or out of place, and the total (a lower bound) may be smaller.
    """
    found_segments = segments(searcher)
    plans = [_plan(searcher, clause, found_segments, b, k1) for clause in found]
    remaining = sorted(range(len(plans)), key=lambda i: -plans[i].bound)
    reads: dict[int, _Read] = {}
    scores: defaultdict[int, float] = defaultdict(float)  # not an array of every document:
    # its allocation and count of zeros grew with the archive (8 MB and 47 ms at 1M)
    rest, threshold = sum(p.bound for p in plans), 0.0
    top: set[int] = set()  # the best ``limit`` documents (of those in ``pending`` and it)
    pending: list[array] = []
    risen = 0.0  # the bounds read since ``threshold``: no score rose by more
    while remaining:
        i = remaining.pop(0)
        read = reads[i] = _read_all(plans[i])
        _add(scores, read)
        rest -= plans[i].bound
        risen += plans[i].bound
        pending.append(read.docnums)
        if not exhaustive and remaining and rest < threshold + risen:  # else rest >= the k-th
            # scores only rise: the best are among the best before and the documents read since
            # those below the threshold stay below the next (C loops: no set of them all)
            risers = (
                compress(p, map(threshold.__le__, map(scores.__getitem__, p))) for p in pending
            )
            contenders = top.union(*risers)
            pending.clear()
            values = list(map(scores.__getitem__, contenders))
            threshold, risen = _needed(values, limit, reach, threshold), 0.0
            top = set(compress(contenders, map(threshold.__le__, values)))
            if rest < threshold * (1 - SLACK):
                break
    seeding = 0  # postings decoded for the seeds
    if remaining:  # left by the break: ``threshold`` and ``top`` are up to date
        memo: dict = {}  # decoded blocks, for the seeds and the candidates
        if reach is not None:
            seeded, seeding = _seeded(plans, remaining, sorted(top), scores, reach, memo)
            threshold = max(threshold, seeded)
        floor = threshold * (1 - SLACK) - rest
        candidates = sorted(compress(scores, map(floor.__le__, scores.values())))
        total = len(scores)
        survivors = _skim(
            plans, remaining, reads, candidates, scores, threshold, limit, reach, memo
        )
        approximate = survivors.__getitem__
    else:
        survivors = set(scores)
        approximate, total = scores.__getitem__, len(survivors)
    kth = _needed(map(approximate, survivors), limit, None, 0.0)
    near = _at_least(survivors, approximate, kth * (1 - SLACK))
    ordered = [reads[i] for i in range(len(plans))]
    exact = _sums(ordered, set(near))
    best = nlargest(limit, near, key=exact.__getitem__)  # ties: docnum order
    body_format = searcher.schema["body"].format if "body" in searcher.schema else None
    return Ranked(
        best,
        {d: exact[d] for d in best},
        _matched_terms(plans, ordered, best),
        total,
        {
            text: _joined(read.postings[text])
            for plan, read in zip(plans, ordered, strict=True)
            if plan.clause.field == "body"
            for text, _ in plan.terms
            if text in read.postings
        },
        body_format,
        0 if remaining else _weak_only(plans, ordered, weak, total),
        exact_total=not remaining,
        matched=None if remaining else survivors,
        decoded=seeding + sum(read.decoded for read in ordered),
        scored=sum(len(read.scores) for read in ordered),
    )


def _add(scores: dict[int, float], read: _Read) -> None:
    """Adds a clause's scores to ``scores`` by C loops (a read's docnums are distinct)."""
    old = map(scores.get, read.docnums, repeat(0.0))
    scores.update(zip(read.docnums, map(float.__add__, old, read.scores), strict=True))


def _sums(reads: list[_Read], docnums: set[int]) -> dict[int, float]:
    """The documents' scores, added in the clauses' own order (as exhaustive scoring adds)."""
    sums = dict.fromkeys(docnums, 0.0)
    for read in reads:
        pairs = zip(read.docnums, read.scores, strict=True)
        for docnum, score in compress(pairs, map(docnums.__contains__, read.docnums)):
            sums[docnum] += score
    return sums


def _matched_terms(
    plans: list[_Plan], reads: list[_Read], docnums: list[int]
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


def _seeded(
    plans: list[_Plan],
    remaining: list[int],
    top: list[int],
    scores: dict[int, float],
    reach: tuple[int, float],
    memo: dict,
) -> tuple[float, int]:
    """A score that the documents ``reach`` wants can reach, from the whole scores of the k best
    so far: the clauses left read for those k alone (the few blocks that hold them); the least
    of the k less the lift. Every candidate under it is left out before the clauses are read
    for them all (0.0 when there are not k documents yet); and the postings decoded for it."""
    k, lift = reach
    probe = sorted(nlargest(k, top, key=scores.__getitem__))
    if len(probe) < k:
        return 0.0, 0
    whole, decoded = {d: scores[d] for d in probe}, 0
    for i in remaining:
        read = _read_for(plans[i], probe, dict.fromkeys(probe, 0.0), float("-inf"), memo)
        _add(whole, read)
        decoded += read.decoded
    return min(whole.values()) * (1 - SLACK) - lift, decoded


def _skim(
    plans: list[_Plan],
    remaining: list[int],
    reads: dict[int, _Read],
    candidates: list[int],
    scores: dict[int, float],
    threshold: float,
    limit: int,
    reach: tuple[int, float] | None,
    memo: dict,
) -> dict[int, float]:
    """The clauses left, read for the candidates only: the candidates that can still enter the
    best ``limit`` (within ``reach``, see ``rank``) → their scores (added in another order than
    the clauses'). The clauses with the fewest postings are read first: each drops candidates
    (its bound leaves what the others can add) and so blocks of the larger ones."""
    partial = {d: scores[d] for d in candidates}
    rest = sum(plans[i].bound for i in remaining)
    for i in sorted(remaining, key=lambda i: _postings_count(plans[i])):
        rest -= plans[i].bound
        floor = threshold * (1 - SLACK) - rest
        read = reads[i] = _read_for(plans[i], candidates, partial, floor, memo)
        _add(partial, read)
        threshold = _needed(partial.values(), limit, reach, threshold)
        floor = threshold * (1 - SLACK) - rest
        if read.dropped:
            candidates = [d for d in candidates if d not in read.dropped]
        kept = map(floor.__le__, map(partial.__getitem__, candidates))
        candidates = list(compress(candidates, kept))
        partial = dict(zip(candidates, map(partial.__getitem__, candidates), strict=True))
    return partial


def _weak_only(plans: list[_Plan], reads: list[_Read], weak: str, total: int) -> int:
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
