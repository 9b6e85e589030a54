"""Arabic analysis: words found in the original text, normalized, stopword-flagged and stemmed.

Pure functions only; the Whoosh components that wrap them live in ``components``.
"""

from __future__ import annotations

from dataclasses import dataclass

from searcharc.analysis.normalize import normalize
from searcharc.analysis.stem import get_stemmer
from searcharc.analysis.stopwords import is_stopword
from searcharc.analysis.tokenize import spans

# Bump whenever tokenizing, normalizing, stopwords, stemming or the schema change what is indexed.
ANALYZER_VERSION = "3"
DEFAULT_STEMMER = "light"
# A second, root-like view: Snowball's stemmer conflates more (يؤمنون ~ مؤمن), which finds
# classical text from modern questions; the light view keeps precision.
DEFAULT_ROOTS = "snowball"


@dataclass(frozen=True, slots=True)
class Token:
    """One word: as written (``text == original[start:end]``) and as indexed."""

    text: str
    start: int
    end: int
    position: int
    norm: str
    stem: str
    stopword: bool


def analyze(text: str, stemmer: str = DEFAULT_STEMMER) -> list[Token]:
    """Every word of ``text`` with its offsets in ``text``, normalized form, stem and stop flag."""
    stem = get_stemmer(stemmer)
    tokens = []
    for position, (start, end) in enumerate(spans(text)):
        norm = normalize(text[start:end])
        tokens.append(
            Token(text[start:end], start, end, position, norm, stem(norm), is_stopword(norm))
        )
    return tokens


__all__ = [
    "ANALYZER_VERSION",
    "DEFAULT_ROOTS",
    "DEFAULT_STEMMER",
    "Token",
    "analyze",
    "normalize",
    "is_stopword",
]
