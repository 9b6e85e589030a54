"""Did you mean: a query's unknown words replaced by near words of the index."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from searcharc.analysis import normalize
from searcharc.search.query import correctable, parse, replace_spans
from searcharc.search.ranking import DEFAULT as DEFAULT_RANKING

if TYPE_CHECKING:
    from searcharc.search.searcher import SearchIndex


PAGE = 10  # hits of a first page, as `searcharc query` shows them


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A corrected query (did you mean?) and how many articles it finds."""

    query: str
    total: int


def suggestions(index: SearchIndex, query: str) -> list[Suggestion]:
    """The query with its unknown words replaced by near words of the index (none or one)."""
    searcher = index._searcher(DEFAULT_RANKING)
    corrector = searcher.corrector("exact")
    fixes = []
    for at, text in correctable(parse(query)):
        for token in index.analyze(text):
            if token.stopword or searcher.doc_frequency("exact", token.norm):
                continue
            near = corrector.suggest(token.norm, limit=1, maxdist=2, prefix=1)
            if near:
                fixes.append((at + token.start, at + token.end, written_form(index, near[0])))
    if not fixes:
        return []
    corrected = replace_spans(query, fixes)
    # the total a first page of the corrected query shows (a lower bound past what it reads)
    total = index.search(corrected, limit=PAGE, snippets=False, suggest=False).total
    return [Suggestion(corrected, total)]


def written_form(index: SearchIndex, norm: str) -> str:
    """How the articles write a normalized word (with its hamza), else the word itself."""
    for hit in index.search(f"={norm}", limit=3, suggest=False).hits:
        for snippet in hit.snippets:
            for start, end in snippet.highlights:
                if normalize(snippet.text[start:end]) == norm:
                    return snippet.text[start:end]
    return norm
