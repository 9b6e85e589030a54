"""Output for people and for scripts: plain and styled text, JSON against its schema, JSON lines,
ids, fields, batch TREC runs, bidi, similar articles, and the README's Python example."""

from __future__ import annotations

import inspect
import json
import os
import re
from dataclasses import fields
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from conftest import run_cli, run_in_process

from searcharc import DEFAULT_MATCH
from searcharc.records import Hit

ROOT = Path(__file__).resolve().parents[1]
ESC = "\x1b"
S001, S002, S003 = (
    "001_1866c231c26ecbf0.txt",
    "002_966b79832bdd0695.txt",
    "003_c640824398eaae79.txt",
)
SCHEMA = json.loads(resources.files("searcharc").joinpath("data/query.schema.json").read_text())


def validate(data: object, definition: str | None = None) -> None:
    """Validate against the shipped schema, or against one of its $defs."""
    schema = SCHEMA
    if definition is not None:
        schema = {"$defs": SCHEMA["$defs"], "$ref": f"#/$defs/{definition}"}
    jsonschema.Draft202012Validator(schema).validate(data)


@pytest.fixture
def cli(seed_index_dir, capsys):
    def run(*args: str) -> tuple[int, str, str]:
        return run_in_process(capsys, "query", "--index", str(seed_index_dir), *args)

    return run


def test_the_schema_is_itself_valid():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_hits_have_exactly_the_fields_of_the_json():
    assert [f.name for f in fields(Hit)] == SCHEMA["$defs"]["hit"]["required"]


def test_piped_output_is_plain_text_with_everything_a_hit_has(cli):
    code, out, _ = cli("--", "فيشر")
    assert code == 0 and ESC not in out
    assert re.match(r"1 article matches «فيشر» \(\d+ ms\)\n", out)
    assert "\n1. بعد لقاء الحموشي وفيشر" in out
    assert f"\n   {S003} · Ahdath.info · 2020-09-29 · score " in out
    assert "\n   … " in out and "فيشر" in out.split("score", 1)[1]  # a snippet


@pytest.mark.parametrize("env", [{}, {"SEARCHARC_BIDI": "1"}])
@pytest.mark.slow
def test_bidi_never_touches_piped_output(seed_index_dir, env):
    proc = run_cli("query", "بلينكن", "--bidi", "on", "--index", str(seed_index_dir), env=env)
    assert proc.returncode == 0 and ESC not in proc.stdout
    assert "بلينكن" in proc.stdout  # logical order kept: python-bidi would reverse it


def test_bidi_lines_reorder_arabic_for_a_terminal():
    from searcharc.cli.render import bidi_lines

    assert bidi_lines("بلينكن\nabc") == "نكنيلب\nabc"


def test_color_always_styles_the_matches(cli):
    code, out, _ = cli("--color", "always", "--", "بلينكن")
    assert code == 0 and ESC in out and "1. " in out and S002 in out


@pytest.mark.parametrize(
    "query", ["مكافحة الإرهاب", "الارهب", "زياش", '"الأمن في المنطقة"', "الإره*", "date:2020"]
)
def test_json_validates_against_the_documented_schema(cli, query):
    code, out, _ = cli("--json", "--limit", "3", "--", query)
    data = json.loads(out)
    validate(data)
    assert code == (0 if data["hits"] else 1)
    for hit in data["hits"]:
        for snippet in hit["snippets"]:
            for start, end in snippet["highlights"]:
                assert snippet["text"][start:end].strip() == snippet["text"][start:end] != ""


def test_json_carries_suggestions_and_paging(cli):
    _, out, _ = cli("--json", "--", "الإرهلب")
    assert json.loads(out)["suggestions"] == [{"query": "الإرهاب", "total": 5}]
    _, out, _ = cli("--json", "--limit", "2", "--page", "2", "--", "الإرهاب")
    data = json.loads(out)
    assert data["offset"] == 2 and len(data["hits"]) == 2


def test_jsonl_ids_and_fields(cli):
    _, out, _ = cli("--jsonl", "--", "مكافحة الإرهاب")
    lines = out.splitlines()
    assert len(lines) == 5
    for line in lines:
        validate(json.loads(line), "hit")
    assert cli("--ids", "--", "بلينكن")[1] == f"{S002}\n"
    assert (
        cli("--jsonl", "--fields", "id,date", "--", "بلينكن")[1]
        == f'{{"id": "{S002}", "date": null}}\n'
    )
    code, out, _ = cli("--fields", "id,date", "--", "حموشي")
    assert code == 0 and f"{S003}\t2020-09-29" in out and ESC not in out


def test_nothing_found_prints_no_empty_json_line(cli):
    assert cli("--jsonl", "--", "زياش")[:2] == (1, "")
    assert cli("--ids", "--", "زياش")[:2] == (1, "")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--fields", "id,nope", "--", "بلينكن"],
            "--fields: choose among id,title,score,date,source,snippets, not 'id,nope'",
        ),
        (["--json", "--jsonl", "--", "بلينكن"], "choose one output format, not --json and --jsonl"),
        (["--page", "2", "--offset", "3", "--", "بلينكن"], "give --page or --offset, not both"),
        (["--since", "2023-13-01", "--", "بلينكن"], "not an ISO date (YYYY-MM-DD): '2023-13-01'"),
        ([], "give a query, or --batch FILE (see searcharc query --help)"),
    ],
)
def test_option_mistakes_are_one_line_and_exit_2(cli, args, message):
    assert cli(*args) == (2, "", f"searcharc: {message}\n")


def test_a_query_may_start_with_a_minus(cli):
    code, out, _ = cli("-بلينكن")
    assert code == 0 and S002 not in out and S003 in out


def test_did_you_mean_on_the_command_line(cli):
    code, out, _ = cli("--", "الإرهلب")
    assert code == 1 and "did you mean «الإرهاب»? (5 articles)" in out


@pytest.mark.slow
def test_batch_writes_a_valid_trec_run_for_three_queries(seed_index_dir, tmp_path):
    queries = tmp_path / "q.tsv"
    queries.write_text("q1\tمكافحة الإرهاب\nq2\tبلينكن\nq3\tفيشر OR إسبر\n", "utf-8")
    run = tmp_path / "run.txt"
    proc = run_cli(
        *("query", "--batch", str(queries), "--output", str(run), "--index", str(seed_index_dir)),
        *("--limit", "3", "--run-tag", "t1"),
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "" and re.search(r"3 queries in .* s \(.* queries/s\)", proc.stderr)
    rows = [line.split(" ") for line in run.read_text("utf-8").splitlines()]
    assert all(len(r) == 6 and r[1] == "Q0" and r[5] == "t1" for r in rows)
    assert [r[0] for r in rows] == ["q1"] * 3 + ["q2", "q3"]
    assert [int(r[3]) for r in rows] == [1, 2, 3, 1, 1]
    assert [float(r[4]) for r in rows[:3]] == sorted((float(r[4]) for r in rows[:3]), reverse=True)
    assert (rows[3][2], rows[4][2]) == (S002, S003)


@pytest.mark.slow
def test_batch_jsonl_from_stdin_numbers_the_queries(seed_index_dir):
    proc = run_cli(
        "query",
        "--batch",
        "-",
        "--jsonl",
        "--index",
        str(seed_index_dir),
        stdin="بلينكن\n\nفيشر\n",
    )
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    for row in rows:
        validate(row)
    assert [(r["qid"], r["hits"][0]["id"]) for r in rows] == [("1", S002), ("2", S003)]


@pytest.mark.slow
def test_batch_goes_on_past_a_query_it_cannot_read(seed_index_dir):
    stdin = "a\tبلينكن\nb\tdate:nope\nc\tفيشر\n"
    proc = run_cli("query", "--batch", "-", "--index", str(seed_index_dir), stdin=stdin)
    assert proc.returncode == 2 and "internal error" not in proc.stderr
    assert [line.split()[0] for line in proc.stdout.splitlines()] == ["a", "c"]
    assert "query b: date:nope is not a date" in proc.stderr


@pytest.mark.slow
def test_similar_lists_articles_with_shared_key_terms(seed_index_dir, capsys):
    code, out, _ = run_in_process(
        capsys, "similar", S002, "--index", str(seed_index_dir), "--limit", "2"
    )
    assert code == 0 and out.startswith("1. ") and "shared: " in out and S002 not in out
    code, out, _ = run_in_process(capsys, "similar", S002, "--json", "--index", str(seed_index_dir))
    assert all(item["shared_terms"] for item in json.loads(out))
    code, _, err = run_in_process(capsys, "similar", "nope", "--index", str(seed_index_dir))
    assert code == 1 and "not in the index: nope" in err  # nothing found, as show says
    assert "internal error" not in err


def test_the_match_default_is_one_constant():
    from searcharc.cli.app import MATCH_DEFAULT
    from searcharc.search.searcher import SearchIndex

    assert MATCH_DEFAULT.value == DEFAULT_MATCH
    assert inspect.signature(SearchIndex.search).parameters["match"].default == DEFAULT_MATCH


def test_the_readme_python_example_runs(seed_index_dir, tmp_path, capsys):
    readme = (ROOT / "README.md").read_text("utf-8")
    code = re.search(r"## Python\n.*?```python\n(.*?)```", readme, re.S).group(1)
    assert len(code.strip().splitlines()) <= 5
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
