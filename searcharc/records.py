"""Records that flow between the stages: files → Article → index → Hit."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields

SENTENCE_END = re.compile(r"[.!?؟]")
CLAUSE_END = "،"
LEAD_PUNCTUATION = re.compile(r"^[^\w]+")
FIRST_SENTENCE_WORDS = 20


@dataclass(frozen=True, slots=True)
class Article:
    """One article as extracted from a source file, ready to be indexed."""

    id: str
    title: str
    body: str
    source: str | None = None
    date: str | None = None  # ISO 8601, YYYY-MM-DD
    url: str | None = None
    author: str | None = None
    origin: str | None = None  # the file it was read from, for --prune


@dataclass(frozen=True, slots=True)
class Snippet:
    """A passage of the original text with the matched words' [start, end) spans in it."""

    text: str
    highlights: list[tuple[int, int]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Hit:
    """One ranked search result; its fields are those of the JSON output."""

    id: str
    title: str
    score: float
    date: str | None
    source: str | None
    snippets: list[Snippet] = field(default_factory=list)


HIT_FIELDS = tuple(f.name for f in fields(Hit))


def first_sentence(paragraph: str) -> str:
    """The paragraph's first sentence, cut at a clause when it is long."""
    sentence = SENTENCE_END.split(paragraph, maxsplit=1)[0].strip()
    words = sentence.split()
    if len(words) <= FIRST_SENTENCE_WORDS:
        return sentence
    head = " ".join(words[:FIRST_SENTENCE_WORDS])
    return head.split(CLAUSE_END)[0].strip() if CLAUSE_END in head else head


def derived_title(body: str) -> str:
    """The title shown for an article without one: the first sentence of its first paragraph,
    read after any lead-in punctuation («..», «…»); its first words when that is empty."""
    paragraph = body.strip().split("\n", 1)[0]
    lead = LEAD_PUNCTUATION.sub("", paragraph)
    return first_sentence(lead) or " ".join(paragraph.split()[:FIRST_SENTENCE_WORDS])
