"""What ``SearchIndex`` asks of the index it fronts: the interface its backends share (the local
index: ``local``; the sharded one, its shards here or on a cluster: ``shards``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from searcharc.index.store import IndexMeta
from searcharc.search.ranking import DEFAULT, Ranking
from searcharc.search.request import Page, Plan, Request

TYPE_CHECKING = False  # as typing's, which a cold query does not import
if TYPE_CHECKING:
    from typing import TypeVar

    T = TypeVar("T")
    from searcharc.search.similar import Similar
    from searcharc.search.stats import IndexStats
    from searcharc.search.trend import Asked, Counted


class Backend:
    """An index that the facade searches and writes; ``meta``: how it was built."""

    path: Path
    meta: IndexMeta

    def read(self, build: Callable[..., T], ranking: Ranking = DEFAULT) -> T:
        """``build`` (a plan, a compiled query) run against the index's vocabulary: an object
        with ``doc_count_all()`` and ``doc_frequency(field, text)`` (``ranking``: what a
        feedback search in ``build`` scores by)."""
        raise NotImplementedError

    def page(self, request: Request, plan: Plan, offset: int, snippets: bool) -> Page:
        """The hits from ``offset`` to ``request.depth``, and the count of them all."""
        raise NotImplementedError

    def trend(self, asked: Asked) -> Counted:
        """Each query's matching articles and all the articles, by day (``trend``)."""
        raise NotImplementedError

    def corrections(self, norms: list[str]) -> dict[str, str | None]:
        """Each normalized word that no article has → the near word that replaces it
        (``suggest``), or None."""
        raise NotImplementedError

    def similar(self, article_id: str, limit: int) -> list[Similar]:
        """The articles most like one of the index (``similar``)."""
        raise NotImplementedError

    def stats(self) -> IndexStats:
        """Size and make-up of the index (``stats``)."""
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
