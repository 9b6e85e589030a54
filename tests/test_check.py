"""`searcharc check` on real damaged copies of the seed index: exit 0 healthy, 1 damaged
(naming the file and its segment), 2 for a folder that is no index."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import SEEDS, one_line, run_cli

from searcharc.index import checksums
from searcharc.whooshx import generations


@pytest.fixture
def copy(seed_index_dir: Path, tmp_path: Path) -> Path:
    """A copy of the seed index, to damage."""
    return Path(shutil.copytree(seed_index_dir, tmp_path / "index"))


def last_commit(folder: Path) -> list[str]:
    return generations.commit_files(folder, generations.generations(folder)[-1])


def scribble(path: Path, count: int = 2000, seed: int = 24) -> None:
    """Write ``count`` random bytes into the middle of a file, in place (its length kept)."""
    data = bytearray(path.read_bytes())
    noise = random.Random(seed).randbytes(count)
    start = max(0, (len(data) - count) // 2)
    data[start : start + count] = noise
    path.write_bytes(bytes(data[: path.stat().st_size]))


def test_a_healthy_index_exits_0(copy):
    done = run_cli("check", "--index", str(copy))
    assert done.returncode == 0, done.stderr
    assert "healthy" in done.stdout and "damaged" not in done.stdout
    report = json.loads(run_cli("check", "--index", str(copy), "--json").stdout)
    assert report["healthy"] and report["shards"][0]["checksums"]
    files = [f["name"] for f in report["shards"][0]["files"]]
    assert set(files) == set(last_commit(copy))


def test_random_bytes_in_a_postings_file_are_named_with_their_segment(copy):
    postings = next(copy.glob("*.pst"))
    scribble(postings)
    segment = generations.segment_of(postings.name)
    done = run_cli("check", "--index", str(copy))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "damaged" in done.stdout and "internal error" not in done.stderr
    row = next(line for line in done.stdout.splitlines() if segment in line)
    assert postings.name in row or "CRC-32" in row  # a narrow terminal folds the row
    report = json.loads(run_cli("check", "--index", str(copy), "--json").stdout)
    damaged = [f for f in report["shards"][0]["files"] if f["problem"]]
    assert [(f["name"], f["segment"]) for f in damaged] == [(postings.name, segment)]
    assert "CRC-32" in damaged[0]["problem"] and not report["healthy"]


def test_a_truncated_file_is_named_by_its_length(copy):
    terms = next(copy.glob("*.trm"))
    terms.write_bytes(terms.read_bytes()[:100])
    report = json.loads(run_cli("check", "--index", str(copy), "--json").stdout)
    problems = {f["name"]: f["problem"] for f in report["shards"][0]["files"] if f["problem"]}
    assert list(problems) == [terms.name] and "100 bytes" in problems[terms.name]
    assert any(s["problem"] for s in report["shards"][0]["segments"])  # nor does it open


def test_a_garbage_toc_is_damage_not_an_internal_error(copy):
    toc = copy / last_commit(copy)[-1]
    toc.write_bytes(random.Random(1).randbytes(toc.stat().st_size))
    done = run_cli("check", "--index", str(copy))
    assert done.returncode == 1, done.stdout + done.stderr
    assert toc.name in done.stdout and "internal error" not in done.stderr


def test_a_commit_from_before_checksums_is_checked_as_far_as_it_can_be(copy):
    for file in copy.glob("searcharc.checksums.*.json"):
        file.unlink()
    done = run_cli("check", "--index", str(copy))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "recorded no checksums" in done.stdout
    ids = copy / next(n for n in last_commit(copy) if n.endswith(".id.col"))
    ids.write_bytes(ids.read_bytes()[:10])  # without checksums, the segment still fails to open
    assert run_cli("check", "--index", str(copy)).returncode == 1


@pytest.mark.parametrize("make", ["empty", "files", "missing"])
def test_no_index_exits_2_with_one_line(tmp_path, make):
    folder = tmp_path / "notes"
    if make != "missing":
        folder.mkdir()
    if make == "files":
        (folder / "a.txt").write_text("not an index")
    done = run_cli("check", "--index", str(folder))
    assert done.returncode == 2
    assert done.stderr.startswith("searcharc: ") and len(done.stderr.strip().splitlines()) == 1
    assert "internal error" not in done.stderr


def test_each_shard_is_checked(tmp_path):
    folder = tmp_path / "sharded"
    built = run_cli("index", str(SEEDS), "--index", str(folder), "--shards", "2", "-q")
    assert built.returncode == 0, built.stderr
    assert run_cli("check", "--index", str(folder)).returncode == 0
    shard = folder / "shard-1"
    scribble(next(shard.glob("*.pst")), count=200)
    report = json.loads(run_cli("check", "--index", str(folder), "--json").stdout)
    health = {Path(s["path"]).name: s["healthy"] for s in report["shards"]}
    assert health == {"shard-0": True, "shard-1": False}
    assert checksums.read(shard, generations.generations(shard)[-1])  # recorded in each shard


NOBODY = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]


def as_user(*args: str) -> subprocess.CompletedProcess:
    """`searcharc ARGS` as a user without privileges: root (CI's) drops them with setpriv,
    as root reads every file."""
    prefix = NOBODY if os.geteuid() == 0 else []
    command = [*prefix, sys.executable, "-m", "searcharc", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, cwd="/")


@pytest.fixture
def shared_copy(seed_index_dir: Path) -> Iterator[Path]:
    """A copy of the seed index in a folder any user may enter (pytest's are root's only)."""
    if os.geteuid() == 0 and (shutil.which("setpriv") is None or as_user("--version").returncode):
        pytest.skip("setpriv cannot run searcharc as nobody here")
    folder = Path(tempfile.mkdtemp(prefix="searcharc-perm-"))
    folder.chmod(0o755)
    try:
        yield Path(shutil.copytree(seed_index_dir, folder / "index"))
    finally:
        for path in folder.rglob("*"):
            path.chmod(0o755)
        shutil.rmtree(folder)


@pytest.mark.parametrize("command", [("check",), ("check", "--repair"), ("query", "الأمن")])
@pytest.mark.parametrize("denied", ["folder", "postings"])
def test_an_index_it_may_not_read_is_one_line_exit_2(shared_copy, command, denied):
    target = shared_copy if denied == "folder" else next(shared_copy.glob("*.pst"))
    target.chmod(0)
    done = as_user(*command, "--index", str(shared_copy))
    assert done.returncode == 2, done.stdout + done.stderr
    line = one_line(done.stderr)
    assert "damaged" not in line
    assert any(
        w in line for w in ("cannot be read", "not readable", "no permission", "permission denied")
    ), line
