"""Whoosh tokenizer and filters built on the pure analysis functions.

Whoosh pickles the schema, analyzers included, into the index: these classes must stay at this
import path. Filters hold only names (never functions) so that they pickle small and stable.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from functools import cache

from whoosh.analysis import Analyzer, Composable, Filter, Token, Tokenizer

from searcharc.analysis import make_room, word_cache
from searcharc.analysis.normalize import normalize
from searcharc.analysis.stem import get_stemmer
from searcharc.analysis.stopwords import is_stopword
from searcharc.analysis.tokenize import spans
from searcharc.analysis.tokenize import words as word_list


class ArabicTokenizer(Tokenizer):
    """Words as written, with positions and character offsets in the original text."""

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            token.original = token.text = value
            token.boost = 1.0
            if positions:
                token.pos = start_pos
            if chars:
                token.startchar, token.endchar = start_char, start_char + len(value)
            yield token
            return
        for pos, (start, end) in enumerate(spans(value), start_pos):
            token.text = value[start:end]
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = token.text
            if positions:
                token.pos = pos
            if chars:
                token.startchar, token.endchar = start_char + start, start_char + end
            yield token


class ArabicNormalizer(Filter):
    """Fold each word to its normalized form (see ``normalize``)."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for t in tokens:
            t.text = normalize(t.text)
            yield t


class ArabicStopFilter(Filter):
    """Drop Arabic function words, keeping the positions of the words around them."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for t in tokens:
            if not is_stopword(t.text):
                yield t
            elif not t.removestops:
                t.stopped = True
                yield t


class ArabicStemFilter(Filter):
    """Replace each normalized word by its stem from the named stemmer."""

    def __init__(self, stemmer: str = "light"):
        self.stemmer = stemmer

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        stem = get_stemmer(self.stemmer)
        for t in tokens:
            if not t.stopped:
                t.text = stem(t.text)
            yield t


class ArabicAnalyzer(Analyzer):
    """The tokens of ``arabic_analyzer(stemmer, stopwords)`` in one pass: the analyzer of the
    index's fields. Each distinct word is normalized, stopword-tested and stemmed once
    (``word_cache``) instead of passing through four generators a word."""

    def __init__(self, stemmer: str | None = "light", stopwords: bool = True):
        self.stemmer = stemmer
        self.stopwords = stopwords

    def __repr__(self) -> str:
        return f"ArabicAnalyzer(stemmer={self.stemmer!r}, stopwords={self.stopwords!r})"

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs,
    ) -> Iterator[Token]:
        words = word_cache(self.stemmer or "none")
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        found = spans(value) if tokenize else [(0, len(value))]
        for pos, (start, end) in enumerate(found, start_pos):
            written = value[start:end]
            norm, stem, stopword = words[written]
            stopped = self.stopwords and stopword
            if stopped and removestops:
                continue
            token.text = norm if stopped else stem
            token.stopped = stopped
            token.boost = 1.0
            if keeporiginal or not tokenize:
                token.original = written
            if positions:
                token.pos = pos
            if chars:
                token.startchar, token.endchar = start_char + start, start_char + end
            yield token

    def term_positions(self, value: str) -> dict[str, list[int]]:
        """Each indexed term of ``value`` with its words' positions: what a ``Positions``
        format collects from this analyzer's tokens, without making the tokens."""
        terms = term_cache(self.stemmer or "none", self.stopwords)
        found: defaultdict[str | None, list[int]] = defaultdict(list)
        for pos, written in enumerate(word_list(value)):
            found[terms[written]].append(pos)
        found.pop(None, None)  # the dropped stopwords
        return found

    def term_counts(self, value: str) -> dict[str, int]:
        """Each indexed term of ``value`` with its frequency (what a ``Frequency`` format
        collects from this analyzer's tokens), terms in the order they first come."""
        return self.counts_of(written_counts(value))

    def counts_of(self, written: Counter[str]) -> dict[str, int]:
        """``term_counts`` from the text's ``written_counts`` (which views of one text share:
        a pass over its distinct words, not over all its words, each)."""
        terms = term_cache(self.stemmer or "none", self.stopwords)
        counts: dict[str | None, int] = {}
        get = counts.get
        for term, count in zip(map(terms.__getitem__, written), written.values(), strict=True):
            counts[term] = get(term, 0) + count
        counts.pop(None, None)  # the dropped stopwords
        return counts


def written_counts(value: str) -> Counter[str]:
    """Each word of ``value`` as written with its frequency, in the order they first come."""
    return Counter(word_list(value))


class TermCache(dict[str, str | None]):
    """Written word → its indexed term, or None for a dropped stopword (each word once; its
    analysis not kept in the ``word_cache`` besides: a view of the index needs only this)."""

    def __init__(self, stemmer: str, stopwords: bool):
        super().__init__()
        self.stem = get_stemmer(stemmer)
        self.stopwords = stopwords

    def __missing__(self, written: str) -> str | None:
        make_room(self)
        norm = normalize(written)
        term = None if self.stopwords and is_stopword(norm) else self.stem(norm)
        self[written] = term
        return term


@cache
def term_cache(stemmer: str, stopwords: bool) -> TermCache:
    """The term cache of one indexed view (by stemmer name; with stopwords dropped or not)."""
    return TermCache(stemmer, stopwords)


def arabic_analyzer(stemmer: str | None = "light", stopwords: bool = True) -> Composable:
    """Tokenizer | normalizer [| stop filter] [| stemmer]: one indexed view's analysis as
    composable steps (for ablations, and the reference ``ArabicAnalyzer`` is tested against)."""
    analyzer = ArabicTokenizer() | ArabicNormalizer()
    if stopwords:
        analyzer = analyzer | ArabicStopFilter()
    if stemmer:
        analyzer = analyzer | ArabicStemFilter(stemmer)
    return analyzer
