"""No internal errors: an empty index answers every command, and generated dumps and queries
never end in a traceback or "internal error"."""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

import pytest
from conftest import run_in_process
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


@pytest.fixture
def empty_index(tmp_path, capsys):
    """An index whose only input was skipped: it exists and holds no article."""
    dump = tmp_path / "dump.jsonl"
    dump.write_text('{"id": "a", "text": "   "}\n', "utf-8")
    target = tmp_path / "index"
    code, _, err = run_in_process(capsys, "index", str(dump), "--index", str(target))
    assert code == 1 and "a" in err
    return target


@pytest.mark.parametrize(
    ("args", "status"),
    [
        (["query", "الإرهاب"], 1),
        (["query", 'title:الإرهاب OR "مكافحة الإرهاب"'], 1),
        (["query", "الإره*", "--sort", "date", "--since", "2020-01-01"], 1),
        (["query", "الارهب~", "--json"], 1),
        (["similar", "a"], 1),
        (["show", "a"], 1),
        (["stats"], 0),
        (["stats", "--json"], 0),
    ],
)
def test_an_empty_index_answers_normally(empty_index, capsys, args, status):
    code, out, err = run_in_process(capsys, *args, "--index", str(empty_index))
    assert code == status, err
    assert "internal error" not in err and "Traceback" not in err


def test_a_batch_on_an_empty_index_finds_nothing(empty_index, tmp_path, capsys):
    queries = tmp_path / "queries.tsv"
    queries.write_text("1\tالإرهاب\n2\tمكافحة\n", "utf-8")
    code, out, err = run_in_process(
        capsys, "query", "--batch", str(queries), "--index", str(empty_index)
    )
    assert (code, out) == (1, "") and "2 queries" in err and "internal error" not in err


def test_eval_on_an_empty_index_scores_zero(empty_index, tmp_path, capsys):
    (tmp_path / "q.tsv").write_text("1\tالإرهاب\n", "utf-8")
    (tmp_path / "qrels").write_text("1 0 a 1\n", "utf-8")
    code, out, err = run_in_process(
        capsys,
        "eval",
        "--queries",
        str(tmp_path / "q.tsv"),
        "--qrels",
        str(tmp_path / "qrels"),
        "--index",
        str(empty_index),
        "--json",
    )
    assert code == 0, err
    assert '"MRR@10": 0.0' in out


# Generated dumps: records of every shape, each line's fate predicted from the rules alone.
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
ARABIC = st.text(st.sampled_from("ابتثجحخدذرزسشصضطظعغفقكلمنهويءآأإةى ًٌٍَُِّْـ.،؟!«»…"), max_size=60)
LEADS = st.sampled_from(["", "..", "...", ".", "…", "«..» ", "؟ "])
PROSE = st.builds(str.__add__, LEADS, ARABIC | TEXT)
HUGE = st.just("كلمة " * 2_000)  # 18 KB: over the --max-size of these runs
SCALAR = (
    st.none()
    | st.booleans()
    | st.integers(1 - 2**63, 2**63 - 1)  # ijson's C parser (yajl) stops at -2**63 and beyond
    | st.floats(allow_nan=False, allow_infinity=False)
    | PROSE
)


def _nested(inner: st.SearchStrategy) -> st.SearchStrategy:
    """Arrays and objects of ``inner`` values."""
    return st.lists(inner, max_size=2) | st.dictionaries(st.sampled_from(["text", "a"]), inner)


VALUE = st.recursive(SCALAR | HUGE, _nested, max_leaves=4)
DATES = st.sampled_from(["2023-11-14", "0001-01-01", "9999-12-31", "14 نوفمبر 2023", "2023-13-45"])
KEYS = {
    "id": st.sampled_from(["a", "b", " ", ""]) | st.integers(0, 3) | VALUE,
    "title": PROSE | VALUE,
    "text": PROSE | HUGE | VALUE,
    "content": PROSE | VALUE,
    "body": PROSE,
    "date": DATES | VALUE,
    "source": PROSE | VALUE,
    "url": st.sampled_from(["https://example.ma/1", ""]) | VALUE,
}
RECORD = st.fixed_dictionaries({}, optional=KEYS) | SCALAR
LIMIT = 10_000  # --max-size 10KB


def _text_field(value: object) -> bool:
    return (
        isinstance(value, int | float | str)
        and not isinstance(value, bool)
        and (str(value).strip() != "")
    )


def _fate(line: str, record: object) -> str:
    """What the rules say happens to one line: "indexed", or the start of the skip reason."""
    from searcharc.ingest.decode import DecodeError, check_text

    if len(line.encode()) > LIMIT:
        return "larger than --max-size"
    strings = re.findall(r'"((?:[^"\\]|\\.)*)"', line)  # the keys and strings, as JSON
    text = "\n".join(json.loads(f'"{string}"') for string in strings)
    try:
        if text.strip():
            check_text(text, controls=False)
    except DecodeError as exc:
        return str(exc)
    if not isinstance(record, dict):
        return "record is not a JSON object"
    if not any(_text_field(record.get(k)) for k in ("title", "content", "body", "text")):
        return "record"
    return "indexed"


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    records=st.lists(RECORD, min_size=1, max_size=8),
    queries=st.lists(PROSE | st.sampled_from(["title:", '"', "-", "*", "~2", "OR"]), max_size=3),
    array=st.booleans(),
)
@pytest.mark.slow
def test_generated_dumps_are_indexed_or_named_and_never_an_internal_error(
    capsys, records, queries, array
):
    """JSON Lines or a JSON array of generated records, through the real CLI entry point."""
    with tempfile.TemporaryDirectory() as tmp:
        lines = [json.dumps(r, ensure_ascii=False) for r in records]
        dump = Path(tmp) / ("dump.json" if array else "dump.jsonl")
        dump.write_text(f"[{','.join(lines)}]" if array else "\n".join(lines) + "\n", "utf-8")
        index = str(Path(tmp) / "index")
        code, out, err = run_in_process(
            capsys, "index", str(dump), "--index", index, "--max-size", "10KB", "--json"
        )
        assert code in (0, 1) and "internal error" not in err and "Traceback" not in err, err
        summary = json.loads(out)
        skipped = {int(re.split("[:#]", s["input"])[-1]): s["reason"] for s in summary["skipped"]}
        fates = {
            n: _fate(line, r) for n, (line, r) in enumerate(zip(lines, records, strict=True), 1)
        }
        assert {n for n, f in fates.items() if f != "indexed"} == set(skipped), (fates, skipped)
        for number, reason in skipped.items():
            assert reason.startswith(fates[number]), (reason, fates[number])
        assert summary["added"] + len(summary["duplicates"]) + len(skipped) == len(records)
        for query in queries:
            code, _, err = run_in_process(capsys, "query", "--index", index, "--", query)
            assert code in (0, 1, 2) and "internal error" not in err and "Traceback" not in err
            assert code != 2 or len(err.strip().splitlines()) == 1, err
        for command in (["similar", "a"], ["show", "a"], ["stats"]):
            code, _, err = run_in_process(capsys, *command, "--index", index)
            assert code in (0, 1) and "internal error" not in err, err


def test_input_files_that_are_not_text_are_one_line(empty_index, tmp_path, capsys):
    binary = tmp_path / "binary"
    binary.write_bytes(b"\xff\xfe\x00bad\xff")
    good_queries = tmp_path / "q.tsv"
    good_queries.write_text("1\tالإرهاب\n", "utf-8")
    bad_qrels = tmp_path / "qrels"
    bad_qrels.write_text("1 0 a relevant\n", "utf-8")
    index = ["--index", str(empty_index)]
    runs = {
        "query --batch": ["query", "--batch", str(binary), *index],
        "eval --queries": ["eval", "--queries", str(binary), "--qrels", str(bad_qrels), *index],
        "eval --qrels": ["eval", "--queries", str(good_queries), "--qrels", str(binary), *index],
        "qrels relevance": ["eval", "--queries", str(good_queries), "--qrels", str(bad_qrels)]
        + index,
        "index onto a file": ["index", str(good_queries), "--index", str(binary)],
        "unknown encoding": ["index", str(good_queries), "--index", str(tmp_path / "new")]
        + ["--encoding", "bogus"],
    }
    for name, args in runs.items():
        code, _, err = run_in_process(capsys, *args)
        assert code == 2 and len(err.strip().splitlines()) == 1, (name, err)
        assert "internal error" not in err and (
            any(m in err for m in ("not UTF-8", "not a qrels", "not an index", "unknown encoding"))
        ), (name, err)


def test_a_number_past_the_json_parsers_range_names_the_file(tmp_path, capsys):
    """yajl, ijson's C parser, reads 64-bit integers but not -2**63 or beyond: an array
    holding one stops there, with a one-line reason for the file; the records before it are
    indexed."""
    dump = tmp_path / "dump.json"
    dump.write_text('[{"title": "خبر", "text": "نص الخبر"}, -9223372036854775808]', "utf-8")
    code, out, err = run_in_process(
        capsys, "index", str(dump), "--index", str(tmp_path / "ix"), "--json"
    )
    summary = json.loads(out)
    assert code == 1 and "Traceback" not in err and "internal error" not in err
    assert summary["added"] == 1
    [skipped] = summary["skipped"]
    assert skipped["input"] == "dump.json"
    assert skipped["reason"].startswith(
        "JSON not read past 1 record: parse error: integer overflow"
    )
