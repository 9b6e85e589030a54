"""Hits: a candidate's stored fields and the passages of its body that match the query."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from datetime import datetime

from searcharc.analysis import Analysis, word_cache
from searcharc.analysis.tokenize import spans
from searcharc.index.store import IndexMeta
from searcharc.records import Hit, Snippet, derived_title
from searcharc.search import snippets as snippets_
from searcharc.search.matching import Compiled
from searcharc.search.request import Candidate
from searcharc.whooshx import segments


def stored_fields(searcher, docnum: int) -> dict:
    """A document's stored fields, read from its segment alone (``segments.stored_fields``)."""
    leaves = searcher.leaf_searchers()
    at = bisect_right([offset for _, offset in leaves], docnum) - 1
    leaf, offset = leaves[at]
    return segments.stored_fields(leaf.reader(), docnum - offset)


def hit(searcher, meta: IndexMeta, candidate: Candidate, compiled: Compiled, snippets: bool) -> Hit:
    """The hit of a candidate: its stored fields, with the best passages when ``snippets``."""
    fields = stored_fields(searcher, candidate.docnum)
    body = fields.get("body", "")
    found = passages(meta, body, candidate, compiled) if snippets else []
    return Hit(
        id=fields["id"],
        title=fields.get("title") or derived_title(body),
        score=round(candidate.score, 4),
        date=_iso_date(fields.get("date")),
        source=fields.get("source"),
        snippets=found,
    )


def _iso_date(value: datetime | None) -> str | None:
    return value.date().isoformat() if value else None


def highlights(meta: IndexMeta, text: str, compiled: Compiled) -> list[tuple[int, int]]:
    """The spans of ``text`` that the words of a compiled query match."""
    words, matched = snippets_.matches(text, meta.stemmer, by_word(compiled.stems, compiled.norms))
    if not matched:
        words, matched = root_matches(meta, text, compiled)
    return [words[i] for i in matched]


def passages(meta: IndexMeta, body: str, candidate: Candidate, compiled: Compiled) -> list[Snippet]:
    """The best passages of ``body`` for the query's words (see ``searcharc.search.snippets``)."""
    exact = {t.decode() for f, t in candidate.terms if f == "exact"}
    stems, norms = compiled.stems, compiled.norms | exact
    matched = indexed_matches(meta, candidate, stems, norms)
    if matched is None:
        words, matched = snippets_.matches(body, meta.stemmer, by_word(stems, norms))
    else:
        words = list(spans(body)) if matched else []
    if not matched:
        words, matched = root_matches(meta, body, compiled)
    return snippets_.make_snippets(body, words, matched)


def root_matches(
    meta: IndexMeta, text: str, compiled: Compiled
) -> tuple[list[tuple[int, int]], dict[int, str]]:
    """The words of ``text`` sharing a root with a query word: what shows an article that
    the root view alone found (see ``snippets.matches``)."""
    if not (compiled.roots and meta.roots):
        return [], {}
    roots = compiled.roots
    return snippets_.matches(text, meta.roots, lambda a: not a[2] and a[1] in roots)


def indexed_matches(
    meta: IndexMeta, candidate: Candidate, stems: set[str], norms: set[str]
) -> dict[int, str] | None:
    """The matching body words read from the body postings' positions, without analysis.

    Exact when every matching word matches by its stem (a norm's stem is then a query
    stem) and the body field dropped stopwords; None otherwise.
    """
    if candidate.ranked is None or not meta.stopwords:
        return None
    stem = word_cache(meta.stemmer).stem
    if not all(stem(norm) in stems for norm in norms):
        return None
    return candidate.ranked.body_positions(candidate.docnum, stems)


def by_word(stems: set[str], norms: set[str]) -> Callable[[Analysis], bool]:
    """Whether a word's analysis matches the query by its stem or its written form."""
    return lambda a: not a[2] and (a[1] in stems or a[0] in norms)
