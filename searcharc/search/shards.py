"""Searching an index of several shards (``searcharc.index.shards``) as if it were one.

Each query is compiled once, against the vocabulary of all the shards. Each shard answers
with its own statistics for the query's terms (the document count, each field's total length,
each term's document frequency); their sum is sent to every shard with the query: a shard
ranks its own best with the statistics of the whole index, so that its scores are those one
index would give. The merge reads nothing of a shard but those answers. What comes
back is a list of (id, score) pairs a shard and its count; the merge orders them, and only
the hits of the page asked for are then built (stored fields, snippets) by their shards.

Ties between shards are broken by id (one index breaks them by document number: the order
the articles went in; the two agree when articles go in in id order). An index that is one
shard is searched as before, by ``SearchIndex`` alone.

Long-running processes (``--batch``, the Python API, ``searcharc serve``) search shard 0 in
this process and each other shard in a worker process of its own, started at the first query
and kept as long as the index is open (a worker found stopped is started again and asked
again, once a call); a one-shot query searches them one after the other.
The rest of the API (``get``, ``similar``, ``suggest``, ``stats``, ``highlight``) reads the
shards as the segments of one Whoosh index (``UnionIndex``), in this process.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass, field, replace
from pathlib import Path

from whoosh.reading import EmptyReader, MultiReader
from whoosh.searching import Searcher

from searcharc.errors import SearcharcError
from searcharc.index import shards, store
from searcharc.records import Hit
from searcharc.search.ranking import DEFAULT as DEFAULT_RANKING
from searcharc.search.searcher import (
    RERANK_WINDOW,
    Facets,
    Page,
    Plan,
    Request,
    SearchIndex,
    _fetch,
    _reranks,
    newest_first,
)

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

    def apply(self, searcher) -> None:
        """Make ``searcher`` (the top searcher of a shard) score with these statistics.

        A term not given (the words a prefix or fuzzy term expands to in this shard, which
        score a constant) keeps the shard's own frequency.
        """
        local = searcher.ixreader.doc_frequency

        def doc_frequency(fieldname: str, text: str | bytes) -> int:
            key = (fieldname, text.decode("utf-8") if isinstance(text, bytes) else text)
            found = self.frequencies.get(key)
            return local(fieldname, text) if found is None else found

        def avg_field_length(fieldname: str, default: float | None = None) -> float | None:
            if fieldname not in self.lengths:  # as Whoosh: not a scored field
                return default
            return self.lengths[fieldname] / (self.documents or 1)

        searcher.doc_frequency = doc_frequency
        searcher.doc_count_all = lambda: self.documents
        searcher.field_length = self.lengths.__getitem__
        searcher.avg_field_length = avg_field_length
        searcher._idf_cache.clear()  # idfs of the statistics of another query


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


@dataclass(frozen=True, slots=True)
class Entry:
    """One of a shard's best documents: what the merge orders them by."""

    score: float  # BM25F
    final: float  # with the proximity bonus, if the shard's first window had it
    id: str
    docnum: int  # in its shard
    newest: tuple[bool, int] = (False, 0)  # by date: its place (``searcher.newest_first``)


@dataclass(frozen=True, slots=True)
class Answer:
    """One shard's best documents for a request, and its count."""

    entries: list[Entry]
    total: int
    by_root: int
    exact: bool
    facets: Facets | None = None


class Shard:
    """One shard, searched with the statistics of the whole index; it keeps the candidates of
    its last request until their hits are asked for."""

    def __init__(self, path: Path):
        self.index = SearchIndex.open(path)
        self._last: tuple[int, object, Plan, dict[int, object]] | None = None

    def statistics(self, terms: set[Term]) -> Statistics:
        """The shard's own statistics for ``terms``: the whole index's are their sum."""
        return Statistics.of(self.index._searcher(DEFAULT_RANKING).reader(), terms)

    def find(self, serial: int, request: Request, plan: Plan, stats: Statistics) -> Answer:
        """The shard's best documents for ``request`` (request number ``serial``)."""
        index = self.index
        searcher = index._searcher(request.ranking)
        reader = searcher.reader()
        ids = reader.column_reader("id") if reader.doc_count_all() else {}  # none: no column
        stats.apply(searcher)
        found = index._find(searcher, request, plan, ties=ids.__getitem__)
        ranked = found.ranked if request.sort == "score" else found.ranked[: request.depth]
        scores = found.scores
        entries = [
            Entry(scores[c.docnum], c.score, ids[c.docnum], c.docnum, _newest(searcher, c, request))
            for c in ranked
        ]
        self._last = (serial, searcher, plan, {c.docnum: c for c in ranked})
        facets = index._facets(searcher, found.matched or ()) if request.facets else None
        return Answer(entries, found.total, found.by_root, found.exact, facets)

    def hits(self, serial: int, wanted: list[tuple[int, float]], snippets: bool) -> list[Hit]:
        """The hits of documents of request ``serial`` (docnum, score), in that order."""
        if self._last is None or self._last[0] != serial:
            raise SearcharcError(f"shard {self.index.path}: request {serial} is not the last")
        _, searcher, plan, candidates = self._last
        return [
            self.index._hit(searcher, replace(candidates[d], score=s), plan.compiled, snippets)
            for d, s in wanted
        ]


def _newest(searcher, candidate, request: Request) -> tuple[bool, int]:
    """A candidate's place in a request by date (``newest_first``)."""
    return newest_first(searcher, candidate.docnum) if request.sort == "date" else (False, 0)


def merge(answers: list[Answer], request: Request) -> list[tuple[int, Entry]]:
    """The shards' best as one index ranks them: (shard, entry), the best ``request.depth``.

    By score: the best by BM25F, then the first window of those re-ranked by the proximity
    bonus (which each shard gave the documents of its own first window: a superset); by date:
    newest first, undated last, ties in reverse id order (as one index: last added first).
    """
    found = [(shard, e) for shard, answer in enumerate(answers) for e in answer.entries]
    if request.sort == "date":
        found.sort(key=lambda f: f[1].id, reverse=True)
        found.sort(key=lambda f: f[1].newest)
        return found[: request.depth]
    found.sort(key=lambda f: (-f[1].score, f[1].id))
    best = found[: _fetch(request.depth, "score", _reranks(request.ranking))]
    window = [(shard, replace(e, score=e.final)) for shard, e in best[:RERANK_WINDOW]]
    window.sort(key=lambda f: f[1].score, reverse=True)  # stable: ties keep the BM25F order
    return (window + best[RERANK_WINDOW:])[: request.depth]


def merged_facets(found: list[Facets]) -> Facets:
    """The shards' counts by source and by year, added."""
    sources: Counter[str] = Counter()
    years: Counter[str] = Counter()
    for facets in found:
        sources.update(facets.by_source)
        years.update(facets.by_year)
    return Facets(dict(sources.most_common()), dict(sorted(years.items(), reverse=True)))


class UnionIndex:
    """The shards as the segments of one Whoosh index (what ``SearchIndex`` reads of an
    index besides a search: suggestions, similar articles, stored articles, statistics)."""

    def __init__(self, indexes: list):
        self.indexes = indexes
        self.schema = indexes[0].schema

    def latest_generation(self) -> tuple[int, ...]:
        return tuple(ix.latest_generation() for ix in self.indexes)

    def doc_count(self) -> int:
        return sum(ix.doc_count() for ix in self.indexes)

    def reader(self) -> MultiReader:
        generation = self.latest_generation()
        readers = [r for ix in self.indexes for r, _ in ix.reader().leaf_readers()]
        kept = [r for r in readers if not isinstance(r, EmptyReader)]
        return MultiReader(kept or [EmptyReader(self.schema)], generation=generation)

    def searcher(self, **options) -> Searcher:
        return Searcher(self.reader(), fromindex=self, **options)


Call = tuple[str, tuple]  # a method of ``Shard`` and its arguments
Reply = tuple[bool, object]  # failed, and the value or the exception


class Worker:
    """A shard searched in a process of its own (``python -m searcharc.search.shard_worker``):
    calls and answers go through its pipes, pickled. Not ``multiprocessing``: its spawned
    children import the caller's main module again (a script without a main guard would
    start workers without end), and forking copies a server's threads' locks. A process
    found stopped (killed, or its pipe ended mid-call) is started again, once a call."""

    command = (sys.executable, "-m", "searcharc.search.shard_worker")

    def __init__(self, path: Path):
        self.path = path
        self.process = self._start()
        self._pending: list[Call] = []  # what a new process needs to answer the last call

    def _start(self) -> subprocess.Popen:
        command = [*self.command, str(self.path)]
        return subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def send(self, method: str, *args: object) -> None:
        call = (method, args)
        # the candidates a hits call refers to are those of the find before it
        self._pending = [*self._pending[:1], call] if method == "hits" else [call]
        self._write(call)

    def _write(self, call: Call) -> None:
        with suppress(BrokenPipeError):  # the process stopped: its answer will be missing
            pickle.dump(call, self.process.stdin, pickle.HIGHEST_PROTOCOL)
            self.process.stdin.flush()

    def _read(self) -> Reply | None:
        """The process's next answer, or None if it stopped before giving it."""
        try:
            return pickle.load(self.process.stdout)
        except (EOFError, pickle.UnpicklingError):
            return None

    def receive(self) -> Reply:
        """The answer to the last call, from a new process if this one stopped."""
        reply = self._read()
        if reply is not None:
            return reply
        self.process.kill()
        self.close()
        self.process = self._start()
        for call in self._pending:
            self._write(call)
        replies = [self._read() for _ in self._pending]
        if replies[-1] is None:
            status = self.process.wait()
            stopped = f"the worker process of shard {self.path} stopped twice"
            return True, SearcharcError(f"{stopped} (exit status {status})")
        return replies[-1]

    def close(self) -> None:
        with suppress(BrokenPipeError):  # a process that stopped leaves its input unread
            self.process.stdin.close()  # the worker ends at the end of its input
        self.process.stdout.close()
        self.process.wait()


def serve(path: Path, calls, answers) -> None:
    """Answer the calls of a ``Worker`` (pickled on ``calls``) until they end."""
    shard = Shard(path)
    while True:
        try:
            method, args = pickle.load(calls)
        except EOFError:
            return
        try:
            found = (False, getattr(shard, method)(*args))
        except Exception as exc:  # sent back to be raised by the caller
            found = (True, exc)
        pickle.dump(found, answers, pickle.HIGHEST_PROTOCOL)
        answers.flush()


class Shards:
    """The shards of an index: each searched here, or in a worker process of its own."""

    def __init__(self, paths: list[Path], parallel: bool):
        self.paths = paths
        here = range(len(paths)) if not parallel else range(1)
        self.here = {i: Shard(paths[i]) for i in here}
        self._workers: dict[int, Worker] = {}

    def _remote(self) -> dict[int, Worker]:
        """The worker processes, started at the first call."""
        if not self._workers:
            self._workers = {
                i: Worker(path) for i, path in enumerate(self.paths) if i not in self.here
            }
        return self._workers

    def call(self, method: str, args: dict[int, tuple]) -> dict[int, object]:
        """``method`` of the shards named in ``args``, with their arguments: sent to the
        workers first, then done here while they work."""
        remote = {i: w for i, w in self._remote().items() if i in args}
        for i, worker in remote.items():
            worker.send(method, *args[i])
        try:
            done = {i: getattr(s, method)(*args[i]) for i, s in self.here.items() if i in args}
        finally:  # every answer read, even after a failure: the next call's are its own
            replies = {i: worker.receive() for i, worker in remote.items()}
        for i, (failed, value) in replies.items():
            if failed:
                raise value
            done[i] = value
        return done

    def close(self) -> None:
        for worker in self._workers.values():
            worker.close()
        self._workers = {}


class ShardedIndex(SearchIndex):
    """An index of several shards, with ``SearchIndex``'s API (see the module's docstring)."""

    def __init__(self, path: Path, paths: list[Path], parallel: bool):
        indexes = [store.open_existing(p) for p in paths]
        super().__init__(UnionIndex(indexes), paths[0])  # the shards' common metadata
        self.path = path
        self.paths = paths
        self.shards = Shards(paths, parallel)
        self._serial = 0

    @classmethod
    def open_shards(cls, path: Path, parallel: bool = True) -> ShardedIndex:
        count = shards.count(path) or 1
        return cls(path, shards.shard_paths(path, count), parallel)

    def close(self) -> None:
        """Stop the worker processes too (they also stop when this process ends)."""
        self.shards.close()
        super().close()

    def _writer(self) -> shards.ShardedWriter:
        indexes = self._ix.indexes
        writers = [store.Writer(ix, p) for ix, p in zip(indexes, self.paths, strict=True)]
        return shards.ShardedWriter(self.path, writers)

    def _updated(self) -> float:
        return max(store.IndexMeta.read(p).updated for p in self.paths)

    def _size_bytes(self) -> int:
        return sum(f.stat().st_size for p in self.paths for f in p.iterdir() if f.is_file())

    def _page(self, searcher, request: Request, plan: Plan, offset: int, snippets: bool) -> Page:
        """The page gathered from the shards (see the module's docstring)."""
        answers, ranked = self._gather(request, plan)
        page = ranked[offset:]
        wanted: dict[int, list[tuple[int, float]]] = {}
        for shard, entry in page:
            wanted.setdefault(shard, []).append((entry.docnum, entry.score))
        built = self.shards.call(
            "hits", {i: (self._serial, w, snippets) for i, w in wanted.items()}
        )
        taken = {i: iter(hits) for i, hits in built.items()}
        hits = [next(taken[shard]) for shard, _ in page]
        facets = [a.facets for a in answers if a.facets is not None]
        return Page(
            hits,
            sum(a.total for a in answers),
            sum(a.by_root for a in answers),
            all(a.exact for a in answers),
            merged_facets(facets) if request.facets else None,
        )

    def _gather(self, request: Request, plan: Plan) -> tuple[list[Answer], list[tuple[int, Entry]]]:
        """Each shard's answer to a request with the sum of their statistics, and the merge."""
        if request.ranking.prf_docs or request.ranking.coordination:
            raise SearcharcError("feedback and coordination ranking need an index of one shard")
        every = range(len(self.paths))
        terms = query_terms(plan)
        answered = self.shards.call("statistics", {i: (terms,) for i in every})
        stats = sum(answered.values(), Statistics())
        self._serial += 1
        found = self.shards.call("find", {i: (self._serial, request, plan, stats) for i in every})
        answers: list[Answer] = [found[i] for i in every]
        return answers, merge(answers, request)
