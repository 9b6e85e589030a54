"""Arabic analysis: words found in the original text, normalized, stopword-flagged and stemmed.

Pure functions only; the Whoosh components that wrap them live in ``components``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from itertools import islice

from searcharc.analysis.normalize import normalize
from searcharc.analysis.stem import get_stemmer
from searcharc.analysis.stopwords import is_stopword
from searcharc.analysis.tokenize import spans

# Bump whenever tokenizing, normalizing, stopwords, stemming or the schema change what is indexed.
ANALYZER_VERSION = "4"
DEFAULT_STEMMER = "light"
# A second view by root: ISRI's roots join what the light stemmer keeps apart (يرتبط ~ المرتبطه,
# مدرسه ~ مدارس), which finds paraphrased and classical text; the light view keeps precision.
DEFAULT_ROOTS = "isri"


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


Analysis = tuple[str, str, bool]  # a written word's normalized form, stem, stopword flag
# Distinct written words remembered a cache; when full, the older half is forgotten. A news
# archive's vocabulary grows without end (312,000 written forms in 31,000 articles), and seven
# caches of a million words each would hold over a gigabyte: at 2^18 they stay near 400 MB.
MAX_CACHED_WORDS = 1 << 18


def make_room(found: dict) -> None:
    """Forget the older half of a full word cache (dicts keep insertion order)."""
    if len(found) >= MAX_CACHED_WORDS:
        for key in list(islice(found, len(found) // 2)):
            del found[key]


class WordCache(dict[str, Analysis]):
    """Written word → (norm, stem, stopword), each distinct word analyzed once."""

    def __init__(self, stem: Callable[[str], str]):
        super().__init__()
        self.stem = stem

    def __missing__(self, word: str) -> Analysis:
        make_room(self)
        norm = normalize(word)
        found = self[word] = (norm, self.stem(norm), is_stopword(norm))
        return found


@cache
def word_cache(stemmer: str = DEFAULT_STEMMER) -> WordCache:
    """The word cache of one stemmer (light, snowball, isri or none)."""
    return WordCache(get_stemmer(stemmer))


def analyze(text: str, stemmer: str = DEFAULT_STEMMER) -> list[Token]:
    """Every word of ``text`` with its offsets in ``text``, normalized form, stem and stop flag."""
    words = word_cache(stemmer)
    return [
        Token(text[start:end], start, end, position, *words[text[start:end]])
        for position, (start, end) in enumerate(spans(text))
    ]


__all__ = [
    "ANALYZER_VERSION",
    "DEFAULT_ROOTS",
    "DEFAULT_STEMMER",
    "Analysis",
    "Token",
    "analyze",
    "is_stopword",
    "normalize",
    "word_cache",
]
