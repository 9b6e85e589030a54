"""Did you mean: a query's unknown words replaced by near words of the index.

A word is known when some article has it (the exact field); an unknown one is replaced by the
most frequent word within two edits that starts with the same letter, ties to the greater word:
Whoosh's ``ReaderCorrector`` with ``limit=1``, computed here from what each index or shard says
of the word (``near_words``), so that shards summed choose as one index does (``correction``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from searcharc.analysis import Token, normalize
from searcharc.search.query import correctable, parse, replace_spans
from searcharc.search.request import SearchResult, Suggestion

PAGE = 10  # hits of a first page, as `searcharc query` shows them
MAXDIST, PREFIX = 2, 1  # edits, and first letters kept

Analyze = Callable[[str], list[Token]]  # the index's analysis of a text
Search = Callable[..., SearchResult]  # the index's search (``SearchIndex.search``)
Corrections = Callable[[list[str]], dict[str, str | None]]  # words → their correction, if any


@dataclass(frozen=True, slots=True)
class Near:
    """What an index (or a shard) holds of a word: the articles that have it, and, when none
    do, the words within MAXDIST edits with their frequencies."""

    df: int
    words: dict[str, int] = field(default_factory=dict)


def near_words(reader, norms: Iterable[str]) -> dict[str, Near]:
    """What ``reader`` holds of each normalized word (see ``Near``)."""
    found = {}
    for norm in norms:
        df = reader.doc_frequency("exact", norm)
        within = () if df else reader.terms_within("exact", norm, MAXDIST, prefix=PREFIX)
        found[norm] = Near(df, {w: reader.frequency("exact", w) for w in within})
    return found


def summed(parts: Iterable[dict[str, Near]]) -> dict[str, Near]:
    """What the shards hold of each word, as one index."""
    dfs: Counter[str] = Counter()
    words: dict[str, Counter[str]] = {}
    for part in parts:
        for norm, near in part.items():
            dfs[norm] += near.df
            words.setdefault(norm, Counter()).update(near.words)
    return {norm: Near(dfs[norm], dict(words[norm])) for norm in words}


def correction(near: Near) -> str | None:
    """The word that replaces an unknown one (None: the word is known, or nothing is near)."""
    if near.df or not near.words:
        return None
    return max(near.words, key=lambda w: (-(MAXDIST + 1.0 / (near.words[w] or 1) * 0.5), w))


def corrected(nears: dict[str, Near]) -> dict[str, str | None]:
    return {norm: correction(near) for norm, near in nears.items()}


def suggestions(
    corrections: Corrections, analyze: Analyze, search: Search, query: str
) -> list[Suggestion]:
    """The query with its unknown words replaced by near words of the index (none or one)."""
    words = [
        (at, token)
        for at, text in correctable(parse(query))
        for token in analyze(text)
        if not token.stopword
    ]
    near = corrections(sorted({token.norm for _, token in words})) if words else {}
    fixes = [
        (at + token.start, at + token.end, written_form(search, near[token.norm]))
        for at, token in words
        if near.get(token.norm)
    ]
    if not fixes:
        return []
    corrected_query = replace_spans(query, fixes)
    # the total a first page of the corrected query shows (a lower bound past what it reads)
    total = search(corrected_query, limit=PAGE, snippets=False, suggest=False).total
    return [Suggestion(corrected_query, total)]


def written_form(search: Search, norm: str) -> str:
    """How the articles write a normalized word (with its hamza), else the word itself."""
    for hit in search(f"={norm}", limit=3, suggest=False).hits:
        for snippet in hit.snippets:
            for start, end in snippet.highlights:
                if normalize(snippet.text[start:end]) == norm:
                    return snippet.text[start:end]
    return norm
