"""The query language on the seed articles, malformed input, suggestions, batch runs, the API."""

from __future__ import annotations

import json
import os
import re
from datetime import date
from pathlib import Path

import pytest
from conftest import run_cli as run

from searcharc.errors import SearcharcError
from searcharc.query import Free, Not, Phrase, Prefix, Word, parse

ROOT = Path(__file__).resolve().parents[1]
S000, S001, S002, S003, S004 = (
    "000_934a0f4bb6c41b95.txt",
    "001_1866c231c26ecbf0.txt",
    "002_966b79832bdd0695.txt",
    "003_c640824398eaae79.txt",
    "004_d806f188987e83e7.txt",
)


def ids(seed_index, query: str, **options) -> set[str]:
    return {h.id for h in seed_index.search(query, limit=10, **options).hits}


def test_parse_tree():
    assert parse('"مكافحة الإرهاب" -الجزائر إره*') == Free(
        (Phrase("مكافحة الإرهاب"), Not(Word("الجزائر")), Prefix("إره"))
    )


def test_a_phrase_matches_only_in_its_order(seed_index):
    forward = ids(seed_index, '"مكافحة الإرهاب"')
    backward = ids(seed_index, '"الإرهاب مكافحة"')
    assert forward == {S000, S003, S004}
    assert backward == {S002}  # «محاربة الارهاب ومكافحة الاتجار»
    assert ids(seed_index, "مكافحة الإرهاب") == {S000, S001, S002, S003, S004}


def test_not_and_minus_remove_a_document(seed_index):
    assert S002 in ids(seed_index, "الإرهاب")
    assert ids(seed_index, "الإرهاب -بلينكن") == ids(seed_index, "الإرهاب NOT بلينكن")
    assert S002 not in ids(seed_index, "الإرهاب -بلينكن")


def test_or_and_parentheses(seed_index):
    assert ids(seed_index, "بلينكن OR حموشي") == {S002, S003}
    assert ids(seed_index, "(بلينكن OR حموشي) AND فيشر") == {S003}


def test_match_all_requires_every_word(seed_index):
    assert ids(seed_index, "بلينكن الإرهاب", match="all") == {S002}
    assert len(ids(seed_index, "بلينكن الإرهاب", match="any")) == 5


def test_fields(seed_index):
    assert ids(seed_index, "title:بلينكن") == {S002}
    assert ids(seed_index, "title:الإرهابية") == {S003}  # «التنظيمات الإرهابية» in 003's title
    assert ids(seed_index, "source:هسبريس") == {S001}
    assert ids(seed_index, "source:ahdath") == {S003}


def test_dates(seed_index):
    assert ids(seed_index, "date:2023-11") == {S001}
    assert ids(seed_index, "date:2020") == {S003}
    assert ids(seed_index, "الإرهاب", since=date(2021, 1, 1)) == {S001}
    assert ids(seed_index, "الإرهاب", until=date(2021, 1, 1)) == {S003}
    assert ids(seed_index, "الإرهاب", since=date(2020, 9, 29), until=date(2020, 9, 29)) == {S003}


def test_sort_by_date_and_paging(seed_index):
    dated = [h.id for h in seed_index.search("الإرهاب", sort="date").hits][:2]
    assert dated == [S001, S003]
    first = [h.id for h in seed_index.search("الإرهاب", limit=2).hits]
    second = [h.id for h in seed_index.search("الإرهاب", limit=2, offset=2).hits]
    assert len(first + second) == 4 and not set(first) & set(second)


def test_prefix_over_unstemmed_words(seed_index):
    result = seed_index.search("الإره*")
    assert {S000, S003, S004} <= {h.id for h in result.hits}
    words = {s.text[a:b] for h in result.hits for s in h.snippets for a, b in s.highlights}
    assert all(re.sub("[أإ]", "ا", w).startswith("الاره") for w in words) and words


def test_fuzzy_word(seed_index):
    assert ids(seed_index, "بلينكين~") == {S002}  # one letter too many
    assert ids(seed_index, "بلينكين") == set()
    assert ids(seed_index, "بلنكين~2") == {S002}


def test_exact_form_is_not_stemmed_but_ignores_marks_and_hamza(seed_index):
    exact = ids(seed_index, "=الإرهابية")
    stemmed = ids(seed_index, "الإرهابية")
    assert exact < stemmed
    assert ids(seed_index, "=الارهابيه") == exact == ids(seed_index, "=الإِرْهَابِيَّة")


def test_did_you_mean(seed_index):
    (suggestion,) = seed_index.suggest("الارهب")
    assert suggestion.query == "الإرهاب" and suggestion.total == 5
    assert seed_index.suggest("الإرهاب") == []


def test_similar_articles_share_key_terms(seed_index):
    similar = seed_index.similar(S002, limit=3)
    assert len(similar) == 3 and S002 not in {s.hit.id for s in similar}
    assert all(s.shared_terms for s in similar)


MALFORMED = [
    '"',
    '""',
    '"مكافحة',
    'مكافحة"',
    "(",
    ")",
    "((",
    "))",
    "(الإرهاب",
    "الإرهاب)",
    "()",
    "OR",
    "AND",
    "NOT",
    "OR OR",
    "AND AND",
    "الإرهاب OR",
    "OR الإرهاب",
    "الإرهاب AND",
    "NOT NOT الإرهاب",
    "-",
    "--",
    "- -",
    "-الإرهاب",
    ":",
    "title:",
    "source:",
    "title:)",
    "date:",
    "date:2023-13-45",
    "date:nope",
    "*",
    "**",
    "ا*",
    "~",
    "الإرهاب~9",
    "=",
    "==",
    "ـــ",
    "؟؟؟",
    "!!!",
    "\u200f",
    "  ",
    "\t",
    "(((الإرهاب OR (بلينكن",
    'title:"',
    "=*",
]


@pytest.mark.parametrize("query", MALFORMED)
def test_malformed_queries_never_raise_a_traceback(seed_index, query):
    try:
        result = seed_index.search(query)
    except SearcharcError as exc:  # rejected with one clear line
        assert "\n" not in str(exc) and str(exc)
    else:
        assert result.total >= 0


@pytest.mark.parametrize("query", ["*", "date:nope", "(", '"', "NOT"])
def test_malformed_queries_on_the_command_line(seed_index_dir, query):
    proc = run("query", query, "--index", str(seed_index_dir))
    assert proc.returncode in (0, 1, 2)
    assert "Traceback" not in proc.stderr
    if proc.returncode == 2:
        assert len(proc.stderr.strip().splitlines()) == 1


def test_batch_writes_a_trec_run(seed_index_dir, tmp_path):
    (tmp_path / "q.tsv").write_text("q1\tمكافحة الإرهاب\nq2\tبلينكن\nq3\tزياش\n", "utf-8")
    proc = run(
        "query",
        "--batch",
        str(tmp_path / "q.tsv"),
        "--index",
        str(seed_index_dir),
        "--limit",
        "3",
        "--run-tag",
        "t1",
    )
    assert proc.returncode == 0, proc.stderr
    lines = [line.split() for line in proc.stdout.splitlines()]
    assert all(len(parts) == 6 and parts[1] == "Q0" and parts[5] == "t1" for parts in lines)
    assert [p[0] for p in lines] == ["q1"] * 3 + ["q2"]
    assert [int(p[3]) for p in lines[:3]] == [1, 2, 3]
    assert lines[3][2] == S002
    assert "queries/s" in proc.stderr


def test_batch_jsonl_from_stdin(seed_index_dir):
    proc = run(
        "query", "--batch", "-", "--jsonl", "--index", str(seed_index_dir), stdin="بلينكن\nحموشي\n"
    )
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [(r["qid"], r["hits"][0]["id"]) for r in rows] == [("1", S002), ("2", S003)]


def test_ids_jsonl_and_fields(seed_index_dir):
    index = str(seed_index_dir)
    assert run("query", "بلينكن", "--ids", "--index", index).stdout.split() == [S002]
    (line,) = run(
        "query", "بلينكن", "--jsonl", "--fields", "id,date", "--index", index
    ).stdout.splitlines()
    assert json.loads(line) == {"id": S002, "date": None}
    plain = run("query", "حموشي", "--fields", "id,date", "--index", index).stdout
    assert f"{S003}\t2020-09-29" in plain and "\x1b" not in plain


def test_did_you_mean_on_the_command_line(seed_index_dir):
    proc = run("query", "الارهب", "--index", str(seed_index_dir))
    assert "did you mean «الإرهاب»? (5 articles)" in proc.stdout


def test_bidi_never_touches_piped_or_json_output(seed_index_dir):
    plain = run("query", "بلينكن", "--bidi", "on", "--index", str(seed_index_dir)).stdout
    assert "بلينكن" in plain  # logical order kept when piped
    data = json.loads(
        run("query", "بلينكن", "--bidi", "on", "--json", "--index", str(seed_index_dir)).stdout
    )
    assert data["hits"][0]["id"] == S002


def test_the_readme_python_example_runs(seed_index_dir, tmp_path, capsys):
    readme = (ROOT / "README.md").read_text("utf-8")
    code = re.search(r"## Python\n.*?```python\n(.*?)```", readme, re.S).group(1)
    os.symlink(seed_index_dir, tmp_path / "index")
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        exec(compile(code, "README.md", "exec"), {})
    finally:
        os.chdir(cwd)
    printed = capsys.readouterr().out.splitlines()
    assert len(printed) == 3
    assert all(float(line.split()[0]) > 0 for line in printed)
    assert any("وزير الدفاع الأمريكي" in line for line in printed)
