"""Did you mean: a query's unknown words replaced by near words of the index."""

from __future__ import annotations

from collections.abc import Callable

from searcharc.analysis import Token, normalize
from searcharc.search.query import correctable, parse, replace_spans
from searcharc.search.request import SearchResult, Suggestion

PAGE = 10  # hits of a first page, as `searcharc query` shows them

Analyze = Callable[[str], list[Token]]  # the index's analysis of a text
Search = Callable[..., SearchResult]  # the index's search (``SearchIndex.search``)


def suggestions(searcher, analyze: Analyze, search: Search, query: str) -> list[Suggestion]:
    """The query with its unknown words replaced by near words of the index (none or one)."""
    corrector = searcher.corrector("exact")
    fixes = []
    for at, text in correctable(parse(query)):
        for token in analyze(text):
            if token.stopword or searcher.doc_frequency("exact", token.norm):
                continue
            near = corrector.suggest(token.norm, limit=1, maxdist=2, prefix=1)
            if near:
                fixes.append((at + token.start, at + token.end, written_form(search, near[0])))
    if not fixes:
        return []
    corrected = replace_spans(query, fixes)
    # the total a first page of the corrected query shows (a lower bound past what it reads)
    total = search(corrected, limit=PAGE, snippets=False, suggest=False).total
    return [Suggestion(corrected, total)]


def written_form(search: Search, norm: str) -> str:
    """How the articles write a normalized word (with its hamza), else the word itself."""
    for hit in search(f"={norm}", limit=3, suggest=False).hits:
        for snippet in hit.snippets:
            for start, end in snippet.highlights:
                if normalize(snippet.text[start:end]) == norm:
                    return snippet.text[start:end]
    return norm
