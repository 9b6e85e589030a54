"""Searching an index of several shards (``searcharc.index.shards``) as if it were one.

The coordinator opens no shard file: every read is a call to the shards through a transport
(``workers.Shards``: worker processes on this machine; ``searcharc.cluster``: replicas on
other machines), answered by ``shard.Shard``. A request reads one commit of the whole index:
each shard at the generation that commit recorded (a shard keeps its previous commit open
beside its last one; a shard that holds neither answers ``StaleRequest`` and the request is
asked again of every shard's last commit, once).

A query is compiled against the vocabulary of all the shards (``vocabulary``: the document
frequencies the compile asks for, summed, learned in one call and kept for that commit). Each
shard answers with its own statistics for the query's terms; their sum is sent to every shard
with the query: a shard ranks its own best with the statistics of the whole index, so that its
scores are those one index would give. What comes back is a list of (id, score) pairs a shard
and its count; the merge orders them, and only the hits of the page asked for are then built
(stored fields, snippets) by their shards, which keep what each request found under the
request's id (this coordinator's token and its serial).

Ties between shards are broken by id (one index breaks them by document number: the order the
articles went in; the two agree when articles go in in id order). An index that is one shard is
searched by the local backend (``local``). ``get`` asks the article's own shard (its id's hash);
suggestions, similar articles and statistics are summed from every shard's answer, so that
they are what one index gives. With ``allow_partial``, a shard that has no replica left is left
out of an answer, which says so (``ShardCounts``); without, it is an error naming the shard.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import replace
from functools import reduce
from operator import add
from pathlib import Path

from searcharc.errors import SearcharcError, ShardUnavailable, StaleRequest
from searcharc.index import shards, store
from searcharc.search import facets, semantic
from searcharc.search.backend import Backend
from searcharc.search.candidates import fetch
from searcharc.search.ranking import DEFAULT, Ranking
from searcharc.search.request import Page, Plan, Request, ShardCounts
from searcharc.search.rerank import RERANK_WINDOW, reranks
from searcharc.search.shard import Answer, Entry, Generation
from searcharc.search.statistics import Statistics, Term, query_terms
from searcharc.search.vocabulary import learned
from searcharc.search.workers import Shards

TYPE_CHECKING = False  # as typing's, which a cold query does not import
if TYPE_CHECKING:
    from typing import TypeVar

    T = TypeVar("T")
    from searcharc.search.similar import Similar
    from searcharc.search.stats import IndexStats
    from searcharc.search.trend import Asked, Counted

Ranked = list[tuple[int, Entry]]  # (shard, entry), best first


def merge(answers: dict[int, Answer], request: Request) -> Ranked:
    """The shards' best as one index ranks them: (shard, entry), the best ``request.depth``.

    By score: the best by BM25F, then the first window of those re-ranked by the proximity
    bonus (which each shard gave the documents of its own first window: a superset); by date:
    newest first, undated last, ties in reverse id order (as one index: last added first).
    """
    found = [(shard, e) for shard, answer in answers.items() for e in answer.entries]
    if request.sort == "date":
        found.sort(key=lambda f: f[1].id, reverse=True)
        found.sort(key=lambda f: f[1].newest)
        return found[: request.depth]
    found.sort(key=lambda f: (-f[1].score, f[1].id))
    best = found[: fetch(request.pool, "score", reranks(request.ranking))]
    window = [(shard, replace(e, score=e.final)) for shard, e in best[:RERANK_WINDOW]]
    window.sort(key=lambda f: f[1].score, reverse=True)  # stable: ties keep the BM25F order
    if request.semantic:  # the whole index's best by meaning too, as one index re-ranks them
        scores = semantic.rescored([e.score for _, e in window], [e.cosine for _, e in window])
        window = [
            (shard, replace(e, score=s)) for (shard, e), s in zip(window, scores, strict=True)
        ]
        window.sort(key=lambda f: f[1].score, reverse=True)
    return (window + best[RERANK_WINDOW:])[: request.depth]


class Commit:
    """The commit of the whole index a request reads (each shard's generation, None: its
    last), and the shards that answered it."""

    def __init__(self, generations: list[Generation]):
        self.generations = generations
        self.answered = set(range(len(generations)))

    @property
    def key(self) -> tuple[int, ...] | None:
        """What identifies the commit (None: some shard's last, whatever it is)."""
        found = tuple(self.generations)
        return None if None in found else found

    def args(self, *args: object, among: set[int] | None = None) -> dict[int, tuple]:
        """The same arguments to each shard that answered (or of ``among``), after its
        generation."""
        return {i: (self.generations[i], *args) for i in sorted(among or self.answered)}


class ShardedIndex(Backend):
    """The backend of an index of several shards (see the module's docstring)."""

    def __init__(self, path: Path, transport, allow_partial: bool = False):
        self.path = path
        self.transport = transport
        self.allow_partial = allow_partial
        self.serial = 0
        self.token = secrets.token_hex(4)  # this coordinator's, in its request ids
        self.known: tuple[tuple, Statistics] | None = None  # a commit's terms, as learned
        self.meta = self.first_meta()

    @classmethod
    def open_shards(cls, path: Path, parallel: bool = True) -> ShardedIndex:
        """The index at ``path``, shard 0 searched here and the others in worker processes
        (``parallel``), or every one here."""
        count = shards.count(path) or 1
        return cls(path, Shards(path, range(1) if parallel else range(count)))

    @property
    def request_id(self) -> str:
        """The id under which the shards keep what the current request found."""
        return f"{self.token}:{self.serial}"

    def ask(self, method: str, args: dict[int, tuple], commit: Commit | None = None) -> dict:
        """``method`` of the shards named in ``args``; with ``allow_partial``, of those that
        answered (the others leave ``commit``), at least one."""
        answered = self.transport.call(method, args, partial=self.allow_partial)
        if commit is not None:
            commit.answered -= args.keys() - answered.keys()
        if not answered:
            first = min(args)
            raise ShardUnavailable(first, f"no shard answered ({len(args)} asked)")
        return answered

    def attempt(self, run: Callable[[Commit], T]) -> T:
        """``run`` at the index's last commit; again at each shard's last one, once, when a
        shard no longer (or not yet) holds it (a run killed between two shards' commits)."""
        try:
            return run(Commit(self.transport.generations()))
        except StaleRequest:
            return run(Commit([None] * self.transport.count))

    def every(self) -> dict[int, tuple]:
        return {i: () for i in range(self.transport.count)}

    def first_meta(self) -> store.IndexMeta:
        """How the index was built: the first shard that answers says (no worker started when
        shard 0 is searched here)."""
        for shard in range(self.transport.count):
            try:
                return self.transport.call("meta", {shard: ()})[shard]
            except ShardUnavailable as exc:
                failure = exc
        raise failure

    def metas(self) -> list[store.IndexMeta]:
        return list(self.ask("meta", self.every()).values())

    def statistics(self, commit: Commit, terms: set[Term]) -> Statistics:
        """The whole index's statistics for ``terms`` (of the shards that answered)."""
        answered = self.ask("statistics", commit.args(terms), commit)
        return sum(answered.values(), Statistics())

    def read(self, build: Callable[..., T], ranking: Ranking = DEFAULT) -> T:
        if ranking.prf_docs or ranking.coordination:
            raise SearcharcError("feedback and coordination ranking need an index of one shard")
        return self.attempt(lambda commit: self.learn(commit, build))

    def learn(self, commit: Commit, build: Callable[..., T]) -> T:
        """``build`` against the vocabulary of ``commit`` (what it learns is kept for it)."""
        known = self.known[1] if self.known and self.known[0] == commit.key else None
        built, known = learned(
            build, lambda terms: self.statistics(commit, terms), _scored_terms, known
        )
        if commit.key and len(commit.answered) == self.transport.count:  # the whole index's
            self.known = (commit.key, known)
        return built

    def page(self, request: Request, plan: Plan, offset: int, snippets: bool) -> Page:
        """The page gathered from the shards (see the module's docstring)."""
        commit, answers, hits = self.attempt(
            lambda commit: self.hits(commit, request, plan, offset, snippets)
        )
        counts = [a.facets for a in answers.values() if a.facets is not None]
        return Page(
            hits,
            sum(a.total for a in answers.values()),
            sum(a.by_root for a in answers.values()),
            all(a.exact for a in answers.values()),
            facets.merged(counts) if request.facets else None,
            self.counted(commit),
        )

    def counted(self, commit: Commit) -> ShardCounts:
        total = self.transport.count
        return ShardCounts(total, len(commit.answered), total - len(commit.answered))

    def hits(self, commit: Commit, request: Request, plan: Plan, offset: int, snippets: bool):
        """The commit as answered, the shards' answers and the page's hits from ``offset``."""
        answers = self.gather(commit, request, plan)
        built = self.built(commit, answers, request, offset, "hits", snippets)
        return commit, {i: answers[i] for i in commit.answered}, built

    def built(self, commit: Commit, answers, request: Request, offset: int, method, *args):
        """The page's hits, built by their shards (``method``: ``hits`` or ``similar_hits``);
        a shard that fails then (with ``allow_partial``) leaves the page, which is merged
        again without it."""
        while True:
            page = merge({i: answers[i] for i in commit.answered}, request)[offset:]
            wanted: dict[int, list[tuple[int, float]]] = {}
            for shard, entry in page:
                wanted.setdefault(shard, []).append((entry.docnum, entry.score))
            asked = {i: (self.request_id, w, *args) for i, w in wanted.items()}
            found = self.ask(method, asked, commit) if asked else {}
            if found.keys() == asked.keys():
                taken = {i: iter(hits) for i, hits in found.items()}
                return [next(taken[shard]) for shard, _ in page]

    def gather(self, commit: Commit, request: Request, plan: Plan) -> dict[int, Answer]:
        """Each shard's answer to a request, scored with the sum of their statistics."""
        stats = self.scoring(commit, plan)
        self.serial += 1
        return self.ask("find", commit.args(self.request_id, request, plan, stats), commit)

    def scoring(self, commit: Commit, plan: Plan) -> Statistics:
        """The statistics a plan scores with: as learned compiling it, or asked now."""
        terms = query_terms(plan)
        if self.known and self.known[0] == commit.key and terms <= self.known[1].frequencies.keys():
            known = self.known[1]
            chosen = {t: known.frequencies[t] for t in terms}
            return Statistics(known.documents, known.lengths, chosen)
        return self.statistics(commit, terms)

    def ranked(self, request: Request, plan: Plan) -> Ranked:
        """The merged best of a request, unrounded (what tests compare with one index)."""

        def at(commit: Commit) -> Ranked:
            answers = self.gather(commit, request, plan)
            return merge({i: answers[i] for i in commit.answered}, request)

        return self.attempt(at)

    def trend(self, asked: Asked) -> Counted:
        """Each shard's counts by day, added."""
        answered = self.attempt(lambda commit: self.ask("trend", commit.args(asked), commit))
        return reduce(add, answered.values())

    def corrections(self, norms: list[str]) -> dict[str, str | None]:
        from searcharc.search.suggest import corrected, summed

        answered = self.attempt(lambda commit: self.ask("near_words", commit.args(norms)))
        return corrected(summed(answered.values()))

    def similar(self, article_id: str, limit: int) -> list[Similar]:
        return self.attempt(lambda commit: self.similar_at(commit, article_id, limit))

    def similar_at(self, commit: Commit, article_id: str, limit: int) -> list[Similar]:
        """The articles most like one: its key terms, weighed by the whole index, searched on
        every shard; then the key terms of each article found, to say what the two share."""
        from searcharc.search import similar

        home = shards.shard_of(article_id, self.transport.count)
        vector = self.ask("body_vector", commit.args(article_id, among={home}))[home]
        if vector is None:
            raise SearcharcError(f"not in the index: {article_id}")
        own = self.key_terms(commit, [vector])[0]
        request, plan = similar.like(article_id, own, limit)
        answers = self.gather(commit, request, plan)
        found = merge({i: answers[i] for i in commit.answered}, request)
        vectors = self.built(commit, answers, request, 0, "body_vectors")
        theirs = self.key_terms(commit, vectors)
        common = {e.id: similar.shared(own, t) for (_, e), t in zip(found, theirs, strict=True)}
        return self.built(commit, answers, request, 0, "similar_hits", common)

    def key_terms(self, commit: Commit, vectors: list) -> list:
        """Each body's key terms (``similar.KeyTerms``), weighed by the whole index."""
        from searcharc.search import similar

        words = {word for vector in vectors for word, _ in vector}
        parts = self.ask("body_frequencies", commit.args(words)).values()
        frequencies = similar.summed(parts)
        meta = self.meta
        schema = store.make_schema(meta.stemmer, meta.stopwords, meta.roots)
        return [similar.weighed(schema, vector, frequencies) for vector in vectors]

    def stats(self) -> IndexStats:
        return self.attempt(self.stats_at)

    def stats_at(self, commit: Commit) -> IndexStats:
        from searcharc.search import stats

        found = sum(self.ask("counts", commit.args()).values(), stats.Counts())
        words, stems = (stats.distinct(self.chunks(commit, name)) for name in stats.FIELDS)
        return stats.index_stats(
            found, words, stems, str(self.path), self.size_bytes(), self.updated(), self.meta
        )

    def chunks(self, commit: Commit, fieldname: str) -> list[Callable]:
        """Each shard's terms of a field, a chunk a call (``stats.distinct``)."""

        def of(shard: int) -> Callable:
            def chunk(after: bytes | None) -> list[bytes]:
                args = commit.args(fieldname, after, among={shard})
                return self.ask("terms_after", args)[shard]

            return chunk

        return [of(i) for i in sorted(commit.answered)]

    def writer(self) -> shards.ShardedWriter:
        """A writer of every shard's folder: the index is written on this machine."""
        count = shards.count(self.path) or 1
        paths = shards.shard_paths(self.path, count)
        writers = [store.Writer(store.open_existing(p), p) for p in paths]
        return shards.ShardedWriter(self.path, writers)

    def get(self, article_id: str) -> dict | None:
        home = shards.shard_of(article_id, self.transport.count)
        found = self.attempt(lambda commit: self.ask("get", commit.args(article_id, among={home})))
        return found[home]

    def doc_count(self) -> int:
        return sum(state.documents for state in self.ask("state", self.every()).values())

    def updated(self) -> float:
        return max(meta.updated for meta in self.metas())

    def size_bytes(self) -> int:
        return sum(self.ask("size_bytes", self.every()).values())

    def close(self) -> None:
        """Stop the worker processes too (they also stop when this process ends)."""
        self.transport.close()


def _scored_terms(built: object) -> set[Term]:
    """The terms a compiled plan scores with (learned with its vocabulary)."""
    return query_terms(built) if isinstance(built, Plan) else set()
