"""Inputs read as streams: JSON Lines a line at a time, JSON arrays an item at a time (ijson),
any other input whole. The size limit applies to one article (a record, or a single-article
file or zip member), never to the container; the bytes read are reported as they go."""

from __future__ import annotations

import codecs
import io
import json
from collections.abc import Callable, Iterator
from typing import BinaryIO

from searcharc.ingest.decode import DecodeError, check_text, decode, sniff_encoding
from searcharc.ingest.formats import Parsed, Skipped, parse, record_article, sniff_format

CHUNK = 1 << 16  # bytes read at a time, and sniffed for the format and encoding
UTF8 = ("utf-8", "utf-8-sig", "utf8")


def human_size(size: int) -> str:
    """Bytes in the units --max-size takes: 200 B, 1.5 KB, 2.0 MB, 1.0 GB."""
    for unit, scale in (("GB", 10**9), ("MB", 10**6), ("KB", 10**3)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} B"


def too_large(size: int, limit: int, exact: bool = True) -> str | None:
    """The reason to skip an article of ``size`` bytes (``exact``: its whole size, else only
    what was read of it), or None when it is within the limit."""
    if size <= limit:
        return None
    shown = f"{human_size(size)} > " if exact else ""
    return f"larger than --max-size ({shown}{human_size(limit)})"


class Counted(io.RawIOBase):
    """A binary stream that reports each read's size (for the progress bar)."""

    def __init__(self, raw: BinaryIO, on_read: Callable[[int], None]) -> None:
        self.raw = raw
        self.on_read = on_read

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        count = self.raw.readinto(buffer) or 0
        if count:
            self.on_read(count)
        return count


class Recoded:
    """A text stream read as UTF-8 bytes: what ijson reads (other encodings are decoded)."""

    def __init__(self, text: io.TextIOWrapper) -> None:
        self.text = text

    def read(self, size: int = -1) -> bytes:
        return self.text.read(size).encode()


def read_stream(
    raw: BinaryIO,
    name: str,
    size: int,
    encoding: str | None,
    max_size: int,
    on_read: Callable[[int], None],
) -> Iterator[Parsed]:
    """The articles of one input stream (``size``: its length in bytes, 0 when unknown)."""
    stream = io.BufferedReader(Counted(raw, on_read), CHUNK)
    head = stream.peek(CHUNK)[:CHUNK]
    kind = sniff_format(name, head.decode("utf-8", "ignore"))
    if kind in ("json", "jsonl"):
        if not head.strip():
            raise DecodeError("empty")
        found = sniff_encoding(head, encoding)
        records = jsonl_records if kind == "jsonl" else json_records
        yield from records(stream, name, found, max_size)
        return
    if reason := too_large(size, max_size):
        yield Skipped(name, reason)
        return
    data = stream.read(max_size + 1)  # the size of standard input is known only now
    if reason := too_large(len(data), max_size, exact=False):
        yield Skipped(name, reason)
        return
    yield from parse(decode(data, encoding), name)


def jsonl_records(stream: BinaryIO, name: str, encoding: str, max_size: int) -> Iterator[Parsed]:
    """One JSON object a line; a broken or oversized line is skipped, the others are kept."""
    lines = io.TextIOWrapper(stream, encoding, errors="replace")
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        if reason := too_large(len(line.encode()), max_size):
            yield Skipped(f"{name}:{number}", reason)
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Skipped(f"{name}:{number}", f"invalid JSON line: {exc.msg}")
            continue
        strings: list[str] = []
        _walk(record, strings)
        if reason := _not_text(strings):
            yield Skipped(f"{name}:{number}", reason)
            continue
        yield record_article(record, f"{name}#{number}")


def json_records(stream: BinaryIO, name: str, encoding: str, max_size: int) -> Iterator[Parsed]:
    """A JSON array of objects an item at a time (or one object, or several one after another);
    the records before a syntax error are kept (and before an integer beyond 64 bits, which
    ijson's C parser refuses)."""
    import ijson  # only when there is JSON to read

    head = stream.peek(CHUNK)[:CHUNK].decode(encoding, "ignore").lstrip("\ufeff \t\r\n")
    prefix = "item" if head.startswith("[") else ""
    source: BinaryIO | Recoded = stream
    if encoding.lower().replace("_", "-") not in UTF8:
        source = Recoded(io.TextIOWrapper(stream, encoding, errors="replace"))
    elif stream.peek(3).startswith(codecs.BOM_UTF8):
        stream.read(3)
    position = 0
    try:
        items = ijson.items(source, prefix, multiple_values=True, use_float=True)
        for position, record in enumerate(items, 1):
            strings: list[str] = []
            size = json_size(record, _walk(record, strings), strings, max_size)
            if reason := too_large(size, max_size) or _not_text(strings):
                yield Skipped(f"{name}#{position}", reason)
                continue
            yield record_article(record, f"{name}#{position}")
    except (ijson.JSONError, ValueError) as exc:
        problem = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        records = f"{position} record" + ("s" if position != 1 else "")
        yield Skipped(name, f"JSON not read past {records}: {problem}")


def _walk(value: object, strings: list[str]) -> int:
    """Add the keys and strings of a JSON value to ``strings``; the number of values and keys."""
    if isinstance(value, str):
        strings.append(value)
        return 1
    if isinstance(value, dict):
        return 1 + sum(_walk(k, strings) + _walk(v, strings) for k, v in value.items())
    if isinstance(value, list):
        return 1 + sum(_walk(v, strings) for v in value)
    return 1


JSON_BYTES_A_CHAR = 6  # at most: «\u0001», one character
JSON_BYTES_A_VALUE = 32  # at most, besides its characters: a number, quotes, comma, colon


def json_size(record: object, values: int, strings: list[str], limit: int) -> int:
    """The UTF-8 size of a record's JSON text: serialized only when a bound from its strings
    and values does not already show it within ``limit`` (serializing every record of a dump
    cost a quarter of its reading)."""
    bound = JSON_BYTES_A_CHAR * sum(map(len, strings)) + JSON_BYTES_A_VALUE * values
    return bound if bound <= limit else len(json.dumps(record, ensure_ascii=False).encode())


def _not_text(strings: list[str]) -> str | None:
    """Why a record's strings are refused (mojibake), or None. Control characters are not
    judged: JSON strings are text, and real articles carry stray ones (SaudiNewsNet has
    «\x1a\x1a» leads, 1% of an article)."""
    text = "\n".join(strings)
    if not text.strip():
        return None  # nothing to judge: record_article says what the record lacks
    try:
        check_text(text, controls=False)
    except DecodeError as exc:
        return str(exc)
    return None
