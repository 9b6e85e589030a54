"""Split text into word spans in the original string: Arabic words with their marks, Latin words,
numbers."""

from __future__ import annotations

import re
from collections.abc import Iterator

ARABIC_LETTERS = (
    "\u0621-\u063a\u0641-\u064a\u066e\u066f\u0671-\u06d3\u06d5\u06ee\u06ef\u06fa-\u06fc\u06ff"
    "\ufb50-\ufd3d\ufd50-\ufdfb\ufe70-\ufefc"  # presentation forms, the lam-alef ligatures
)
# Marks, tatweel and joiners that continue a word but cannot start one.
ARABIC_CONTINUERS = "\u0610-\u061a\u0640\u064b-\u065f\u0670\u06d6-\u06ed\u200c\u200d"
LATIN_LETTERS = "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f"
DIGITS = "0-9\u0660-\u0669\u06f0-\u06f9"

WORD_RE = re.compile(
    rf"[{ARABIC_LETTERS}][{ARABIC_LETTERS}{ARABIC_CONTINUERS}]*"
    rf"|[{LATIN_LETTERS}][{LATIN_LETTERS}\u0300-\u036f]*"
    rf"|[{DIGITS}]+"
)


def spans(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of every word in ``text``; ``text[start:end]`` is the word as written."""
    return map(re.Match.span, WORD_RE.finditer(text))


def words(text: str) -> list[str]:
    """Every word of ``text`` as written, in order (the words of ``spans``)."""
    return WORD_RE.findall(text)
