"""What ``SearchIndex`` asks of the index it fronts: the interface its backends share (the local
index: ``local``; the sharded one: ``shards``)."""

from __future__ import annotations

from pathlib import Path

from searcharc.index.store import IndexMeta
from searcharc.search.ranking import Ranking
from searcharc.search.request import Page, Plan, Request


class Backend:
    """An index that the facade searches and writes. ``ix`` is what Whoosh reads of it whole
    (a Whoosh index, or the shards as one); ``meta`` how it was built."""

    path: Path
    meta: IndexMeta
    ix: object

    def searcher(self, ranking: Ranking):
        """A Whoosh searcher over the whole index, scoring by ``ranking`` (reopened when the
        index has changed): what plans, suggestions, similar articles and highlights read."""
        raise NotImplementedError

    def page(self, searcher, request: Request, plan: Plan, offset: int, snippets: bool) -> Page:
        """The hits from ``offset`` to ``request.depth``, and the count of them all."""
        raise NotImplementedError

    def writer(self):
        """A writer of one atomic batch (``store.Writer``'s interface)."""
        raise NotImplementedError

    def get(self, article_id: str) -> dict | None:
        """The stored fields of the article with this id, or None."""
        raise NotImplementedError

    def doc_count(self) -> int:
        """How many articles the index holds."""
        raise NotImplementedError

    def updated(self) -> float:
        """When the index last changed (seconds since the epoch; 0: never)."""
        raise NotImplementedError

    def size_bytes(self) -> int:
        """The bytes its files take."""
        raise NotImplementedError

    def close(self) -> None:
        """Let go of open searchers and processes (the next search opens them again)."""
        raise NotImplementedError
