"""Durable commits: a commit's new files, then their folder, reach the disk before the table
of contents that names them; then the TOC, then the folder again."""

from __future__ import annotations

import os
from pathlib import Path

from conftest import SEEDS


def fsynced(monkeypatch) -> list[str]:
    """The paths ``os.fsync`` is called on from now on, in order."""
    calls: list[str] = []
    real = os.fsync

    def record(descriptor: int) -> None:
        calls.append(os.readlink(f"/proc/self/fd/{descriptor}"))
        real(descriptor)

    monkeypatch.setattr(os, "fsync", record)
    return calls


def test_a_commit_syncs_its_files_then_the_folder_then_the_toc_then_the_folder(
    tmp_path, monkeypatch
):
    from searcharc.index.indexing import run_index
    from searcharc.whooshx import generations

    folder = tmp_path / "ix"
    calls = fsynced(monkeypatch)
    run_index([SEEDS], folder)
    generation = generations.generations(folder)[-1]
    files = generations.commit_files(folder, generation)
    segment_files = {str(folder / n) for n in files[:-1]}
    names = [Path(c).name if c != str(folder) else "/" for c in calls]

    toc_at = next(i for i, c in enumerate(calls) if Path(c).name.startswith(files[-1] + "."))
    assert set(calls[: toc_at - 1]) >= segment_files  # every file of the new segment
    sums = str(folder / f"searcharc.checksums.{generation}.json")
    assert calls[toc_at - 2] == sums, names  # their checksums after them
    assert calls[toc_at - 1] == str(folder), names  # then their folder
    assert calls[toc_at + 1] == str(folder), names  # the TOC (still a temporary name), the folder
    assert (folder / files[-1]).exists()


def test_a_second_commit_syncs_only_its_new_segment(tmp_path, monkeypatch):
    from searcharc import SearchIndex
    from searcharc.records import Article
    from searcharc.whooshx import generations

    folder = tmp_path / "ix"
    index = SearchIndex.create(folder)
    index.add([Article(id="a", title="", body="نص أول")])
    before = set(generations.commit_files(folder, generations.generations(folder)[-1]))
    calls = fsynced(monkeypatch)
    index.add([Article(id="b", title="", body="نص ثان")])
    synced = {Path(c).name for c in calls}
    after = generations.commit_files(folder, generations.generations(folder)[-1])
    assert set(after[:-1]) - before <= synced  # the new segment's files
    assert not synced & before, synced  # those of the earlier commit are on the disk already
