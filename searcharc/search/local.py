"""The local backend: one Whoosh index in one folder, searched in this process."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from searcharc.errors import MissingCommit, SearcharcError
from searcharc.index import store
from searcharc.search import facets, hits, semantic
from searcharc.search.backend import Backend
from searcharc.search.ranking import DEFAULT, Ranking
from searcharc.search.request import Page, Plan, Request
from searcharc.whooshx import segments
from searcharc.whooshx.damage import checked
from searcharc.whooshx.generations import generations, searcher_at
from searcharc.whooshx.statistics import forget_idfs

TYPE_CHECKING = False  # as typing's, which a cold query does not import
if TYPE_CHECKING:  # similar, stats and suggest are imported when first used
    from typing import TypeVar

    T = TypeVar("T")
    from searcharc.search.similar import Similar
    from searcharc.search.stats import Chunks, IndexStats
    from searcharc.search.trend import Asked, Counted


class LocalIndex(Backend):
    """An index of one folder (``ix``: its Whoosh index). ``keep``: when the index changes,
    the searcher of its previous commit stays open beside the new one, for the requests that
    still read that commit (a shard of a larger index: ``shard``)."""

    def __init__(self, ix, path: Path, keep: bool = False):
        self.ix = ix
        self.path = path
        self.meta = store.IndexMeta.read(path)
        self.keep = keep
        self.opened = None  # the open searcher of the last commit
        self.kept = None  # the previous commit's, with ``keep``
        self.counts = facets.Counts()

    def searcher(self, ranking: Ranking, generation: int | None = None):
        """The open searcher of commit ``generation`` (None: the last one), opened again when
        the index has changed; MissingCommit when the folder no longer (or not yet) holds it.

        Not Whoosh's ``refresh()``: it reuses the readers of segments it had open, deletions
        and all (a removed or replaced article stayed found), and keeps segments merged away.
        """
        if self.opened is not None and not self.opened.up_to_date():
            self._retire()
        if self.opened is None:
            self.opened = self.ix.searcher()
            segments.cache_terms(self.opened.reader())
        chosen = self._at(generation)
        weighting = ranking.weighting()
        if type(weighting) is not type(chosen.weighting):
            forget_idfs(chosen)  # Whoosh caches idfs whatever the model
        chosen.weighting = weighting
        return chosen

    def _at(self, generation: int | None):
        """The open searcher of commit ``generation``; an older commit that the folder still
        holds is opened, and kept beside the last one (MissingCommit: the folder has not)."""
        last = self.opened.reader().generation()
        if last is None:  # an index of no segment (an empty shard): its reader has no commit
            last = self.ix.latest_generation()
        if generation is None or generation == last:
            return self.opened
        if self.kept is not None and self.kept.reader().generation() == generation:
            return self.kept
        if not self.keep or generation > last or generation not in generations(self.path):
            raise MissingCommit(f"{self.path}: commit {generation} is not here (it reads {last})")
        if self.kept is not None:
            self.kept.close()
        self.kept = searcher_at(self.ix, generation)
        segments.cache_terms(self.kept.reader())
        return self.kept

    def _retire(self) -> None:
        """Let go of the open searcher (``keep``: keep it, and let go of the one kept)."""
        if self.kept is not None:
            self.kept.close()
        self.kept = self.opened if self.keep else None
        if not self.keep:
            self.opened.close()
        self.opened = None

    def is_open(self, generation: int) -> bool:
        """Whether a searcher of commit ``generation`` is still open."""
        return any(s is not None and s.reader().generation() == generation for s in self._open())

    def _open(self) -> tuple:
        return (self.opened, self.kept)

    @checked
    def read(self, build: Callable[..., T], ranking: Ranking = DEFAULT) -> T:
        return build(self.searcher(ranking))

    @checked
    def page(self, request: Request, plan: Plan, offset: int, snippets: bool) -> Page:
        searcher = self.searcher(request.ranking)
        found, counts = self.counts.find(searcher, request, plan)
        ranked = found.ranked
        if request.semantic:
            pool = [c.docnum for c in ranked[: semantic.POOL]]
            near = semantic.cosines(self.path, searcher.reader(), pool, request.semantic)
            ranked = semantic.reranked(ranked, near)
        ranked = ranked[offset : request.depth]
        built = [hits.hit(searcher, self.meta, c, plan.compiled, snippets) for c in ranked]
        return Page(built, found.total, found.by_root, found.exact, counts)

    @checked
    def trend(self, asked: Asked) -> Counted:
        from searcharc.search.trend import counted

        return counted(self.searcher(DEFAULT), asked)

    @checked
    def corrections(self, norms: list[str]) -> dict[str, str | None]:
        from searcharc.search import suggest

        reader = self.searcher(DEFAULT).reader()
        return suggest.corrected(suggest.near_words(reader, norms))

    @checked
    def similar(self, article_id: str, limit: int) -> list[Similar]:
        from searcharc.search import similar

        searcher = self.searcher(DEFAULT)
        docnum = searcher.document_number(id=article_id)
        if docnum is None:
            raise SearcharcError(f"not in the index: {article_id}")
        return similar.similar_articles(searcher, self.meta, docnum, article_id, limit)

    @checked
    def stats(self) -> IndexStats:
        from searcharc.search import stats

        reader = self.searcher(DEFAULT).reader()
        words, stems = (stats.distinct([_chunks(reader, name)]) for name in stats.FIELDS)
        found = stats.counts(reader, self.path)
        return stats.index_stats(
            found, words, stems, str(self.path), self.size_bytes(), self.updated(), self.meta
        )

    def writer(self) -> store.Writer:
        return store.Writer(self.ix, self.path)

    @checked
    def get(self, article_id: str) -> dict | None:
        return self.searcher(DEFAULT).document(id=article_id)

    def doc_count(self) -> int:
        return self.ix.doc_count()

    def updated(self) -> float:
        return store.IndexMeta.read(self.path).updated

    def size_bytes(self) -> int:
        return sum(f.stat().st_size for f in self.path.iterdir() if f.is_file())

    def close(self) -> None:
        for searcher in self._open():
            if searcher is not None:
                searcher.close()
        self.opened = self.kept = None


def _chunks(reader, fieldname: str) -> Chunks:
    from searcharc.search.stats import terms_after

    return lambda after: terms_after(reader, fieldname, after)
