"""Dumps of articles (JSON Lines, JSON arrays, zips): streamed a record at a time, the size
limit per article, titles derived from the text for display only, and one path measured."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from conftest import SEEDS, run_in_process

from searcharc.evaluate import index_corpus, run_queries
from searcharc.ingest import read_articles
from searcharc.records import Article
from searcharc.search.searcher import SearchIndex

FILLER = "وقالت الوزارة في بلاغ لها إن الموسم الفلاحي يعرف تحسنا ملحوظا بفضل التساقطات المطرية."


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
    )
    return path


def index_json(capsys, *args: str) -> tuple[int, dict, str]:
    code, out, err = run_in_process(capsys, "index", *args, "--json")
    return code, json.loads(out), err


@pytest.mark.parametrize("lead", ["..", "...", ".", "…"])
def test_a_record_led_by_punctuation_is_indexed_and_titled_by_its_first_words(
    tmp_path, capsys, lead
):
    dump = write_jsonl(
        tmp_path / "dump.jsonl",
        [{"id": "op-1", "text": f"{lead} الحرب على الفساد لا تنتهي بقرار. {FILLER}"}],
    )
    code, summary, err = index_json(capsys, str(dump), "--index", str(tmp_path / "ix"))
    assert (code, summary["added"], summary["skipped"]) == (0, 1, []), err
    code, out, _ = run_in_process(capsys, "show", "op-1", "--json", "--index", str(tmp_path / "ix"))
    assert json.loads(out)["title"] == "الحرب على الفساد لا تنتهي بقرار"
    code, out, _ = run_in_process(
        capsys, "query", "الفساد", "--json", "--index", str(tmp_path / "ix")
    )
    assert json.loads(out)["hits"][0]["title"] == "الحرب على الفساد لا تنتهي بقرار"


def test_a_derived_title_is_not_searched_as_a_title(tmp_path, capsys):
    dump = write_jsonl(
        tmp_path / "dump.jsonl",
        [
            {"id": "derived", "text": f"الحرب على الفساد لا تنتهي. {FILLER}"},
            {"id": "editorial", "title": "الحرب على الفساد", "text": FILLER},
        ],
    )
    index_json(capsys, str(dump), "--index", str(tmp_path / "ix"))
    code, out, _ = run_in_process(
        capsys, "query", "title:الفساد", "--ids", "--index", str(tmp_path / "ix")
    )
    assert (code, out.split()) == (0, ["editorial"])


def test_a_record_with_no_text_and_no_title_is_named_with_the_true_reason(tmp_path, capsys):
    dump = write_jsonl(tmp_path / "d.jsonl", [{"id": "a", "text": " "}, {"id": "b", "text": "."}])
    code, summary, _ = index_json(capsys, str(dump), "--index", str(tmp_path / "ix"))
    assert code == 1 and summary["added"] == 1
    assert summary["skipped"] == [
        {"input": "d.jsonl#1", "reason": "record has no title and no content, body or text"}
    ]


@pytest.mark.slow
def test_the_command_line_and_the_api_rank_the_same_records_alike(tmp_path, capsys):
    """bench/quality.py and `eval --corpus` measure `searcharc index`: the API must agree."""
    bodies = {a.id: " ".join(a.body.split()) for a in read_articles(SEEDS)}  # one line each
    corpus = tmp_path / "corpus.tsv"
    corpus.write_text("".join(f"{i}\t{b}\n" for i, b in bodies.items()), "utf-8")
    api = SearchIndex.create(tmp_path / "api")
    api.add(Article(id=i, title="", body=b) for i, b in bodies.items())
    cli = index_corpus(corpus, tmp_path / "cli")
    queries = [(str(n), q) for n, q in enumerate(["مكافحة الإرهاب", "الأمن", "المغرب", "التعاون"])]
    assert run_queries(cli, queries) == run_queries(api, queries)
    assert any(run_queries(cli, queries).values())


def test_max_size_skips_a_large_record_and_keeps_its_neighbours(tmp_path, capsys):
    big = "كلمة " * 222_222  # 2 MB of text (9 bytes a word)
    dump = write_jsonl(
        tmp_path / "dump.jsonl",
        [
            {"id": "before", "text": f"قبل. {FILLER}"},
            {"id": "big", "text": big},
            {"id": "after", "text": f"بعد. {FILLER}"},
        ],
    )
    assert dump.stat().st_size > 2_000_000
    code, summary, err = index_json(
        capsys, str(dump), "--index", str(tmp_path / "ix"), "--max-size", "1MB"
    )
    assert (code, summary["added"]) == (1, 2)
    (skipped,) = summary["skipped"]
    assert skipped["input"] == "dump.jsonl:2" and "larger than --max-size" in skipped["reason"]
    assert "2.0 MB > 1.0 MB" in skipped["reason"]


@pytest.mark.slow
def test_the_size_limit_is_per_record_not_per_container(tmp_path, capsys):
    records = [{"id": f"r{n}", "text": f"خبر رقم {n}. {FILLER}"} for n in range(50)]
    dump = write_jsonl(tmp_path / "dump.jsonl", records)
    array = tmp_path / "dump.json"
    array.write_text(json.dumps(records, ensure_ascii=False), "utf-8")
    with zipfile.ZipFile(tmp_path / "day.zip", "w") as archive:
        archive.write(array, "day.json")
    for container in (dump, array, tmp_path / "day.zip"):
        assert container.stat().st_size > 5_000
        code, summary, err = index_json(
            capsys, str(container), "--index", str(tmp_path / container.suffix), "--max-size", "5KB"
        )
        assert (code, summary["added"], summary["skipped"]) == (0, 50, []), err


def test_a_single_file_article_over_the_limit_is_skipped(tmp_path, capsys):
    (tmp_path / "a.txt").write_text(f"خبر. {FILLER}\n" * 100, "utf-8")
    code, summary, _ = index_json(
        capsys, str(tmp_path / "a.txt"), "--index", str(tmp_path / "ix"), "--max-size", "1kb"
    )
    assert code == 1 and "larger than --max-size" in summary["skipped"][0]["reason"]


@pytest.mark.parametrize("size", ["200", "50", "1.5", "10 parsecs", "MB", "-1MB"])
def test_max_size_needs_a_known_unit(tmp_path, capsys, size):
    dump = write_jsonl(tmp_path / "d.jsonl", [{"id": "a", "text": FILLER}])
    code, out, err = run_in_process(
        capsys, "index", str(dump), "--index", str(tmp_path / "ix"), "--max-size", size
    )
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "B, KB, MB or GB" in err and repr(size) in err
    assert not (tmp_path / "ix").exists()


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ("500KB", 500_000),
        ("50mb", 50_000_000),
        ("1GB", 10**9),
        ("1.5 Mb", 1_500_000),
        ("200B", 200),
    ],
)
def test_max_size_units(size, expected):
    from searcharc.cli.app import parse_size

    assert parse_size(size) == expected


@pytest.mark.slow
def test_progress_moves_inside_a_container(tmp_path):
    from searcharc.index.indexing import run_index
    from searcharc.progress import Progress

    class Recorder(Progress):
        def __init__(self) -> None:
            self.events: list[tuple[str, int]] = []

        def start(self, total_bytes: int) -> None:
            self.events.append(("start", total_bytes))

        def read(self, count: int) -> None:
            self.events.append(("read", count))

        def indexed(self) -> None:
            self.events.append(("indexed", 1))

        def finished(self, item) -> None:
            self.events.append(("finished", item.size))

    records = [{"id": f"r{n}", "text": f"خبر رقم {n}. {FILLER * 3}"} for n in range(1000)]
    dump = write_jsonl(tmp_path / "dump.jsonl", records)
    recorder = Recorder()
    run_index([dump], tmp_path / "ix", progress=recorder)
    kinds = [kind for kind, _ in recorder.events]
    size = dump.stat().st_size
    assert recorder.events[0] == ("start", size) and recorder.events[-1] == ("finished", size)
    assert kinds.count("indexed") == 1000
    reads = [i for i, kind in enumerate(kinds) if kind == "read"]
    assert len(reads) > 5 and reads[-1] > kinds.index("indexed")  # reads between articles
    assert sum(count for kind, count in recorder.events if kind == "read") == size


@pytest.mark.parametrize(
    ("name", "encoding", "records"),
    [
        ("cp.json", "cp1256", [{"id": "w", "text": f"الرمان. {FILLER}"}]),
        ("cp.jsonl", "cp1256", None),
        ("u16.json", "utf-16", [{"id": "w", "text": f"الرمان. {FILLER}"}]),
        ("bom.jsonl", "utf-8-sig", None),
    ],
)
def test_dumps_in_other_encodings_are_streamed(tmp_path, capsys, name, encoding, records):
    record = {"id": "w", "text": f"الرمان. {FILLER}"}
    text = (
        json.dumps(records, ensure_ascii=False)
        if records
        else json.dumps(record, ensure_ascii=False) + "\n"
    )
    (tmp_path / name).write_bytes(text.encode(encoding))
    code, summary, err = index_json(capsys, str(tmp_path / name), "--index", str(tmp_path / "ix"))
    assert (code, summary["added"]) == (0, 1), err
    code, out, _ = run_in_process(
        capsys, "query", "الرمان", "--ids", "--index", str(tmp_path / "ix")
    )
    assert out.split() == ["w"]


def test_a_broken_json_array_keeps_the_records_before_the_error(tmp_path, capsys):
    whole = json.dumps([{"id": f"r{n}", "text": f"خبر {n}. {FILLER}"} for n in range(3)])
    (tmp_path / "cut.json").write_text(whole[: whole.rindex("{")] + '{"id": "r2", "te', "utf-8")
    code, summary, err = index_json(
        capsys, str(tmp_path / "cut.json"), "--index", str(tmp_path / "ix")
    )
    assert (code, summary["added"]) == (1, 2)
    (skipped,) = summary["skipped"]
    assert skipped["input"] == "cut.json" and skipped["reason"].startswith(
        "JSON not read past 2 records: parse error: premature EOF"
    )
    assert "\n" not in skipped["reason"]


@pytest.mark.parametrize("name", ["empty.jsonl", "empty.json"])
def test_an_empty_dump_is_named(tmp_path, capsys, name):
    (tmp_path / name).write_bytes(b"  \n")
    code, summary, _ = index_json(capsys, str(tmp_path / name), "--index", str(tmp_path / "ix"))
    assert code == 1 and summary["skipped"] == [{"input": name, "reason": "empty"}]


def test_stray_control_characters_do_not_refuse_a_record(tmp_path, capsys):
    """As in SaudiNewsNet: «\x1a\x1a» before the text, about 1% of the article."""
    dump = write_jsonl(tmp_path / "d.jsonl", [{"id": "sub", "text": "\x1a\x1a نص قصير. " * 3}])
    code, summary, err = index_json(capsys, str(dump), "--index", str(tmp_path / "ix"))
    assert (code, summary["added"]) == (0, 1), err
