"""Bytes to text, in this process: BOMs, UTF-8, the Arabic code pages, a forced encoding, and
what is refused (empty, binary, control characters, mojibake) at the edges of its thresholds."""

from __future__ import annotations

import codecs

import pytest

from searcharc.ingest.decode import (
    MAX_BAD_RATIO,
    MAX_MOJIBAKE_RATIO,
    SNIFF_BYTES,
    DecodeError,
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
    ],
)
def test_what_is_refused_and_why(data, reason):
    with pytest.raises(DecodeError) as raised:
        decode(data)
    assert str(raised.value) == reason


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
