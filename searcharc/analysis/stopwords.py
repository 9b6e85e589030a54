"""The Arabic stopword list, normalized by the analyzer's own rules."""

from __future__ import annotations

from functools import cache
from pathlib import Path

STOPWORDS_FILE = Path(__file__).resolve().parents[1] / "data" / "stopwords_ar.txt"


@cache
def stopwords() -> frozenset[str]:
    """Normalized Arabic function words and their cliticised forms (see tools/make_stopwords.py)."""
    text = STOPWORDS_FILE.read_text("utf-8")
    return frozenset(line for line in text.splitlines() if line and not line.startswith("#"))


def is_stopword(norm: str) -> bool:
    """Whether a normalized word is a function word."""
    return norm in stopwords()
