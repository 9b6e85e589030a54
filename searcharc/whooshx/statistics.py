"""BM25's statistics given to Whoosh's scorers through one small interface (as tantivy's
``Bm25StatisticsProvider``): whoosh-reloaded 2.7.x's scorers read them from the top searcher
(``get_parent()``: ``doc_frequency``, ``doc_count_all``, ``field_length``,
``avg_field_length``, ``idf``), and ``StatisticsSearcher`` answers them from a provider."""

from __future__ import annotations

from whoosh.searching import Searcher


class Bm25Statistics:
    """What BM25F reads of an index: its documents (deleted ones too, as Whoosh counts), a
    term's document frequency, a scored field's total length (None: not a scored field)."""

    def documents(self) -> int:
        raise NotImplementedError

    def doc_frequency(self, fieldname: str, text: str | bytes) -> int:
        raise NotImplementedError

    def field_length(self, fieldname: str) -> int | None:
        raise NotImplementedError


class StatisticsSearcher(Searcher):
    """A top searcher over ``reader`` whose scorers read ``statistics`` (a new searcher a
    query: its idfs are those of its statistics). Its leaf searchers are Whoosh's own,
    made through the private hook ``_subsearcher`` of whoosh-reloaded 2.7.x."""

    def __init__(self, reader, statistics: Bm25Statistics, weighting) -> None:
        super().__init__(reader, weighting=weighting, closereader=False)
        self.statistics = statistics
        # Searcher.__init__ (2.7.x) copies the reader's doc_frequency onto the instance
        self.doc_frequency = statistics.doc_frequency

    def _subsearcher(self, reader) -> Searcher:
        return Searcher(reader, weighting=self.weighting, parent=self)

    def doc_count_all(self) -> int:
        return self.statistics.documents()

    def field_length(self, fieldname: str) -> int | None:
        return self.statistics.field_length(fieldname)

    def avg_field_length(self, fieldname: str, default: float | None = None) -> float | None:
        total = self.statistics.field_length(fieldname)
        if total is None:  # as Whoosh: not a scored field
            return default
        return total / (self.statistics.documents() or 1)


def forget_idfs(searcher: Searcher) -> None:
    """Drop the idfs a searcher has cached: Whoosh 2.7.x caches them whatever the weighting
    model (in the private ``_idf_cache``), so that another model would read the last one's."""
    searcher._idf_cache.clear()
