"""Records that flow between the stages: files → Article → index → Hit."""

from __future__ import annotations

from dataclasses import dataclass, field, fields


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
