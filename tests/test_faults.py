"""A damaged, full, read-only or newer index: each fault one line and exit 2, never "internal
error" nor a traceback, and never a hit read from damaged data (issue 24). Damage is done to
real copies of the seed index; full and read-only disks are real mounts (a tmpfs, a read-only
bind mount: as root a chmod proves nothing), skipped with the reason when mount is refused."""

from __future__ import annotations

import random
import shutil
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import SEEDS, one_line, run_cli

QUERY = "الإرهاب"  # found in the seed articles


def segment_file(index: Path, extension: str) -> Path:
    """The seed index's one segment's file of ``extension``."""
    (found,) = index.glob(f"MAIN_*{extension}")
    return found


def truncate(file: Path) -> None:
    with open(file, "r+b") as handle:
        handle.truncate(file.stat().st_size // 3)


def garbage(file: Path) -> None:
    file.write_bytes(random.Random(24).randbytes(file.stat().st_size))


# fault → (the file it damages, what it does to it)
DAMAGE: dict[str, tuple[str, Callable[[Path], None]]] = {
    "postings truncated": (".pst", truncate),
    "terms truncated": (".trm", truncate),
    "garbage TOC": (".toc", garbage),
    "postings missing": (".pst", Path.unlink),
}


def index_args(index: Path) -> list[str]:
    return ["--index", str(index)]


COMMANDS: dict[str, Callable[[Path], list[str]]] = {
    "query": lambda index: ["query", QUERY, *index_args(index)],
    "stats": lambda index: ["stats", *index_args(index)],
    "index": lambda index: ["index", str(SEEDS), *index_args(index)],  # an update run
}


def files_of(index: Path) -> dict[str, int]:
    return {p.name: p.stat().st_size for p in index.iterdir()}


def kept(index: Path) -> set[str]:
    """The index's files but its inputs manifest, which a commit forgets before it begins
    (the next run reads every input again)."""
    return set(files_of(index)) - {"searcharc.inputs.json"}


@pytest.fixture
def copy_of(seed_index_dir: Path, tmp_path: Path) -> Callable[[str], Path]:
    """A fresh copy of the seed index (named ``name``), to damage."""

    def copy(name: str) -> Path:
        return Path(shutil.copytree(seed_index_dir, tmp_path / name))

    return copy


def damaged_line(index: Path, file: Path) -> str:
    """What searcharc says of the damaged ``file`` of the seed index (5 articles, one segment)."""
    where = (
        "the table of contents of its last commit"
        if file.suffix == ".toc"
        else f"segment {file.name.split('.')[0]}, 5 articles"
    )
    return f"searcharc: {file} is damaged ({where}): run searcharc check --index {index}"


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("fault", DAMAGE)
def test_a_damaged_file_is_named_in_one_line(copy_of, fault: str, command: str):
    index = copy_of("index")
    extension, damage = DAMAGE[fault]
    file = segment_file(index, extension) if extension != ".toc" else max(index.glob("*.toc"))
    damage(file)
    before = files_of(index)
    done = run_cli(*COMMANDS[command](index))
    assert done.returncode == 2, done
    assert one_line(done.stderr) == damaged_line(index, file)
    assert done.stdout == ""  # no hit, no count: nothing read from damaged data
    assert files_of(index) == before  # an update run changed nothing


@pytest.mark.parametrize("command", ["query", "stats"])  # an update run reads no stored field
def test_garbage_stored_fields_are_named_in_one_line(copy_of, command: str):
    index = copy_of("index")
    file = segment_file(index, "._stored.col")
    garbage(file)
    done = run_cli(*COMMANDS[command](index))
    assert done.returncode == 2, done
    assert one_line(done.stderr) == damaged_line(index, file)
    assert done.stdout == ""


@pytest.mark.parametrize("fault", ["garbage TOC", "terms truncated"])
def test_rebuild_replaces_a_damaged_index(copy_of, seed_index_dir: Path, fault: str):
    index = copy_of("index")
    extension, damage = DAMAGE[fault]
    damage(segment_file(index, extension) if extension != ".toc" else max(index.glob("*.toc")))
    done = run_cli("index", str(SEEDS), "--rebuild", *index_args(index))
    assert done.returncode == 0, done
    assert hit_ids(index) == hit_ids(seed_index_dir)


def test_a_failure_no_file_explains_stays_what_it_was(seed_index_dir: Path):
    """A bug is no damaged index: the diagnosis finds every file whole, the error goes on."""
    from searcharc.whooshx.damage import diagnose, reading

    assert diagnose(seed_index_dir) is None
    with pytest.raises(ZeroDivisionError), reading(seed_index_dir):
        _ = 1 / 0


def test_an_index_of_a_newer_searcharc_says_to_upgrade(copy_of):
    from searcharc.analysis import ANALYZER_VERSION

    index = copy_of("newer")
    meta = index / "searcharc.json"
    newer = str(int(ANALYZER_VERSION) + 1)
    meta.write_text(meta.read_text().replace(f'"{ANALYZER_VERSION}"', f'"{newer}"'))
    for command in COMMANDS.values():
        done = run_cli(*command(index))
        assert done.returncode == 2
        assert one_line(done.stderr) == (
            f"searcharc: {index} was built by a newer searcharc (analyzer version {newer}; this "
            f"one reads {ANALYZER_VERSION}): upgrade searcharc to read it (pip install -U "
            "searcharc)"
        )


@contextmanager
def mounted(*args: str, at: Path) -> Iterator[Path]:
    """``mount ARGS at`` for the test's length (skipped when mount is refused)."""
    at.mkdir(exist_ok=True)
    done = subprocess.run(["mount", *args, str(at)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"mount {' '.join(args)} refused: {done.stderr.strip()}")
    try:
        yield at
    finally:
        subprocess.run(["umount", "-l", str(at)], check=True)


def hit_ids(index: Path) -> list[str]:
    done = run_cli("query", QUERY, "--ids", "--limit", "100", *index_args(index))
    assert done.returncode == 0, done
    return done.stdout.split()


def archive(folder: Path, words: list[str], files: int, count: int) -> Path:
    """``files`` articles of ``count`` words drawn from the seeds' (about 10 bytes each)."""
    draw = random.Random(24)
    folder.mkdir()
    for n in range(files):
        (folder / f"{n:03}.txt").write_text(" ".join(draw.choices(words, k=count)), "utf-8")
    return folder


@pytest.mark.slow
def test_a_full_disk_leaves_the_last_commit_and_nothing_else(tmp_path: Path, words):
    with mounted("-t", "tmpfs", "-o", "size=640k", "tmpfs", at=tmp_path / "disk") as disk:
        index = disk / "index"
        assert run_cli("index", str(SEEDS), *index_args(index)).returncode == 0
        before, found = set(files_of(index)), hit_ids(index)
        big = archive(tmp_path / "big", words, 12, 4000)  # about 500 KB of text
        done = run_cli("index", str(big), *index_args(index))
        assert done.returncode == 2
        line = one_line(done.stderr)
        assert line.startswith(f"searcharc: no space left on the device of {index} ("), line
        assert line.endswith(" MB free); the index is unchanged at its last commit"), line
        assert kept(index) == before - {"searcharc.inputs.json"}  # the run's files removed
        assert hit_ids(index) == found
        subprocess.run(["mount", "-o", "remount,size=16m", str(disk)], check=True)
        done = run_cli("index", str(big), *index_args(index))
        assert done.returncode == 0, done
        assert "12 added, 0 updated, 0 unchanged" in done.stderr, done
        assert set(found) <= set(hit_ids(index))  # the seeds kept (the new articles' words too)


@pytest.mark.slow
def test_a_full_inode_table_is_its_own_line(tmp_path: Path, seed_index_dir: Path, words):
    with mounted("-t", "tmpfs", "-o", "size=16m,nr_inodes=24", "tmpfs", at=tmp_path / "disk"):
        index = Path(shutil.copytree(seed_index_dir, tmp_path / "disk" / "index"))
        before = set(files_of(index))
        done = run_cli("index", str(archive(tmp_path / "new", words, 2, 100)), *index_args(index))
        assert done.returncode == 2
        assert one_line(done.stderr).startswith(
            f"searcharc: no file left (a full inode table) on the device of {index} ("
        ), done.stderr
        assert kept(index) == before - {"searcharc.inputs.json"}


def test_a_read_only_index_is_searched_not_indexed(tmp_path: Path, seed_index_dir: Path):
    index = Path(shutil.copytree(seed_index_dir, tmp_path / "index"))
    with mounted("--bind", str(index), at=tmp_path / "ro") as ro:
        done = subprocess.run(["mount", "-o", "remount,ro,bind", str(ro)], capture_output=True)
        if done.returncode != 0:
            pytest.skip(f"remount,ro,bind refused: {done.stderr.decode().strip()}")
        done = run_cli("index", str(SEEDS), *index_args(ro))
        assert done.returncode == 2
        assert one_line(done.stderr) == (
            f"searcharc: {ro} is on a read-only file system: it can be searched, not indexed into"
        )
        assert hit_ids(ro) == hit_ids(index)


@pytest.fixture(scope="module")
def two_shards(tmp_path_factory) -> Path:
    """An index of the seeds in two shards, built once."""
    folder = tmp_path_factory.mktemp("sharded") / "index"
    done = run_cli("index", str(SEEDS), "--index", str(folder), "--shards", "2", "-q")
    assert done.returncode == 0, done.stderr
    return folder


@pytest.mark.parametrize("extension", [".toc", ".id.col", "._stored.col", ".pst"])
def test_a_damaged_shard_searched_by_a_worker_is_named_in_one_line(two_shards, tmp_path, extension):
    """Shard 1 is searched in a worker process (shard 0 in the command's own): its decoding
    error comes back as the damaged file's line, never a worker's traceback."""
    index = Path(shutil.copytree(two_shards, tmp_path / "index"))
    shard = index / "shard-1"
    truncate(max(shard.glob(f"*{extension}")))
    done = run_cli("query", QUERY, *index_args(index))
    assert done.returncode == 2, done
    line = one_line(done.stderr)
    assert line.startswith(f"searcharc: {shard}/") and "is damaged" in line, line


def test_a_worker_whose_shard_does_not_open_answers_its_error(two_shards, tmp_path):
    from searcharc.errors import DamagedIndex
    from searcharc.search.workers import Shards

    index = Path(shutil.copytree(two_shards, tmp_path / "index"))
    garbage(max((index / "shard-1").glob("*.toc")))
    workers = Shards(index, range(1))
    try:
        with pytest.raises(DamagedIndex, match="shard-1/_MAIN_.*toc is damaged"):
            workers.call("state", {1: ()})
    finally:
        workers.close()
