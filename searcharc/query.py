"""The query language, parsed leniently into a small tree (no Whoosh here).

مكافحة الإرهاب            free words (--match any|all)
"مكافحة الإرهاب"          a phrase: these words, in this order, next to each other
الإرهاب -الجزائر          minus or NOT excludes; OR, AND and parentheses combine
title:بلينكن source:هسبريس date:2023-11
إره*   الارهب~  الارهب~2   =الإرهابية
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import datetime

from searcharc.errors import SearcharcError

FIELDS = ("title", "source", "date")
MAX_FUZZY = 2
MIN_PREFIX = 2  # letters before a * (a shorter prefix would expand to much of the vocabulary)

TOKEN_RE = re.compile(r'\s*(?:(?P<quote>"[^"]*"?)|(?P<open>\()|(?P<close>\))|(?P<word>[^\s()"]+))')


@dataclass(frozen=True, slots=True)
class Word:
    """A free word: stemmed, matched in title and body, the exact form ranked higher."""

    text: str


@dataclass(frozen=True, slots=True)
class Exact:
    """``=word``: this form only, still insensitive to marks and hamza forms."""

    text: str


@dataclass(frozen=True, slots=True)
class Phrase:
    text: str


@dataclass(frozen=True, slots=True)
class Prefix:
    text: str


@dataclass(frozen=True, slots=True)
class Fuzzy:
    text: str
    distance: int


@dataclass(frozen=True, slots=True)
class InField:
    """``title:…`` or ``source:…``: the node, searched in that field only."""

    field: str
    node: Node


@dataclass(frozen=True, slots=True)
class DateIn:
    """``date:2023``, ``date:2023-11`` or ``date:2023-11-14``: from its first to last moment."""

    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class Not:
    node: Node


@dataclass(frozen=True, slots=True)
class All:
    """Every child must match (explicit AND)."""

    nodes: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Any:
    """Any child may match (OR)."""

    nodes: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Free:
    """Children written side by side: --match decides whether all or any must match."""

    nodes: tuple[Node, ...]


Node = Word | Exact | Phrase | Prefix | Fuzzy | InField | DateIn | Not | All | Any | Free

DATE_RE = re.compile(r"^\d{4}(?:-\d{1,2}(?:-\d{1,2})?)?$")
FUZZY_RE = re.compile(r"^(?P<word>.+?)~(?P<distance>\d*)$")


def tokenize(text: str) -> list[str]:
    """Quoted phrases, parentheses and words; a lone quote runs to the end."""
    tokens = []
    for match in TOKEN_RE.finditer(text):
        kind = match.lastgroup
        if kind:
            tokens.append(match.group(kind))
    return tokens


def _leaf(token: str) -> Node | None:
    """One word as written: =exact, prefix*, fuzzy~N, field:value or a plain word."""
    if token.startswith('"'):
        inner = token.strip('"').strip()
        return Phrase(inner) if inner else None
    field, sep, value = token.partition(":")
    if sep and field.lower() in FIELDS and value:
        return _field_leaf(field.lower(), value)
    if token.startswith("="):
        return Exact(token[1:]) if token[1:].strip("=") else None
    if token.endswith("*"):
        stem = token.rstrip("*")
        if len(stem) < MIN_PREFIX or not any(ch.isalnum() for ch in stem):
            raise SearcharcError(
                f"prefix {token!r} is too short: give at least {MIN_PREFIX} letters"
            )
        return Prefix(stem)
    if fuzzy := FUZZY_RE.match(token):
        distance = int(fuzzy["distance"] or 1)
        if not 1 <= distance <= MAX_FUZZY:
            raise SearcharcError(f"fuzzy distance in {token!r} must be 1 or {MAX_FUZZY}")
        return Fuzzy(fuzzy["word"], distance)
    return Word(token) if any(ch.isalnum() for ch in token) else None


def date_range(text: str) -> tuple[datetime, datetime]:
    """The first and last moment of a year, month or day (2023, 2023-11, 2023-11-14)."""
    if not DATE_RE.match(text):
        raise ValueError(text)
    year, month, day = ([int(p) for p in text.split("-")] + [0, 0])[:3]
    start = datetime(year, month or 1, day or 1)
    last_month = month or 12
    last_day = day or calendar.monthrange(year, last_month)[1]
    return start, datetime(year, last_month, last_day, 23, 59, 59)


def _field_leaf(field: str, value: str) -> Node:
    if field == "date":
        try:
            return DateIn(*date_range(value))
        except ValueError:
            raise SearcharcError(
                f"date:{value} is not a date: write date:2023, date:2023-11 or date:2023-11-14"
            ) from None
    inner = _leaf(value)
    if inner is None:
        raise SearcharcError(f"{field}: needs a word after it")
    return InField(field, inner)


class _Parser:
    """Recursive descent over the tokens: or ← and (OR and)*; and ← unary ([AND] unary)*."""

    def __init__(self, tokens: list[str]):
        self.tokens = tokens
        self.at = 0

    def peek(self) -> str | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> str:
        self.at += 1
        return self.tokens[self.at - 1]

    def parse_or(self) -> Node | None:
        nodes = [self.parse_and()]
        while self.peek() == "OR":
            self.take()
            nodes.append(self.parse_and())
        return _combine(Any, nodes)

    def parse_and(self) -> Node | None:
        groups: list[list[Node | None]] = [[]]
        while (token := self.peek()) is not None and token not in ("OR", ")"):
            if token == "AND":
                self.take()
                groups.append([])
                continue
            groups[-1].append(self.parse_unary())
        return _combine(All, [_combine(Free, g) for g in groups])

    def parse_unary(self) -> Node | None:
        token = self.take()
        if token == "NOT":
            return _negate(self.parse_unary() if self.peek() not in (None, ")", "OR") else None)
        if token == "(":
            node = self.parse_or()
            if self.peek() == ")":
                self.take()
            return node
        if token.startswith("-") and len(token) > 1:
            return _negate(_leaf(token[1:]))
        return _leaf(token)


def _negate(node: Node | None) -> Node | None:
    return Not(node) if node is not None else None


def _combine(kind: type, nodes: list[Node | None]) -> Node | None:
    kept = tuple(n for n in nodes if n is not None)
    if not kept:
        return None
    return kept[0] if len(kept) == 1 else kind(kept)


def parse(text: str) -> Node | None:
    """The query's tree, read leniently (stray operators and parentheses are ignored).

    None when nothing searchable is left; SearcharcError for what cannot be read at all.
    """
    parser = _Parser(tokenize(text))
    node = None
    while parser.peek() is not None:  # a stray ")" ends a parse; read on past it
        part = parser.parse_or()
        node = part if node is None else _combine(Free, [node, part])
        if parser.peek() == ")":
            parser.take()
    return node
