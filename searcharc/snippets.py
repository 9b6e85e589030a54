"""Passages of an article around the words a query matched, with their spans in the original."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from searcharc.analysis import Token
from searcharc.records import Snippet

WIDTH = 200  # characters in a snippet, about
LEAD = 60  # characters of context kept before the first match of a window


@dataclass(frozen=True, slots=True)
class Window:
    start: int
    end: int
    matches: tuple[Token, ...]

    @property
    def score(self) -> tuple[int, int]:
        """Distinct matched words first, then matches."""
        return len({t.stem for t in self.matches}), len(self.matches)


def _window_at(tokens: Sequence[Token], first: int, is_match: Callable[[Token], bool]) -> Window:
    """The window of whole words that starts with token ``first`` and spans at most WIDTH chars."""
    start = tokens[first].start
    last = first
    while last + 1 < len(tokens) and tokens[last + 1].end - start <= WIDTH:
        last += 1
    matches = tuple(t for t in tokens[first : last + 1] if is_match(t))
    return Window(start, tokens[last].end, matches)


def _first_token_after(tokens: Sequence[Token], index: int, offset: int) -> int:
    """The index of the first token at or before ``index`` that starts at or after ``offset``."""
    while index > 0 and tokens[index - 1].start >= offset:
        index -= 1
    return index


def _fold_space(text: str) -> str:
    """Line breaks and tabs become spaces, one for one, so that offsets still hold."""
    return text.translate({10: 32, 13: 32, 9: 32})


def make_snippets(
    text: str, tokens: Sequence[Token], is_match: Callable[[Token], bool], count: int = 3
) -> list[Snippet]:
    """Up to ``count`` non-overlapping passages of about WIDTH characters, best first."""
    matched = [i for i, t in enumerate(tokens) if is_match(t)]
    windows = [
        _window_at(tokens, _first_token_after(tokens, i, tokens[i].start - LEAD), is_match)
        for i in matched
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
            [(t.start - w.start, t.end - w.start) for t in w.matches],
        )
        for w in chosen
    ]
