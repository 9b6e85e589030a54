"""Bytes to text, in this process: BOMs, UTF-8, the Arabic code pages, a forced encoding, and
what is refused (empty, binary, control characters, mojibake) at the edges of its thresholds."""

from __future__ import annotations

import codecs
import io
import json

import pytest

from searcharc.ingest import Input, read_input
from searcharc.ingest.containers import CHUNK
from searcharc.ingest.decode import (
    _COMMON_BLOCKS,
    MAX_BAD_RATIO,
    MAX_MOJIBAKE_RATIO,
    SNIFF_BYTES,
    DecodeError,
    _bad_char,
    _never_bad,
    check_text,
    decode,
    is_binary,
)

TEXT = "ارتفعت أسعار الطماطم هذا الأسبوع في الأسواق المغربية. " * 4


@pytest.mark.parametrize(
    "data",
    [
        TEXT.encode("utf-8"),
        codecs.BOM_UTF8 + TEXT.encode("utf-8"),
        codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"),
        codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"),
        TEXT.encode("cp1256"),
    ],
    ids=["utf-8", "utf-8 bom", "utf-16-le bom", "utf-16-be bom", "cp1256"],
)
def test_each_encoding_is_read(data):
    assert decode(data) == TEXT


def test_a_forced_encoding_is_used_or_named_when_it_fails():
    assert decode(TEXT.encode("iso8859_6"), "iso8859_6") == TEXT
    with pytest.raises(DecodeError, match=r"^not ascii: UnicodeDecodeError$"):
        decode(TEXT.encode("utf-8"), "ascii")
    with pytest.raises(DecodeError, match=r"^not nope: LookupError$"):
        decode(TEXT.encode("utf-8"), "nope")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b" \n\t ", "empty"),
        (b"abc\x00def" + TEXT.encode(), "binary file"),
        (codecs.BOM_UTF16_LE + b"\x00\xd8" + b"a\x00", "invalid utf-16"),
        (codecs.BOM_UTF8 + b"\xff\xfe\xfd", "invalid utf-8-sig"),
        (codecs.BOM_UTF16_LE + " \n ".encode("utf-16-le"), "empty"),  # blank once decoded
        (bytes(range(0x80, 0x100)), "unknown encoding (use --encoding)"),  # no code page fits
    ],
)
def test_what_is_refused_and_why(data, reason):
    with pytest.raises(DecodeError) as raised:
        decode(data)
    assert str(raised.value) == reason


@pytest.mark.parametrize(
    ("text", "encoding"),
    [("سعر: 12 درهم", "cp1256"), ("ارتفعت أسعار الطماطم هذا الأسبوع", "iso8859_6")],
)
def test_a_one_line_headline_in_an_arabic_code_page_is_read(text, encoding):
    # too short for detection among every code page (cp932, cp874): only the Arabic ones are tried
    assert decode(text.encode(encoding)) == text


def test_binary_means_a_nul_in_the_head_of_a_file_without_a_utf16_bom():
    assert is_binary(b"ab\x00c")
    assert not is_binary(codecs.BOM_UTF16_LE + "ab".encode("utf-16-le"))
    assert not is_binary(codecs.BOM_UTF16_BE + "ab".encode("utf-16-be"))
    assert not is_binary(b"a" * SNIFF_BYTES + b"\x00")
    assert is_binary(b"a" * (SNIFF_BYTES - 1) + b"\x00")


@pytest.mark.parametrize("bad", ["\x07", "\x85", "\ufffd", "\ue000", "\u0378"])
def test_control_private_unassigned_and_replacement_characters_count_up_to_the_limit(bad):
    size = 2000
    allowed = int(MAX_BAD_RATIO * size)
    ok = "ب" * (size - allowed) + bad * allowed
    assert check_text(ok) == ok
    refused = "ب" * (size - allowed - 1) + bad * (allowed + 1)
    with pytest.raises(DecodeError, match="^control characters: not text$"):
        check_text(refused)


def test_white_space_controls_are_text():
    text = "كتاب\t\n\r\f\v" * 100
    assert check_text(text) == text


@pytest.mark.parametrize("marker", list("ØÙÃÂ"))
def test_mojibake_up_to_the_limit(marker):
    size = 2000
    allowed = int(MAX_MOJIBAKE_RATIO * size)
    ok = "ب" * (size - allowed) + marker * allowed
    assert check_text(ok) == ok
    with pytest.raises(DecodeError, match=r"^mojibake \(text encoded twice\)$"):
        check_text("ب" * (size - allowed - 1) + marker * (allowed + 1))


def test_json_strings_keep_their_control_characters_but_not_mojibake():
    text = "ب" * 90 + "\x1a" * 10
    assert check_text(text, controls=False) == text
    with pytest.raises(DecodeError, match=r"^mojibake \(text encoded twice\)$"):
        check_text("ب" * 90 + "Ø" * 10, controls=False)


def test_the_fast_path_removes_exactly_the_characters_never_judged_bad():
    # check_text strips runs of common characters with this regex before judging the rest one
    # at a time; built at import, so checked here against the judgement of each character
    pattern = _never_bad()
    common = "".join(chr(c) for start, end in _COMMON_BLOCKS for c in range(start, end))
    assert pattern.sub("", common) == "".join(ch for ch in common if _bad_char(ch))
    assert pattern.sub("", "\x07\ufffd\ue000\u0378") == "\x07\ufffd\ue000\u0378"


def read_jsonl(data: bytes, encoding: str | None = None) -> list:
    """What a user's JSON Lines file yields: articles, or why it was skipped."""
    item = Input("feed.jsonl", "feed.jsonl", len(data), lambda: io.BytesIO(data))
    return list(read_input(item, encoding))


def record(title: str, body: str) -> bytes:
    return json.dumps({"title": title, "body": body}, ensure_ascii=False).encode() + b"\n"


def test_a_json_lines_file_whose_head_ends_inside_a_character_is_utf_8():
    first = record("خبر الطماطم", TEXT)
    pad = CHUNK - 1 - len(first) - len(b'{"title": "", "body": "')
    data = first + record("", "x" * pad + "ب" + TEXT)
    assert data[CHUNK - 1 : CHUNK + 1] == "ب".encode()  # the sniffed head ends inside it
    found = read_jsonl(data)
    assert [a.title for a in found] == ["خبر الطماطم", ""]
    assert found[1].body == ("x" * pad + "ب" + TEXT).strip()


def test_a_json_lines_file_in_a_code_page_is_sniffed_or_forced():
    data = record("خبر الطماطم", TEXT).decode().encode("cp1256")
    assert [a.title for a in read_jsonl(data)] == ["خبر الطماطم"]
    assert [a.title for a in read_jsonl(data, "CP1256")] == ["خبر الطماطم"]


@pytest.mark.parametrize(
    ("data", "encoding", "reason"),
    [
        (record("خبر", TEXT), "nope", "unknown encoding: nope"),
        (b'{"title": "a\x00"}\n', None, "binary file"),
    ],
)
def test_a_json_lines_file_that_cannot_be_read_is_skipped_saying_why(data, encoding, reason):
    [skipped] = read_jsonl(data, encoding)
    assert (skipped.name, skipped.reason) == ("feed.jsonl", reason)
