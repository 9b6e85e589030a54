"""Each commit records its files' lengths and CRC-32 beside the TOC, and its cleaning removes
the checksums of the commits it drops."""

from __future__ import annotations

import zlib

from searcharc.index import checksums
from searcharc.whooshx import generations


def test_a_commit_records_every_segment_file_with_its_length_and_crc(tmp_path):
    from conftest import index_of

    folder = tmp_path / "ix"
    index_of(folder, {"a": "نص أول", "b": "نص ثان"})
    generation = generations.generations(folder)[-1]
    recorded = checksums.read(folder, generation)
    files = generations.commit_files(folder, generation)
    assert [e.name for e in recorded] == files[:-2]  # all but the checksums and the TOC
    for entry in recorded:
        data = (folder / entry.name).read_bytes()
        assert (entry.size, entry.crc) == (len(data), zlib.crc32(data))


def test_the_next_commit_drops_the_older_checksums_and_keeps_unchanged_entries(tmp_path):
    from conftest import index_of

    from searcharc.records import Article

    folder = tmp_path / "ix"
    index = index_of(folder, {"a": "نص أول"})
    first = generations.generations(folder)[-1]
    before = {e.name: e for e in checksums.read(folder, first)}
    index.add([Article(id="b", title="", body="نص ثان")])
    last = generations.generations(folder)
    assert len(last) == 1 and not (folder / checksums.name_of(first)).exists()
    after = {e.name: e for e in checksums.read(folder, last[0])}
    kept = set(before) & set(after)
    assert kept and all(before[n] == after[n] for n in kept)
    assert checksums.read(folder, first) is None  # a commit with none recorded reads as None
