"""`searcharc check --repair` through the CLI (issue 24): an index of two runs, one segment's
file damaged by hand; check names it (exit 1), the repair commits the index without it and
lists the articles that left (exit 0), queries answer without them, and the next `searcharc
index` of the same inputs puts them back as a clean build holds them (ids, stored fields,
answers to 1e-9). Also: a sharded index, a damaged id column, a damaged TOC, a writer holding
the lock, and a fault or SIGKILL at each write of the repair itself."""

from __future__ import annotations

import errno
import json
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import one_line, run_cli
from test_check import scribble
from test_injection import (
    KILLER,
    KINDS,
    Injector,
    Snapshot,
    add,
    build,
    cli,
    injecting,
    same,
    snapshot,
)

from searcharc.index import shards
from searcharc.index.check import check
from searcharc.index.lock import writer_lock
from searcharc.whooshx import generations


@dataclass(frozen=True, slots=True)
class Built:
    archive: Path  # the seeds and day0 (run 1), day1 (run 2)
    indexes: Path  # the index of the two runs: "one" of one shard, "two" of two
    clean: Snapshot  # a clean build of the whole archive in one run


def index_run(archive: Path, index: Path, *args: str) -> None:
    status, err = cli("index", str(archive), "--index", str(index), "--jobs", "1", *args)
    assert status == 0, err


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Built:
    base = tmp_path_factory.mktemp("repair")
    archive = base / "archive"
    archive.mkdir()
    build(archive)
    for name, count in (("one", "1"), ("two", "2")):
        index_run(archive, base / name, "--shards", count)
    add(archive)
    for name in ("one", "two"):
        index_run(archive, base / name)
    index_run(archive, base / "clean")
    return Built(archive, base, snapshot(base / "clean"))


@pytest.fixture
def index(built: Built, tmp_path: Path) -> Path:
    """A copy of the one-shard index of two runs, to damage."""
    return Path(shutil.copytree(built.indexes / "one", tmp_path / "ix"))


def segments(folder: Path) -> list[str]:
    return sorted(generations.segment_ids(folder, generations.generations(folder)[-1]))


def second_run_segment(folder: Path) -> str:
    """The segment of the second run (day1's articles), listed after the first run's."""
    found = check(folder).folders[0].segments
    assert len(found) == 2, found
    return found[-1].segment


def repaired(index: Path) -> dict:
    done = run_cli("check", "--repair", "--index", str(index), "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout)


def test_repair_leaves_out_the_damaged_segment_and_the_next_run_puts_it_back(built, index):
    segment = second_run_segment(index)
    scribble(index / f"{segment}.pst", count=200)
    done = run_cli("check", "--index", str(index))
    assert done.returncode == 1 and f"{segment}.pst" in done.stdout, done.stdout + done.stderr
    text = run_cli("check", "--repair", "--index", str(index))
    assert text.returncode == 0, text.stdout + text.stderr
    assert f"left out: segment {segment}" in text.stdout and "puts them back" in text.stdout
    report = json.loads(run_cli("check", "--index", str(index), "--json").stdout)
    assert report["healthy"] and segment not in segments(index)
    gone = {f"a{n}" for n in range(10, 20)}
    answered = run_cli("query", "السعودية", "--ids", "--limit", "100", "--index", str(index))
    assert answered.returncode == 0 and not gone & set(answered.stdout.split())
    assert not gone & {f["id"] for f in snapshot(index).stored}
    index_run(built.archive, index)
    assert same(snapshot(index), built.clean)


def test_the_lost_ids_are_listed_in_json(built, index):
    segment = second_run_segment(index)
    scribble(index / f"{segment}.trm", count=100)
    report = repaired(index)
    assert not report["healthy"] and report["not_repaired"] == []
    assert [(x["segment"], sorted(x["ids"])) for x in report["lost"]] == [
        (segment, sorted(f"a{n}" for n in range(10, 20)))
    ]
    assert report["repaired"] == {str(index): generations.generations(index)[-1]}


def test_a_damaged_id_column_gives_the_count_not_the_ids(built, index):
    segment = second_run_segment(index)
    (index / f"{segment}.id.col").write_bytes(b"\0" * 7)
    done = run_cli("check", "--repair", "--index", str(index))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "10 articles" in done.stdout and "ids are unreadable" in done.stdout
    index_run(built.archive, index)
    assert same(snapshot(index), built.clean)


def test_a_healthy_index_is_left_as_it_is(index):
    before = generations.generations(index)
    report = repaired(index)
    assert report["healthy"] and report["lost"] == [] and report["repaired"] == {}
    assert generations.generations(index) == before
    assert (index / "searcharc.inputs.json").exists()  # the next run still skips every input


def test_a_damaged_toc_cannot_be_repaired(index):
    toc = index / generations.toc_name(generations.generations(index)[-1])
    toc.write_bytes(b"garbage" * 10)
    done = run_cli("check", "--repair", "--index", str(index))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "not repaired" in done.stdout and "--rebuild" in done.stdout


def test_repair_refuses_while_a_writer_holds_the_lock(index):
    segment = second_run_segment(index)
    scribble(index / f"{segment}.pst", count=200)
    with writer_lock(index, 1):
        done = run_cli("check", "--repair", "--index", str(index))
    assert done.returncode == 2
    assert "is being written by" in one_line(done.stderr) and "--repair" in done.stderr
    assert segment in segments(index)  # nothing changed


def test_each_damaged_shard_is_repaired(built, tmp_path):
    index = Path(shutil.copytree(built.indexes / "two", tmp_path / "ix"))
    shard = index / "shard-1"
    segment = second_run_segment(shard)
    scribble(shard / f"{segment}.pst", count=200)
    report = repaired(index)
    assert list(report["repaired"]) == [str(shard)]
    lost = report["lost"][0]["ids"]
    assert lost and all(shards.shard_of(i, 2) == 1 for i in lost)
    assert check(index).healthy
    last = [generations.generations(index / f"shard-{n}")[-1] for n in range(2)]
    assert shards.generations(index, 2) == last  # the index's last commit, recorded
    assert "repair the whole index" in one_line(
        run_cli("check", "--repair", "--index", str(shard)).stderr
    )  # the index's manifest and its record of the shards' commits are the index's
    index_run(built.archive, index)
    stored = [f for n in range(2) for f in snapshot(index / f"shard-{n}").stored]
    assert sorted(stored, key=lambda f: f["id"]) == built.clean.stored


def repair_points(index: Path) -> dict[str, int]:
    """The opens for writing, writes, fsyncs and renames a repair makes (counted in a clean
    one on a copy)."""
    copy = index.with_name("counted")
    shutil.copytree(index, copy)
    with injecting(Injector(str(copy))) as injector:
        status, err = cli("check", "--repair", "--index", str(copy))
    assert status == 0, err
    shutil.rmtree(copy)
    return dict(injector.counts)


def test_a_fault_or_a_kill_at_each_write_of_a_repair_leaves_a_commit(built, index):
    """ENOSPC at each point, and SIGKILL at each (a process each): the index answers its last
    commit (the damaged one or the repaired one), and a repair run then ends repaired."""
    segment = second_run_segment(index)
    scribble(index / f"{segment}.pst", count=200)
    saved = Path(shutil.copytree(index, index.with_name("saved")))
    points = repair_points(index)
    print(f"repair's injection points: {points}, each with ENOSPC and with SIGKILL")
    assert all(points.values()), points
    here = str(Path(__file__).parent)
    for kind in KINDS:
        for at in range(1, points[kind] + 1):
            for kill in (False, True):
                shutil.rmtree(index)
                shutil.copytree(saved, index)
                if kill:
                    args = [kind, str(at), "check", "--repair", "--index", str(index)]
                    proc = subprocess.run(
                        [sys.executable, "-c", KILLER, here, str(index), *args],
                        capture_output=True, text=True, timeout=120,
                    )  # fmt: skip
                    assert proc.returncode == -signal.SIGKILL, (kind, at, proc.stderr)
                else:
                    injector = Injector(str(index), kind, at, errno.ENOSPC)
                    with injecting(injector):
                        status, err = cli("check", "--repair", "--index", str(index))
                    if status != 0:  # 0: a write it does without (the lock's holder line)
                        assert status == 2 and "no space" in one_line(err), (kind, at, err)
                left_at_a_commit(index, segment, (kind, at, kill))
                repaired(index)
                assert check(index).healthy and segment not in segments(index)


def left_at_a_commit(index: Path, segment: str, case: tuple) -> None:
    """The index answers its last commit: the damaged one (check names the segment) or the
    repaired one (healthy, without it)."""
    report = check(index)
    if report.healthy:
        assert segment not in segments(index), case
    else:
        assert segment in segments(index), case
        damaged = [f.segment for f in report.folders[0].files if f.problem]
        assert damaged == [segment], (case, damaged)
    snapshot(index)  # it opens and answers
