"""The query language, parsed leniently into a small tree (no Whoosh here).

مكافحة الإرهاب            free words (--match any|all)
"مكافحة الإرهاب"          a phrase: these words, in this order, next to each other
الإرهاب -الجزائر          minus or NOT excludes; OR, AND and parentheses combine
title:بلينكن source:هسبريس date:2023-11   title:"…"  -"…"  -(…)  title:(…)
إره*   الارهب~  الارهب~2   =الإرهابية
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from searcharc.analysis.tokenize import spans
from searcharc.errors import SearcharcError

FIELDS = ("title", "source", "date")
MAX_FUZZY = 2
MIN_PREFIX = 2  # letters before a * (a shorter prefix would expand to much of the vocabulary)

# A quote or an opening parenthesis may carry modifiers written against it: -"…", title:(…).
TOKEN_RE = re.compile(
    r'(?P<mods>(?:-|(?i:title|source|date):)*)(?:"(?P<quote>[^"]*)"?|(?P<open>\())'
    r"|(?P<close>\))"
    r'|(?P<word>[^\s()"]+)'
)
MODIFIER_RE = re.compile(r"-|\w+:")
DATE_HINT = "write date:2023, date:2023-11 or date:2023-11-14"
DATE_RE = re.compile(r"^\d{4}(?:-\d{1,2}(?:-\d{1,2})?)?$")
FUZZY_RE = re.compile(r"^(?P<word>.+?)~(?P<distance>\d*)$")


@dataclass(frozen=True, slots=True)
class Word:
    """A free word: stemmed, matched in title and body, the exact form ranked higher."""

    text: str
    at: int = dataclasses.field(default=0, compare=False, repr=False)  # in the query


@dataclass(frozen=True, slots=True)
class Exact:
    """``=word``: this form only, still insensitive to marks and hamza forms."""

    text: str
    at: int = dataclasses.field(default=0, compare=False, repr=False)  # in the query


@dataclass(frozen=True, slots=True)
class Phrase:
    """``"…"``: the words in this order, at the positions the query gives them."""

    text: str
    at: int = dataclasses.field(default=0, compare=False, repr=False)  # in the query


@dataclass(frozen=True, slots=True)
class Prefix:
    """``word*``: any unstemmed word starting with these letters."""

    text: str


@dataclass(frozen=True, slots=True)
class Fuzzy:
    """``word~N``: any unstemmed word within N edits."""

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
    """``-word``, ``-(…)`` or ``NOT …``: documents that do not match the node."""

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


@dataclass(frozen=True, slots=True)
class Token:
    """One unit of the query string: a word, a quoted phrase, or a parenthesis."""

    kind: str  # word, quote, open or close
    text: str
    at: int  # offset of ``text`` in the query
    mods: str = ""  # modifiers written against a quote or "(": -, title:, source:, date:


def tokenize(text: str) -> list[Token]:
    """Quoted phrases, parentheses and words; a lone quote runs to the end."""
    tokens = []
    for match in TOKEN_RE.finditer(text):
        kind = next(k for k in ("quote", "open", "close", "word") if match[k] is not None)
        tokens.append(Token(kind, match[kind], match.start(kind), match["mods"] or ""))
    return tokens


def _has_word(text: str) -> bool:
    return next(spans(text), None) is not None


def _leaf(text: str, at: int) -> Node | None:
    """One word as written: -word, field:value, =exact, prefix*, fuzzy~N or a plain word."""
    if (kept := text.lstrip("-")) != text:  # one minus or several: leave the word out
        return _negate(_leaf(kept, at + len(text) - len(kept))) if kept else None
    field, sep, value = text.partition(":")
    if sep and field.lower() in FIELDS:
        return _field_leaf(field.lower(), value, at + len(field) + 1) if value else None
    if text.startswith("="):
        return Exact(text[1:], at + 1) if _has_word(text[1:]) else None
    if text.endswith("*"):
        return _prefix(text)
    if fuzzy := FUZZY_RE.match(text):
        return _fuzzy(fuzzy["word"], fuzzy["distance"], text)
    return Word(text, at) if _has_word(text) else None


def _prefix(text: str) -> Prefix:
    stem = text.rstrip("*")
    if len(list(spans(stem))) != 1 or len(stem) < MIN_PREFIX:
        raise SearcharcError(f"prefix {text!r} needs at least {MIN_PREFIX} letters of one word")
    return Prefix(stem)


def _fuzzy(word: str, distance: str, text: str) -> Fuzzy | None:
    edits = int(distance or 1)
    if not 1 <= edits <= MAX_FUZZY:
        raise SearcharcError(f"fuzzy distance in {text!r} must be 1 or {MAX_FUZZY}")
    found = list(spans(word))
    if len(found) > 1:
        raise SearcharcError(f"fuzzy {text!r} applies to one word")
    return Fuzzy(word, edits) if found else None


def date_range(text: str) -> tuple[datetime, datetime]:
    """The first and last moment of a year, month or day (2023, 2023-11, 2023-11-14)."""
    import calendar  # here: it imports locale, a cost of every query without a date

    if not DATE_RE.match(text):
        raise ValueError(text)
    year, *rest = (int(p) for p in text.split("-"))
    first_month, last_month = (rest[0], rest[0]) if rest else (1, 12)
    first_day, last_day = (rest[1], rest[1]) if len(rest) == 2 else (1, None)
    last_day = last_day or calendar.monthrange(year, last_month)[1]
    return datetime(year, first_month, first_day), datetime(year, last_month, last_day, 23, 59, 59)


def _date(text: str) -> DateIn:
    try:
        return DateIn(*date_range(text.strip()))
    except ValueError:
        raise SearcharcError(f"date:{text} is not a date: {DATE_HINT}") from None


def _field_leaf(field: str, value: str, at: int) -> Node | None:
    return _date(value) if field == "date" else _in_field(field, _leaf(value, at))


def _in_field(field: str, node: Node | None) -> Node | None:
    return InField(field, node) if node is not None else None


def _modify(mods: str, node: Node | None, token: Token) -> Node | None:
    """Apply the modifiers written against a quote or group, innermost (rightmost) first."""
    for mod in reversed(MODIFIER_RE.findall(mods)):
        if mod == "-":
            node = _negate(node)
        elif mod.lower() == "date:":
            if token.kind != "quote":
                raise SearcharcError(f"date: takes one date, not a group: {DATE_HINT}")
            node = _date(token.text)
        else:
            node = _in_field(mod[:-1].lower(), node)
    return node


class _Parser:
    """Recursive descent over the tokens: or ← and (OR and)*; and ← unary ([AND] unary)*."""

    def __init__(self, tokens: list[Token]):
        self.tokens = tokens
        self.at = 0

    def peek(self) -> Token | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def peek_is(self, *what: str) -> bool:
        """Whether the next token is one of these operator words or kinds of token."""
        token = self.peek()
        return token is not None and (
            token.kind in what or (token.kind == "word" and token.text in what)
        )

    def take(self) -> Token:
        self.at += 1
        return self.tokens[self.at - 1]

    def parse_or(self) -> Node | None:
        nodes = [self.parse_and()]
        while self.peek_is("OR"):
            self.take()
            nodes.append(self.parse_and())
        return _combine(Any, nodes)

    def parse_and(self) -> Node | None:
        groups: list[list[Node | None]] = [[]]
        while self.peek() is not None and not self.peek_is("OR", "close"):
            if self.peek_is("AND"):
                self.take()
                groups.append([])
                continue
            groups[-1].append(self.parse_unary())
        return _combine(All, [_combine(Free, g) for g in groups])

    def parse_unary(self) -> Node | None:
        token = self.take()
        if token.kind == "word" and token.text == "NOT":
            if self.peek() is None or self.peek_is("close", "OR", "AND"):
                return None
            return _negate(self.parse_unary())
        if token.kind == "open":
            node = self.parse_or()
            if self.peek_is("close"):
                self.take()
            return _modify(token.mods, node, token)
        if token.kind == "quote":
            phrase = Phrase(token.text, token.at) if _has_word(token.text) else None
            return _modify(token.mods, phrase, token)
        return _leaf(token.text, token.at)


def _negate(node: Node | None) -> Node | None:
    return Not(node) if node is not None else None


def _combine(kind: type, nodes: list[Node | None]) -> Node | None:
    kept = tuple(n for n in nodes if n is not None)
    if not kept:
        return None
    return kept[0] if len(kept) == 1 else kind(kept)


def parse(text: str) -> Node | None:
    """The query's tree, read leniently (stray operators, quotes and parentheses are ignored).

    None when nothing searchable is left; SearcharcError for what cannot be read at all.
    """
    parser = _Parser(tokenize(text))
    node = None
    while parser.peek() is not None:  # a stray ")" ends a parse; read on past it
        part = parser.parse_or()
        node = part if node is None else _combine(Free, [node, part])
        if parser.peek_is("close"):
            parser.take()
    return node


def correctable(node: Node | None, positive: bool = True) -> Iterator[tuple[int, str]]:
    """(offset, text) of the words whose spelling did-you-mean may correct.

    Words that add matches: free, exact, phrase and title: words, not negated ones, not
    sources, prefixes or fuzzy words.
    """
    match node:
        case Word(text, at) | Exact(text, at) | Phrase(text, at) if positive:
            yield at, text
        case Not(inner):
            yield from correctable(inner, not positive)
        case InField(field, inner) if field != "source":
            yield from correctable(inner, positive)
        case All(nodes) | Any(nodes) | Free(nodes):
            for child in nodes:
                yield from correctable(child, positive)


def parse_searchable(text: str) -> Node:
    """The query's tree; SearcharcError when nothing searchable is left (e.g. only operators)."""
    node = parse(text)
    if node is None:
        raise SearcharcError(f"nothing to search for in {text!r}: give at least one word")
    return node


def replace_spans(text: str, replacements: list[tuple[int, int, str]]) -> str:
    """``text`` with each non-overlapping [start, end) span replaced by its new string."""
    for start, end, new in sorted(replacements, reverse=True):
        text = text[:start] + new + text[end:]
    return text
