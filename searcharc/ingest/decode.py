"""Bytes → text: BOMs, UTF-8, then the Arabic legacy code pages; mojibake is refused."""

from __future__ import annotations

import codecs
import re
import unicodedata

# Single-byte code pages of Arabic archives, tried (by charset-normalizer) when UTF-8 fails.
LEGACY_ARABIC = ("cp1256", "iso8859_6")
BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
SNIFF_BYTES = 8192
MAX_BAD_RATIO = 0.01  # control, private-use, unassigned or replacement characters
MAX_MOJIBAKE_RATIO = 0.05  # UTF-8 Arabic read as a Latin code page: «Ø§Ù„»
MOJIBAKE_MARKERS = frozenset("ØÙÃÂ")


class DecodeError(ValueError):
    """The bytes are not text we can index; the message says why, in a few words."""


def is_binary(data: bytes) -> bool:
    """NUL bytes in the head of a file that has no UTF-16 byte-order mark."""
    return not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and (
        b"\x00" in data[:SNIFF_BYTES]
    )


def _bad_char(ch: str) -> bool:
    return ch == "\ufffd" or (
        unicodedata.category(ch) in ("Cc", "Co", "Cn") and ch not in "\t\n\r\f\v"
    )


# Runs of characters that are never bad (white space, ASCII, Latin-1, the Arabic blocks, general
# punctuation), removed in one regex pass so that only the rest is judged a character at a time:
# set() of a whole day's text costs more than reading it.
_COMMON_BLOCKS = [(0x9, 0xE), (0x20, 0x7F), (0xA0, 0x100), (0x600, 0x780), (0x2000, 0x2070)]
_COMMON_BLOCKS += [(0xFB50, 0xFE00), (0xFE70, 0xFF00)]


def _never_bad() -> re.Pattern:
    common = (c for start, end in _COMMON_BLOCKS for c in range(start, end))
    good = "".join(ch for ch in map(chr, common) if not _bad_char(ch))
    return re.compile(f"[{re.escape(good)}]+")


_NEVER_BAD = _never_bad()


def check_text(text: str, controls: bool = True) -> str:
    """Refuse text full of control characters (unless not ``controls``: the strings of a
    JSON record, text already) or mojibake; return it unchanged otherwise."""
    if not text.strip():
        raise DecodeError("empty")
    size = len(text)
    # Each distinct character is judged once; only the bad ones are counted.
    rest = _NEVER_BAD.sub("", text) if controls else ""
    if sum(rest.count(ch) for ch in set(rest) if _bad_char(ch)) > MAX_BAD_RATIO * size:
        raise DecodeError("control characters: not text")
    if sum(text.count(ch) for ch in MOJIBAKE_MARKERS) > MAX_MOJIBAKE_RATIO * size:
        raise DecodeError("mojibake (text encoded twice)")
    return text


def _detect(data: bytes) -> str:
    """The Arabic code page that ``data`` is most likely in (charset-normalizer)."""
    from charset_normalizer import from_bytes  # only for non-UTF-8 input

    best = from_bytes(data, cp_isolation=list(LEGACY_ARABIC)).best()
    if best is None:
        raise DecodeError("unknown encoding (use --encoding)")
    return best.encoding


def sniff_encoding(head: bytes, encoding: str | None = None) -> str:
    """The encoding of a stream from its first bytes: ``encoding`` when given, else by BOM,
    UTF-8 (a character cut at the end of ``head`` allowed), or a detected Arabic code page."""
    if encoding:
        try:
            return codecs.lookup(encoding).name
        except LookupError:
            raise DecodeError(f"unknown encoding: {encoding}") from None
    if is_binary(head):
        raise DecodeError("binary file")
    for bom, codec in BOMS:
        if head.startswith(bom):
            return codec
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return _detect(head)
    return "utf-8"


def decode(data: bytes, encoding: str | None = None) -> str:
    """Decode with ``encoding``, else by BOM, UTF-8, or a detected Arabic code page."""
    if not data.strip():
        raise DecodeError("empty")
    if encoding:
        try:
            return check_text(data.decode(encoding))
        except (UnicodeDecodeError, LookupError) as exc:
            raise DecodeError(f"not {encoding}: {exc.__class__.__name__}") from exc
    if is_binary(data):
        raise DecodeError("binary file")
    for bom, codec in BOMS:
        if data.startswith(bom):
            try:
                return check_text(data.decode(codec))
            except UnicodeDecodeError as exc:
                raise DecodeError(f"invalid {codec}") from exc
    try:
        return check_text(data.decode("utf-8"))
    except UnicodeDecodeError:
        return check_text(data.decode(_detect(data)))
