"""Many `searcharc index` runs into one index, as a newsroom updates it day after day: Whoosh's
merge policy merges the segments, and every segment must equal, posting by posting, the one
Whoosh's own writer makes from the same runs."""

from __future__ import annotations

import json
import random
import re
import signal
import subprocess
import sys
from importlib import import_module
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import SEEDS, run_cli
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3LeafMatcher, W3TermInfo
from whoosh.formats import Frequency, Positions
from whoosh.reading import SegmentReader
from whoosh.writing import SegmentWriter

from searcharc.index.indexing import IndexOptions, run_index
from searcharc.whooshx import postings, segment_writer
from searcharc.whooshx.codec import SkipMatcher

WORDS = sorted(
    set(
        re.findall(
            r"[\u0621-\u064a]{3,}",
            SEEDS.joinpath("000_934a0f4bb6c41b95.txt").read_text("utf-8")
            + SEEDS.joinpath("003_c640824398eaae79.txt").read_text("utf-8"),
        )
    )
)


def write_batch(path: Path, ids: range, seed: int, words: int = 60) -> Path:
    """A JSONL file of articles ``ids``, made of seed words (the same seed, the same text)."""
    rnd = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        for n in ids:
            record = {
                "id": f"a{n}",
                "title": " ".join(rnd.sample(WORDS, 4)),
                "text": " ".join(rnd.choices(WORDS, k=rnd.randint(5, words))),
                "date": f"20{10 + n % 14}-0{1 + n % 9}-1{n % 10}",
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def api_runs(target: Path, runs: list[tuple[list[Path], bool]]) -> None:
    """The runs in this process (what the command line does, for the tests' set-ups)."""
    for files, prune in runs:
        run_index(files, target, IndexOptions(prune=prune, jobs=1))


def whoosh_built(target: Path, runs: list[tuple[list[Path], bool]], patch) -> None:
    """The same runs indexed by Whoosh's own ``SegmentWriter`` (one process). The modules
    that subclass ``TableWriter`` are imported first: imported while it is patched, they would
    subclass Whoosh's writer for the rest of the session."""
    import_module("searcharc.index.parallel")
    with patch.context() as p:
        p.setattr(segment_writer, "TableWriter", SegmentWriter)
        api_runs(target, runs)


def segment_dump(reader: SegmentReader) -> dict:
    """Everything a segment holds: stored fields, lengths, terms, postings, blocks."""
    docs = list(reader.all_doc_ids())
    fields = sorted(reader.indexed_field_names())
    dump: dict = {
        "docs": reader.doc_count_all(),
        "deleted": sorted(set(range(reader.doc_count_all())) - set(docs)),
        "stored": [reader.stored_fields(n) for n in docs],
        "lengths": {f: [reader.doc_field_length(n, f) for n in docs] for f in fields},
        "terms": {},
    }
    for fieldname, btext in reader.all_terms():
        info = reader.term_info(fieldname, btext)
        matcher = reader.postings(fieldname, btext)
        postings, blocks = [], []
        assert isinstance(matcher, W3LeafMatcher | SkipMatcher)
        while matcher.is_active():
            blocks.append(
                (
                    matcher.block_max_id(),
                    matcher.block_max_weight(),
                    matcher.block_min_length(),
                    matcher.block_max_length(),
                )
            )
            start = len(postings)
            while True:
                postings.append((matcher.id(), matcher.weight(), matcher.value()))
                if matcher.next():  # moved to the next block
                    break
                if not matcher.is_active():
                    break
            assert len(postings) > start
        dump["terms"][fieldname, btext] = (
            info.weight(),
            info.doc_frequency(),
            info.min_length(),
            info.max_length(),
            info.max_weight(),
            info.min_id(),
            info.max_id(),
            postings,
            blocks,
        )
    return dump


def index_dump(path: Path) -> list[dict]:
    """Each segment's dump, in the order of the index's table of contents."""
    ix = whoosh_index.open_dir(str(path))
    with ix.reader() as reader:
        readers = [r for r, _ in reader.leaf_readers()]
        return [segment_dump(r) for r in readers]


def assert_same_index(ours: Path, theirs: Path) -> None:
    mine, whooshs = index_dump(ours), index_dump(theirs)
    assert [s["docs"] for s in mine] == [s["docs"] for s in whooshs]
    for segment, (a, b) in enumerate(zip(mine, whooshs, strict=True)):
        for key in ("docs", "deleted", "stored", "lengths"):
            assert a[key] == b[key], f"segment {segment}: {key} differ"
        assert a["terms"].keys() == b["terms"].keys(), f"segment {segment}: terms differ"
        for term, found in a["terms"].items():
            assert found == b["terms"][term], f"segment {segment}: {term} differs"


def cli_runs(target: Path, runs: list[tuple[list[Path], bool]], jobs: int) -> list[int]:
    """Each run through the command line; their exit statuses."""
    statuses = []
    for files, prune in runs:
        args = ["index", *map(str, files), "--index", str(target), "--jobs", str(jobs), "-q"]
        proc = run_cli(*args, *(["--prune"] if prune else []))
        assert "internal error" not in proc.stderr, proc.stderr
        statuses.append(proc.returncode)
    return statuses


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.slow
def test_many_small_daily_runs_merge_segments_as_whoosh_does(tmp_path, jobs, monkeypatch):
    """Twelve runs of five new articles: Whoosh merges segments from the sixth run on."""
    runs = [
        ([write_batch(tmp_path / f"day{k}.jsonl", range(5 * k, 5 * k + 5), k)], False)
        for k in range(12)
    ]
    assert cli_runs(tmp_path / "ours", runs, jobs) == [0] * 12
    whoosh_built(tmp_path / "theirs", runs, monkeypatch)
    segments = index_dump(tmp_path / "ours")
    assert len(segments) < 12  # merged
    assert sum(s["docs"] - len(s["deleted"]) for s in segments) == 60
    assert_same_index(tmp_path / "ours", tmp_path / "theirs")
    proc = run_cli("query", WORDS[0], "--index", str(tmp_path / "ours"), "--json")
    assert proc.returncode == 0, proc.stderr


@pytest.mark.slow
def test_large_runs_replacements_and_prunes(tmp_path, monkeypatch):
    """A large first run, then days that add, replace (same ids, new text) and prune."""
    archive = tmp_path / "archive"
    archive.mkdir()
    write_batch(archive / "base.jsonl", range(400), 1, words=200)
    runs: list[tuple[list[Path], bool]] = [([archive], False)]
    for day in range(8):
        write_batch(archive / f"new{day}.jsonl", range(1000 + 20 * day, 1020 + 20 * day), day)
        if day % 3 == 2:  # every article of the base file gets new text
            write_batch(archive / "base.jsonl", range(400), 100 + day, words=200)
        if day % 4 == 3:  # the oldest new file is gone: prune its articles
            (archive / f"new{day - 3}.jsonl").unlink()
        runs.append(([archive], day % 4 == 3))
    assert set(cli_runs(tmp_path / "ours", runs, 1)) == {0}
    whoosh_built(tmp_path / "theirs", runs, monkeypatch)
    assert_same_index(tmp_path / "ours", tmp_path / "theirs")


@pytest.mark.slow
def test_an_optimizing_remove_merges_what_runs_wrote(tmp_path, monkeypatch):
    runs = [
        ([write_batch(tmp_path / f"d{k}.jsonl", range(5 * k, 5 * k + 5), k)], False)
        for k in range(7)
    ]
    target = tmp_path / "ours"
    cli_runs(target, runs, 1)
    proc = run_cli("remove", "a3", "a17", "--index", str(target))
    assert proc.returncode == 0, proc.stderr
    proc = run_cli("query", WORDS[1], "--index", str(target), "--json", "--limit", "100")
    ids = {hit["id"] for hit in json.loads(proc.stdout)["hits"]}
    assert ids and not ids & {"a3", "a17"}


def logical_dump(path: Path) -> dict:
    """What the index holds, by article id, whatever its segments: stored fields, lengths,
    and each term's postings as {id: (weight, value)}."""
    ix = whoosh_index.open_dir(str(path))
    found: dict = {"stored": {}, "lengths": {}, "terms": {}}
    with ix.reader() as reader:
        for leaf, _ in reader.leaf_readers():
            ids = {n: leaf.stored_fields(n)["id"] for n in leaf.all_doc_ids()}
            for n, article in ids.items():
                found["stored"][article] = leaf.stored_fields(n)
                for fieldname in leaf.indexed_field_names():
                    found["lengths"][article, fieldname] = leaf.doc_field_length(n, fieldname)
            for fieldname, btext in leaf.all_terms():
                postings = found["terms"].setdefault((fieldname, btext), {})
                for n, weight, value in w3_postings(leaf, fieldname, btext):
                    if n in ids:
                        postings[ids[n]] = (weight, value)
    found["terms"] = {term: p for term, p in found["terms"].items() if p}
    return found


def w3_postings(reader, fieldname: str, btext: bytes) -> list[tuple]:
    matcher = reader.postings(fieldname, btext)
    items = []
    while matcher.is_active():
        items.append((matcher.id(), matcher.weight(), matcher.value()))
        matcher.next()
    return items


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.slow
def test_a_memory_budget_writes_segments_that_hold_the_same_index(tmp_path, jobs):
    """A tiny --memory: many segments written (and merged) in one run, one commit; the
    same articles, postings and lengths as a run that held everything, and the same hits."""
    files = [write_batch(tmp_path / f"f{k}.jsonl", range(40 * k, 40 * k + 40), k) for k in range(4)]
    flushed, whole = tmp_path / "flushed", tmp_path / "whole"
    args = ["--jobs", str(jobs), "-q"]
    assert (
        run_cli(
            "index", *map(str, files), "--index", str(flushed), "--memory", "300KB", *args
        ).returncode
        == 0
    )
    assert run_cli("index", *map(str, files), "--index", str(whole), *args).returncode == 0
    assert len(index_dump(whole)) == 1
    assert 1 < len(index_dump(flushed)) < 12  # flushed, and merged in the run
    assert logical_dump(flushed) == logical_dump(whole)
    for query in (WORDS[2], f"{WORDS[5]} {WORDS[9]}", f'"{WORDS[3]} {WORDS[4]}"'):
        hits = [
            json.loads(run_cli("query", query, "--index", str(p), "--json", "--limit", "20").stdout)
            for p in (flushed, whole)
        ]
        assert [h["id"] for h in hits[0]["hits"]] == [h["id"] for h in hits[1]["hits"]]
        assert [round(h["score"], 4) for h in hits[0]["hits"]] == [
            round(h["score"], 4) for h in hits[1]["hits"]
        ]


@pytest.mark.slow
def test_segments_a_run_merged_leave_the_disk_at_once(tmp_path, monkeypatch):
    """Mid-run, the folder holds only the committed segments, the run's live ones and the one
    being written: merged-away run segments do not wait for the commit."""
    files = [write_batch(tmp_path / f"f{k}.jsonl", range(40 * k, 40 * k + 40), k) for k in range(4)]
    target = tmp_path / "ix"
    merges = []
    merge_flushed = segment_writer.TableWriter._merge_flushed

    def checked(self) -> None:
        before = len(self.flushed)
        merge_flushed(self)
        live = [*self.segments, *self.flushed, self.newsegment]
        prefixes = tuple(f"{s.segment_id()}." for s in live)
        segment_files = [n for n in self.storage.list() if re.match(r"MAIN_\w+\.", n)]
        assert [n for n in segment_files if not n.startswith(prefixes)] == []
        merges.append(before - len(self.flushed))

    monkeypatch.setattr(segment_writer.TableWriter, "_merge_flushed", checked)
    run_index(files, target, IndexOptions(jobs=1, memory=300_000))
    assert max(merges) > 0  # a merge happened in the run
    assert logical_dump(target) == logical_dump(_whole(tmp_path, files))


def _whole(tmp_path: Path, files: list[Path]) -> Path:
    whole = tmp_path / "whole"
    run_index(files, whole, IndexOptions(jobs=1))
    return whole


@pytest.mark.slow
def test_optimize_merges_every_segment(tmp_path):
    target = tmp_path / "ix"
    runs = [
        ([write_batch(tmp_path / f"d{k}.jsonl", range(5 * k, 5 * k + 5), k)], False)
        for k in range(4)
    ]
    cli_runs(target, runs, 1)
    before = logical_dump(target)
    assert len(index_dump(target)) == 4
    assert (
        run_cli(
            "index", str(tmp_path / "d0.jsonl"), "--index", str(target), "--optimize", "-q"
        ).returncode
        == 0
    )
    assert len(index_dump(target)) == 1
    assert logical_dump(target) == before


# Runs `searcharc index` with a SIGKILL planted at one moment of the write path: the N-th term
# written while flushing a segment, or while merging segments.
KILLER = """
import os, signal, sys
from searcharc.index import rows
from searcharc.whooshx import segment_writer as writer
from searcharc.cli.app import main

moment, after = sys.argv[1], int(sys.argv[2])
written = 0


def dying(rows):
    global written
    for row in rows:
        written += 1
        if written == after:
            os.kill(os.getpid(), signal.SIGKILL)
        yield row


if moment == "merge":
    merged = rows.with_merged
    rows.with_merged = lambda *args: dying(merged(*args))
else:
    flush, term_rows = writer.TableWriter.flush, writer.TableWriter.term_rows
    writer.TableWriter.flush = lambda self: (setattr(self, "dying", True), flush(self))
    writer.TableWriter.term_rows = lambda self, name: (
        dying(term_rows(self, name)) if getattr(self, "dying", False) else term_rows(self, name)
    )
sys.argv = ["searcharc", *sys.argv[3:]]
main()
"""


def killed_index(moment: str, after: int, *args: str) -> int:
    proc = subprocess.run(
        [sys.executable, "-c", KILLER, moment, str(after), "index", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    return proc.returncode


@pytest.mark.parametrize(
    ("moment", "memory"),
    [("flush", "300KB"), ("merge", "300KB"), ("merge", "256MB")],  # merge: in the run, at commit
)
@pytest.mark.slow
def test_killed_mid_flush_or_mid_merge_the_last_commit_stays(tmp_path, moment, memory):
    target = tmp_path / "ix"
    days = [
        ([write_batch(tmp_path / f"d{k}.jsonl", range(5 * k, 5 * k + 5), k)], False)
        for k in range(10)
    ]  # ten small segments: the next commit merges them
    api_runs(target, days)
    before = logical_dump(target)
    more = [
        write_batch(tmp_path / f"m{k}.jsonl", range(500 + 40 * k, 540 + 40 * k), 50 + k)
        for k in range(3)
    ]
    args = [*map(str, more), "--index", str(target), "--memory", memory, "--jobs", "1", "-q"]
    assert killed_index(moment, 150, *args) == -signal.SIGKILL
    assert logical_dump(target) == before  # the last commit, whole
    assert run_cli("query", WORDS[0], "--index", str(target), "--json").returncode == 0
    assert run_cli("index", *args).returncode == 0  # the next run finishes the work
    clean = tmp_path / "clean"
    api_runs(clean, [*days, (more, False)])
    assert logical_dump(target) == logical_dump(clean)


@pytest.mark.parametrize(
    ("format_", "values", "expected"),
    [
        (
            Frequency(),
            (b"\x00\x00\x00\x01", b"\x00\x00\x00\x02"),
            b"\x00\x00\x00\x01\x00\x00\x00\x02",
        ),
        (Positions(), (b"p1", b"p2"), [b"p1", b"p2"]),
    ],
)
def test_postings_a_term_info_holds_are_read_as_merges_read_written_ones(format_, values, expected):
    """A codec that inlines keeps a term's postings in its term info: a merge reads them in the
    same shape as postings from the postings file (fixed-size values end to end)."""
    info = W3TermInfo()
    info.set_inlined((3, 9), (1.0, 2.0), values)
    reader = SimpleNamespace(schema={"body": SimpleNamespace(format=format_)})
    docnums, weights, found = postings.term_postings(reader, "body", info)
    assert (list(docnums), list(weights), found) == ([3, 9], [1.0, 2.0], expected)
