"""Decoded text → Article records, by format: plain text, HTML, JSON records."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from searcharc.dates import find_date
from searcharc.ingest.page import parse_text
from searcharc.ingest.webpage import html_article
from searcharc.records import Article

TEXT_KEYS = ("content", "body", "text")
HTML_SUFFIXES = (".html", ".htm", ".xhtml")
JSON_SUFFIXES = (".json",)
JSONL_SUFFIXES = (".jsonl", ".ndjson")


@dataclass(frozen=True, slots=True)
class Skipped:
    """An input, or a record in one, that was not indexed, and why."""

    name: str
    reason: str
    origin: str | None = None  # set when a whole file was skipped: its articles are kept


Parsed = Article | Skipped


def _str(value: object) -> str | None:
    """A field as stripped text (a number as written), or None when missing, blank, or not
    text (an object, an array, true or false)."""
    if isinstance(value, str):
        return value.strip() or None
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


JSON_TYPES = {dict: "an object", list: "an array", bool: "true or false"}


def _no_text(record: dict) -> str:
    """Why a record without text or title is skipped, naming a field that is not text."""
    for key in ("title", *TEXT_KEYS):
        if type(record.get(key)) in JSON_TYPES:
            return f"record's {key} is {JSON_TYPES[type(record[key])]}, not text"
    return "record has no title and no content, body or text"


def _iso_date(value: object) -> str | None:
    text = _str(value)
    if not text:
        return None
    if len(text) >= 10 and text[4] == "-" and text[7] == "-":
        return find_date(text[:10])
    return find_date(text)


def record_article(record: object, fallback_id: str) -> Parsed:
    """An Article from a JSON record with its text under content, body or text (or a title)."""
    if not isinstance(record, dict):
        return Skipped(fallback_id, "record is not a JSON object")
    body = next((_str(record[k]) for k in TEXT_KEYS if _str(record.get(k))), "")
    title = _str(record.get("title")) or ""
    if not (title or body):
        return Skipped(fallback_id, _no_text(record))
    return Article(
        id=_str(record.get("id")) or _str(record.get("url")) or fallback_id,
        title=title,
        body=body,
        source=_str(record.get("source")),
        date=_iso_date(record.get("date") or record.get("date_extracted")),
        url=_str(record.get("url")),
        author=_str(record.get("author")),
    )


def sniff_format(name: str, text: str) -> str:
    """The format by file name, else by the first character (for standard input)."""
    lower = name.lower()
    if lower.endswith(HTML_SUFFIXES):
        return "html"
    if lower.endswith(JSONL_SUFFIXES):
        return "jsonl"
    if lower.endswith(JSON_SUFFIXES):
        return "json"
    head = text.lstrip()[:1]
    if head == "<":
        return "html"
    if head == "[":
        return "json"
    if head == "{":
        lines = text.strip().splitlines()
        return "jsonl" if len(lines) > 1 and lines[0].rstrip().endswith("}") else "json"
    return "text"


def parse(text: str, name: str) -> Iterator[Parsed]:
    """The article of one decoded input read whole: an HTML page or plain text (JSON and JSON
    Lines are read a record at a time: ``searcharc.ingest.containers``)."""
    if sniff_format(name, text) == "html":
        yield html_article(text, name) or Skipped(name, "no article text found in the HTML page")
    else:
        article = parse_text(text, name)
        yield article if article.body else Skipped(name, "no article text")
