"""Daily re-runs over an archive folder: inputs whose file is unchanged (size and mtime) are
not read again, and --prune, `remove` and skipped records still do what a full read does."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import run_cli
from test_segments import write_batch

pytestmark = pytest.mark.slow  # every test runs `searcharc index` several times


def index(archive: Path, target: Path, *args: str) -> tuple[int, dict]:
    proc = run_cli("index", str(archive), "--index", str(target), "--json", *args)
    assert "internal error" not in proc.stderr, proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def archive_of(tmp_path: Path, days: int) -> Path:
    archive = tmp_path / "archive"
    archive.mkdir()
    for day in range(days):
        write_batch(archive / f"day{day}.jsonl", range(10 * day, 10 * day + 10), day)
    return archive


def test_an_unchanged_file_is_not_read_again(tmp_path):
    archive, target = archive_of(tmp_path, 3), tmp_path / "ix"
    assert index(archive, target)[1]["added"] == 30
    day1 = archive / "day1.jsonl"
    stat = day1.stat()
    text = day1.read_text("utf-8")
    day1.write_text(text.replace('"a10"', '"b10"'), "utf-8")  # same size, mtime put back
    os.utime(day1, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    status, run = index(archive, target)
    assert (status, run["added"], run["unchanged"]) == (0, 0, 30)  # not read: b10 unseen
    os.utime(day1)  # touched: read again, b10 seen (a10's text under another id)
    status, run = index(archive, target)
    assert run["duplicates"] == [{"id": "b10", "duplicate_of": "a10"}]
    assert (run["added"], run["unchanged"]) == (0, 29)


def test_prune_removes_only_the_articles_of_files_gone(tmp_path):
    archive, target = archive_of(tmp_path, 4), tmp_path / "ix"
    index(archive, target)
    (archive / "day2.jsonl").unlink()
    status, run = index(archive, target, "--prune")
    assert (status, run["removed"], run["unchanged"]) == (0, 10, 30)
    status, run = index(archive, target, "--prune")  # nothing more to prune
    assert (run["removed"], run["unchanged"]) == (0, 30)


def test_a_removed_article_comes_back_on_the_next_run(tmp_path):
    archive, target = archive_of(tmp_path, 2), tmp_path / "ix"
    index(archive, target)
    assert run_cli("remove", "a3", "--index", str(target)).returncode == 0
    status, run = index(archive, target)
    assert (run["added"], run["unchanged"]) == (1, 19)


def test_a_file_with_skipped_records_is_read_and_reported_every_run(tmp_path):
    archive, target = archive_of(tmp_path, 1), tmp_path / "ix"
    with (archive / "day0.jsonl").open("a", encoding="utf-8") as out:
        out.write('{"id": "empty"}\n')
    for _ in range(2):
        status, run = index(archive, target)
        assert status == 1 and [s["input"] for s in run["skipped"]]


def test_rebuild_reads_everything(tmp_path):
    archive, target = archive_of(tmp_path, 2), tmp_path / "ix"
    index(archive, target)
    status, run = index(archive, target, "--rebuild")
    assert (status, run["added"], run["unchanged"]) == (0, 20, 0)
