"""Searching an index of several shards (``searcharc.index.shards``) as if it were one.

Each query is compiled once, against the vocabulary of all the shards. Each shard answers
with its own statistics for the query's terms (the document count, each field's total length,
each term's document frequency); their sum is sent to every shard with the query: a shard
ranks its own best with the statistics of the whole index, so that its scores are those one
index would give. The merge reads nothing of a shard but those answers. What comes
back is a list of (id, score) pairs a shard and its count; the merge orders them, and only
the hits of the page asked for are then built (stored fields, snippets) by their shards.
A shard keeps what each request found under the request's id (this coordinator's token and
its serial), and every answer names the shard's commit; a shard that committed between a
request's find and its hits says so (``StaleRequest``) and the request is asked again, once.

Ties between shards are broken by id (one index breaks them by document number: the order
the articles went in; the two agree when articles go in in id order). An index that is one
shard is searched as before, by the local backend (``local``).

Long-running processes (``--batch``, the Python API, ``searcharc serve``) search shard 0 in
this process and each other shard in a worker process of its own, started at the first query
and kept as long as the index is open (a worker found stopped is started again and asked
again, once a call); a one-shot query searches them one after the other.
The rest of the API (``get``, ``similar``, ``suggest``, ``stats``, ``highlight``) reads the
shards as the segments of one Whoosh index (``UnionIndex``), in this process. A shard's part
of a request is ``shard.Shard``; the processes are ``workers``; the statistics
``statistics``.
"""

from __future__ import annotations

import secrets
from dataclasses import replace
from pathlib import Path

from whoosh.reading import EmptyReader, MultiReader
from whoosh.searching import Searcher

from searcharc.errors import SearcharcError, StaleRequest
from searcharc.index import shards, store
from searcharc.search import facets
from searcharc.search.backend import Backend
from searcharc.search.candidates import fetch
from searcharc.search.local import LocalIndex
from searcharc.search.ranking import Ranking
from searcharc.search.request import Page, Plan, Request
from searcharc.search.rerank import RERANK_WINDOW, reranks
from searcharc.search.shard import Answer, Entry
from searcharc.search.statistics import Statistics, query_terms
from searcharc.search.workers import Shards


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
    best = found[: fetch(request.depth, "score", reranks(request.ranking))]
    window = [(shard, replace(e, score=e.final)) for shard, e in best[:RERANK_WINDOW]]
    window.sort(key=lambda f: f[1].score, reverse=True)  # stable: ties keep the BM25F order
    return (window + best[RERANK_WINDOW:])[: request.depth]


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


class ShardedIndex(Backend):
    """The backend of an index of several shards (see the module's docstring)."""

    def __init__(self, path: Path, paths: list[Path], parallel: bool):
        indexes = [store.open_existing(p) for p in paths]
        self.union = LocalIndex(UnionIndex(indexes), paths[0])  # the shards' common metadata
        self.ix, self.meta = self.union.ix, self.union.meta
        self.path = path
        self.paths = paths
        self.shards = Shards(paths, parallel)
        self.serial = 0
        self.token = secrets.token_hex(4)  # this coordinator's, in its request ids

    @classmethod
    def open_shards(cls, path: Path, parallel: bool = True) -> ShardedIndex:
        count = shards.count(path) or 1
        return cls(path, shards.shard_paths(path, count), parallel)

    @property
    def request_id(self) -> str:
        """The id under which the shards keep what the current request found."""
        return f"{self.token}:{self.serial}"

    def searcher(self, ranking: Ranking):
        return self.union.searcher(ranking)

    def close(self) -> None:
        """Stop the worker processes too (they also stop when this process ends)."""
        self.shards.close()
        self.union.close()

    def writer(self) -> shards.ShardedWriter:
        indexes = self.ix.indexes
        writers = [store.Writer(ix, p) for ix, p in zip(indexes, self.paths, strict=True)]
        return shards.ShardedWriter(self.path, writers)

    def get(self, article_id: str) -> dict | None:
        return self.union.get(article_id)

    def doc_count(self) -> int:
        return self.union.doc_count()

    def updated(self) -> float:
        return max(store.IndexMeta.read(p).updated for p in self.paths)

    def size_bytes(self) -> int:
        return sum(f.stat().st_size for p in self.paths for f in p.iterdir() if f.is_file())

    def page(self, searcher, request: Request, plan: Plan, offset: int, snippets: bool) -> Page:
        """The page gathered from the shards (see the module's docstring); asked again, once,
        of a shard that committed between finding the page and building its hits."""
        try:
            answers, page, hits = self.hits(request, plan, offset, snippets)
        except StaleRequest:
            answers, page, hits = self.hits(request, plan, offset, snippets)
        counts = [a.facets for a in answers if a.facets is not None]
        return Page(
            hits,
            sum(a.total for a in answers),
            sum(a.by_root for a in answers),
            all(a.exact for a in answers),
            facets.merged(counts) if request.facets else None,
        )

    def hits(self, request: Request, plan: Plan, offset: int, snippets: bool):
        """The shards' answers, the merged page from ``offset``, and its hits."""
        answers, ranked = self.gather(request, plan)
        page = ranked[offset:]
        wanted: dict[int, list[tuple[int, float]]] = {}
        for shard, entry in page:
            wanted.setdefault(shard, []).append((entry.docnum, entry.score))
        asked = {i: (self.request_id, w, snippets) for i, w in wanted.items()}
        built = self.shards.call("hits", asked)
        taken = {i: iter(hits) for i, hits in built.items()}
        return answers, page, [next(taken[shard]) for shard, _ in page]

    def gather(self, request: Request, plan: Plan) -> tuple[list[Answer], list[tuple[int, Entry]]]:
        """Each shard's answer to a request with the sum of their statistics, and the merge."""
        if request.ranking.prf_docs or request.ranking.coordination:
            raise SearcharcError("feedback and coordination ranking need an index of one shard")
        every = range(len(self.paths))
        terms = query_terms(plan)
        answered = self.shards.call("statistics", {i: (terms,) for i in every})
        stats = sum(answered.values(), Statistics())
        self.serial += 1
        asked = {i: (self.request_id, request, plan, stats) for i in every}
        found = self.shards.call("find", asked)
        answers: list[Answer] = [found[i] for i in every]
        return answers, merge(answers, request)
