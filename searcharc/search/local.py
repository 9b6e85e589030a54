"""The local backend: one Whoosh index in one folder, searched in this process."""

from __future__ import annotations

from pathlib import Path

from searcharc.index import store
from searcharc.search import candidates, facets, hits
from searcharc.search.backend import Backend
from searcharc.search.ranking import Ranking
from searcharc.search.request import Page, Plan, Request
from searcharc.whooshx import segments
from searcharc.whooshx.statistics import forget_idfs


class LocalIndex(Backend):
    """An index of one folder (``ix``: its Whoosh index, or any object with its interface)."""

    def __init__(self, ix, path: Path):
        self.ix = ix
        self.path = path
        self.meta = store.IndexMeta.read(path)
        self.opened = None  # the open searcher

    def searcher(self, ranking: Ranking):
        """One open searcher, opened again when the index has changed.

        Not Whoosh's ``refresh()``: it reuses the readers of segments it had open, deletions
        and all (a removed or replaced article stayed found), and keeps segments merged away.
        """
        if self.opened is not None and not self.opened.up_to_date():
            self.close()
        if self.opened is None:
            self.opened = self.ix.searcher()
            segments.cache_terms(self.opened.reader())
        weighting = ranking.weighting()
        if type(weighting) is not type(self.opened.weighting):
            forget_idfs(self.opened)  # Whoosh caches idfs whatever the model
        self.opened.weighting = weighting
        return self.opened

    def page(self, searcher, request: Request, plan: Plan, offset: int, snippets: bool) -> Page:
        found = candidates.find(searcher, request, plan)
        ranked = found.ranked[offset : request.depth]
        built = [hits.hit(searcher, self.meta, c, plan.compiled, snippets) for c in ranked]
        counts = facets.count(searcher, found.matched or ()) if request.facets else None
        return Page(built, found.total, found.by_root, found.exact, counts)

    def writer(self) -> store.Writer:
        return store.Writer(self.ix, self.path)

    def get(self, article_id: str) -> dict | None:
        with self.ix.searcher() as searcher:
            return searcher.document(id=article_id)

    def doc_count(self) -> int:
        return self.ix.doc_count()

    def updated(self) -> float:
        return store.IndexMeta.read(self.path).updated

    def size_bytes(self) -> int:
        return sum(f.stat().st_size for f in self.path.iterdir() if f.is_file())

    def close(self) -> None:
        if self.opened is not None:
            self.opened.close()
            self.opened = None
