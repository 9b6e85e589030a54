"""Passages of an article around the words a query matched, with their spans in the original."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from searcharc.analysis import Analysis, word_cache
from searcharc.analysis.tokenize import spans, words
from searcharc.records import Snippet

WIDTH = 200  # characters in a snippet, about
LEAD = 60  # characters of context kept before the first match of a window

Span = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Window:
    """A run of words that a snippet may show, and how well it matches."""

    start: int
    end: int
    matches: tuple[int, ...]  # indices of the matched words in it
    score: tuple[int, int]  # distinct matched stems, then matches


def matches(
    text: str, stemmer: str, is_match: Callable[[Analysis], bool]
) -> tuple[list[Span], dict[int, str]]:
    """The spans of every word of ``text``, and the matching words' indices with their stems.

    Each distinct word is tested once (from the word cache), not each occurrence.
    """
    analyses = word_cache(stemmer)
    written = words(text)
    found = {w: analyses[w][1] for w in set(written) if is_match(analyses[w])}
    if not found:
        return [], {}
    return list(spans(text)), {i: found[w] for i, w in enumerate(written) if w in found}


def _window_at(
    spans: Sequence[Span], first: int, matched: dict[int, str], keys: list[int]
) -> Window:
    """The window of whole words that starts with word ``first`` and spans at most WIDTH chars."""
    start = spans[first][0]
    last = first
    while last + 1 < len(spans) and spans[last + 1][1] - start <= WIDTH:
        last += 1
    inside = tuple(keys[bisect_left(keys, first) : bisect_right(keys, last)])
    score = (len({matched[i] for i in inside}), len(inside))
    return Window(start, spans[last][1], inside, score)


def _first_word_after(spans: Sequence[Span], index: int, offset: int) -> int:
    """The index of the first word at or before ``index`` that starts at or after ``offset``."""
    while index > 0 and spans[index - 1][0] >= offset:
        index -= 1
    return index


def _fold_space(text: str) -> str:
    """Line breaks and tabs become spaces, one for one, so that offsets still hold."""
    return text.translate({10: 32, 13: 32, 9: 32})


def make_snippets(
    text: str, spans: Sequence[Span], matched: dict[int, str], count: int = 3
) -> list[Snippet]:
    """Up to ``count`` non-overlapping passages of about WIDTH characters, best first.

    ``spans`` are the words of ``text``; ``matched`` maps the indices of the matching words, in
    order, to their stems.
    """
    keys = list(matched)
    windows = [
        _window_at(spans, _first_word_after(spans, i, spans[i][0] - LEAD), matched, keys)
        for i in keys
    ]
    chosen: list[Window] = []
    for window in sorted(windows, key=lambda w: w.score, reverse=True):
        if len(chosen) == count:
            break
        if all(window.end <= c.start or window.start >= c.end for c in chosen):
            chosen.append(window)
    return [
        Snippet(
            _fold_space(text[w.start : w.end]),
            [(spans[i][0] - w.start, spans[i][1] - w.start) for i in w.matches],
        )
        for w in chosen
    ]
