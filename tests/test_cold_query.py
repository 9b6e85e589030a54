"""What a cold `searcharc query` reads of an index: stored fields a document at a time from its
segment (``segments.StoredColumn``), the same as Whoosh reads them, and the same output from an
index in many segments as from the same articles in one."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from conftest import run_cli
from whoosh import index as whoosh_index
from whoosh.columns import VarBytesColumn

from searcharc.index.indexing import IndexOptions, run_index
from searcharc.whooshx import segments

pytestmark = pytest.mark.slow  # each test builds indexes of hundreds of articles


def write_articles(path: Path, words: list[str], numbers: range) -> Path:
    """JSON Lines of articles made of seed words (some without a title or a date)."""
    rnd = random.Random(numbers.start)
    with path.open("w", encoding="utf-8") as out:
        for n in numbers:
            record = {
                "id": f"a{n}",
                "title": " ".join(rnd.sample(words, 5)) if n % 4 else "",
                "text": " ".join(rnd.choices(words, k=rnd.randint(20, 120))),
            }
            if n % 3:
                record["date"] = f"20{10 + n % 14}-0{1 + n % 9}-1{n % 10}"
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


@pytest.fixture(scope="module")
def articles(tmp_path_factory, words) -> list[Path]:
    """Four files of 50 articles (a tiny --memory writes segments between them)."""
    folder = tmp_path_factory.mktemp("articles")
    return [
        write_articles(folder / f"{k}.jsonl", words, range(50 * k, 50 * k + 50)) for k in range(4)
    ]


@pytest.mark.parametrize("stored_offsets", [False, True])
def test_stored_fields_read_alone_are_whooshs(tmp_path, articles, monkeypatch, stored_offsets):
    """Every document of every segment, with the offsets W3 stores above 32,768 documents
    (here always: the same writer, a lower threshold) and without them (the first offset added
    up, then all of them known: a sort by date reads thousands)."""
    if stored_offsets:
        monkeypatch.setattr(VarBytesColumn.Writer.__init__, "__defaults__", (True, 0))
    run_index(articles, tmp_path / "ix", IndexOptions(jobs=1, memory=300_000))
    with whoosh_index.open_dir(str(tmp_path / "ix")).reader() as reader:
        leaves = [leaf for leaf, _ in reader.leaf_readers()]
        assert len(leaves) > 1  # the measurement works
        for leaf in leaves:
            middle = leaf.doc_count_all() // 2  # the first read: its offset added up, or stored
            assert segments.stored_fields(leaf, middle) == leaf.stored_fields(middle)
            column = segments.view(leaf).stored
            assert column.summed is not stored_offsets
            # with offsets, a document's length and offset are read alone, not every one's
            assert isinstance(column.lengths, segments.FileArray) is stored_offsets
            for docnum in range(leaf.doc_count_all()):  # then every offset at once
                assert segments.stored_fields(leaf, docnum) == leaf.stored_fields(docnum)
            assert column.offsets is not None


def test_a_query_prints_the_same_from_many_segments_as_from_one(tmp_path, articles, words):
    many, one = tmp_path / "many", tmp_path / "one"
    run_index(articles, many, IndexOptions(jobs=1, memory=300_000))
    run_index(articles, one, IndexOptions(jobs=1, optimize=True))
    with whoosh_index.open_dir(str(many)).reader() as reader:
        assert len(reader.leaf_readers()) > 2
    for query in (words[10], f"{words[3]} {words[40]}", f"{words[7]} {words[8]} {words[50]}"):
        outputs = []
        for path in (many, one):
            proc = run_cli("query", query, "--index", str(path), "--limit", "20")
            assert proc.returncode == 0, proc.stderr
            first, rest = proc.stdout.split("\n", 1)
            outputs.append((first.rsplit(" (", 1)[0], rest))  # the time taken left out
        assert outputs[0] == outputs[1]
        assert outputs[0][1].count("\n   … ") >= 10  # hits with snippets
